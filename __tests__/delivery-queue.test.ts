import request from 'supertest';
import {
  createEventDispatcher,
  type EnqueueResult,
  type EventQueue,
  innopaasWebhook,
  type InnopaasEvent,
  isInnopaasWebhookError,
  type UnknownEvent,
} from '../lib';
import { createApp, credentials, expressVersions, textEvent } from './helpers/app';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A queue as a user would write one over their own store: keeps events by id, collapses repeats. */
class ListQueue implements EventQueue {
  readonly jobs = new Map<string, string>();
  enqueue(event: InnopaasEvent | UnknownEvent): Promise<EnqueueResult> {
    return Promise.resolve().then(() => {
      if (this.jobs.has(event.id)) return { status: 'duplicate' } as const;
      this.jobs.set(event.id, JSON.stringify(event));
      return { status: 'queued' } as const;
    });
  }
}

describe.each(expressVersions)('%s: the queue option (durable hand-off)', (_name, express) => {
  test('a valid event is written to the queue, then answered 200; a redelivery collapses', async () => {
    const queue = new ListQueue();
    const { app } = createApp(express, { queue });
    const event = textEvent('queued');
    const res = await request(app).post('/webhook').set(credentials).send(event);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true });
    // What is queued is the payload as received: the parsed dates are not part of it.
    expect(JSON.parse(queue.jobs.get(event.id as string) as string)).toEqual(event);
    const again = await request(app).post('/webhook').set(credentials).send(event);
    expect(again.body).toEqual({ received: true, duplicate: true });
    expect(queue.jobs.size).toBe(1);
  });

  test.each([
    ['returns', () => undefined],
    [
      'throws',
      () => {
        throw new Error('hook down');
      },
    ],
    ['rejects', () => Promise.reject(new Error('hook down'))],
  ])('a redelivery the queue calls a duplicate runs onDuplicate once; a hook that %s changes no answer', async (what, hook) => {
    const queue = new ListQueue();
    const seen: [unknown, unknown][] = [];
    const errors: string[] = [];
    const { app } = createApp(express, {
      queue,
      onDuplicate: (event, req) => {
        seen.push([event.id, (req as { originalUrl?: unknown }).originalUrl]);
        return hook();
      },
      onError: (error) => errors.push(`${error.code}: ${error.message}`),
    });
    const event = textEvent('twice');
    expect((await request(app).post('/webhook').set(credentials).send(event)).body).toEqual({ received: true });
    expect(seen).toEqual([]);
    const again = await request(app).post('/webhook').set(credentials).send(event).expect(200);
    expect(again.body).toEqual({ received: true, duplicate: true });
    expect(seen).toEqual([[event.id, '/webhook']]);
    await sleep(10);
    expect(errors).toEqual(what === 'returns' ? [] : ['internal_error: onDuplicate failed.']);
  });

  test('nothing reaches the queue before authentication and validation', async () => {
    const queue = new ListQueue();
    const { app } = createApp(express, { queue });
    expect((await request(app).post('/webhook').send(textEvent())).status).toBe(401);
    const invalid = { ...textEvent(), body: { type: 'text' } };
    expect((await request(app).post('/webhook').set(credentials).send(invalid)).status).toBe(400);
    expect(queue.jobs.size).toBe(0);
  });

  const failing: [string, EventQueue['enqueue']][] = [
    [
      'throws',
      () => {
        throw new Error('connection refused');
      },
    ],
    ['rejects', () => Promise.reject(new Error('READONLY'))],
    ['rejects with a non-error', () => Promise.reject(undefined)],
    ['never settles', () => new Promise<EnqueueResult>(() => undefined)],
    ['answers something else', () => ({ status: 'ok' }) as unknown as EnqueueResult],
    ['answers undefined', () => undefined as unknown as EnqueueResult],
    [
      'answers a revoked proxy',
      () => {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        return proxy as EnqueueResult;
      },
    ],
  ];
  test.each(failing)('a queue that %s gets 503 queue_unavailable, never 200, and onError sees it', async (_case, enqueue) => {
    const errors: string[] = [];
    const { app } = createApp(express, {
      queue: { enqueue },
      queueTimeoutMs: 100,
      onError: (error) => void errors.push(error.code),
    });
    const res = await request(app).post('/webhook').set(credentials).send(textEvent());
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('queue_unavailable');
    expect(errors).toEqual(['queue_unavailable']);
  });

  test('a slow queue within queueTimeoutMs is awaited', async () => {
    const { app } = createApp(express, {
      queue: { enqueue: () => sleep(50).then(() => ({ status: 'queued' }) as const) },
      queueTimeoutMs: 1_000,
    });
    expect((await request(app).post('/webhook').set(credentials).send(textEvent())).status).toBe(200);
  });
});

describe('the queue option at creation', () => {
  const base = { userName: 'u', authorization: 'a' };
  test.each([
    ['on', { on: { whatsapp_mo_message_received: () => undefined } }],
    ['dedupe', { dedupe: false as const }],
    ['ack', { ack: 'immediately' as const }],
    ['onUnknownEvent', { onUnknownEvent: () => undefined }],
    ['passThrough', { passThrough: true }],
  ])('refuses %s beside a queue: the handlers run in the worker', (option, extra) => {
    expect(() => innopaasWebhook({ ...base, queue: new ListQueue(), ...extra })).toThrow(
      new RegExp(`option \`${option}\` cannot be combined with \`queue\``),
    );
  });
  test('refuses a queue without enqueue()', () => {
    expect(() => innopaasWebhook({ ...base, queue: {} as EventQueue })).toThrow(
      /option `queue` must be an object with an `enqueue\(event\)` method/,
    );
  });
});

describe('createEventDispatcher: the pipeline without HTTP', () => {
  test('validates a payload (object, JSON string or bytes) and runs the handler of its type with a signal', async () => {
    const seen: unknown[] = [];
    const dispatch = createEventDispatcher<{ attempt: number }>({
      on: {
        whatsapp_mo_message_received: (event, context) => {
          seen.push([event.body.from, event.eventDate instanceof Date, context.signal.aborted, context.attempt]);
        },
      },
    });
    const event = textEvent();
    await expect(dispatch(event, { attempt: 1 })).resolves.toMatchObject({ handled: true, event: { id: event.id } });
    await dispatch(JSON.stringify(event), { attempt: 2 });
    await dispatch(Buffer.from(JSON.stringify(event)), { attempt: 3 });
    expect(seen).toEqual([
      ['PHONE-NUMBER', true, false, 1],
      ['PHONE-NUMBER', true, false, 2],
      ['PHONE-NUMBER', true, false, 3],
    ]);
  });

  test('rejects an invalid payload with the code the middleware would answer', async () => {
    const dispatch = createEventDispatcher({ on: {} });
    const codes = [];
    for (const payload of ['{', { ...textEvent(), body: { type: 'text' } }, [textEvent()], '', { id: 1 }]) {
      const error: unknown = await dispatch(payload).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isInnopaasWebhookError(error)).toBe(true);
      codes.push((error as { code: string }).code);
    }
    expect(codes).toEqual(['invalid_json', 'invalid_event', 'batch_not_supported', 'invalid_envelope', 'invalid_envelope']);
  });

  test('a failing handler rejects with handler_failed and the cause; an unknown type without a hook is not handled', async () => {
    const cause = new Error('db down');
    const dispatch = createEventDispatcher({
      on: {
        whatsapp_mo_message_received: () => {
          throw cause;
        },
      },
    });
    await expect(dispatch(textEvent())).rejects.toMatchObject({
      code: 'handler_failed',
      cause,
      message: expect.stringContaining('db down'),
    });
    await expect(dispatch({ ...textEvent(), type: 'something_new' })).resolves.toMatchObject({ handled: false });
  });

  test('the caller signal reaches the handler; the time limit aborts it with handler_timeout', async () => {
    const reasons: unknown[] = [];
    const dispatch = createEventDispatcher({
      handlerTimeoutMs: 100,
      on: {
        whatsapp_mo_message_received: async (_event, { signal }) => {
          await new Promise((resolve) => {
            signal.addEventListener('abort', resolve);
          });
          reasons.push(signal.reason);
        },
      },
    });
    const outer = new AbortController();
    const stopped = dispatch(textEvent(), { signal: outer.signal });
    outer.abort('shutdown');
    await expect(stopped).resolves.toMatchObject({ handled: true });
    await expect(dispatch(textEvent())).rejects.toMatchObject({ code: 'handler_timeout' });
    await sleep(10);
    expect(reasons[0]).toBe('shutdown');
    expect((reasons[1] as { code: string }).code).toBe('handler_timeout');
  });

  test('refuses unknown options and event types at creation', () => {
    expect(() => createEventDispatcher({ onn: {} } as never)).toThrow(/option `onn` is not an option/);
    expect(() => createEventDispatcher({ on: { whatsapp_mo_message: () => undefined } as never })).toThrow(/Did you mean/);
  });
});
