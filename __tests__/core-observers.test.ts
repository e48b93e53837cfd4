import request from 'supertest';
import { type DeliveryObserver, MemoryStore } from '../lib';
import { createApp, credentials, expressVersions, textEvent } from './helpers/app';

const TEXT = 'whatsapp_mo_message_received';
const throwing = () => {
  throw new Error('observer bug');
};

/** Records every call an observer receives, in order. */
function recorder(calls: string[]): DeliveryObserver {
  return {
    begin: (start) => {
      calls.push(`begin ${start.source}`);
      return {
        event: (_event, type, lagMs) => void calls.push(`event ${type} ${typeof lagMs}`),
        dedupe: (outcome) => void calls.push(`dedupe ${outcome}`),
        run: (work) => {
          calls.push('run');
          return work();
        },
        handled: (failure) => void calls.push(`handled ${failure?.code ?? 'ok'}`),
        answered: (answer) => void calls.push(`answered ${answer.status} ${answer.code}`),
      };
    },
  };
}

describe.each(expressVersions)('observers (%s)', (_name, express) => {
  test('an observer sees one delivery in order: begin, event, dedupe, run, handled, answered', async () => {
    const calls: string[] = [];
    const { app } = createApp(express, { observers: [recorder(calls)], on: { [TEXT]: async () => {} } });
    await request(app).post('/webhook').set(credentials).send(textEvent()).expect(200);
    expect(calls).toEqual([
      'begin request',
      `event ${TEXT} number`,
      'dedupe claimed',
      'run',
      'handled ok',
      'answered 200 received',
    ]);
  });

  test('a request refused before its body is read: begin and answered only', async () => {
    const calls: string[] = [];
    const { app } = createApp(express, { observers: [recorder(calls)] });
    await request(app).post('/webhook').send(textEvent()).expect(401);
    expect(calls).toEqual(['begin request', 'answered 401 unauthorized']);
  });

  test('observers that throw everywhere, or never call work(), cost the request nothing', async () => {
    const handled: string[] = [];
    const everywhere: DeliveryObserver = {
      begin: () => ({
        event: throwing,
        dedupe: throwing,
        run: throwing,
        handled: throwing,
        answered: throwing,
      }),
    };
    const neverRuns: DeliveryObserver = { begin: () => ({ run: () => undefined as never }) };
    const twice: DeliveryObserver = {
      begin: () => ({
        run: (work) => {
          work();
          return work();
        },
      }),
    };
    const { app } = createApp(express, {
      observers: [{ begin: throwing }, everywhere, neverRuns, twice],
      on: { [TEXT]: (event) => void handled.push(event.id) },
    });
    const event = textEvent();
    await request(app).post('/webhook').set(credentials).send(event).expect(200);
    await request(app).post('/webhook').set(credentials).send(event).expect(200, { received: true, duplicate: true });
    expect(handled).toEqual([event.id]);
  });

  test('observers whose members reject, or whose getters throw, leave no unhandled rejection and no request unanswered', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const rejecting = () => Promise.reject(new Error('observer down'));
      const asyncEverywhere: DeliveryObserver = {
        begin: () => ({
          event: rejecting,
          dedupe: rejecting,
          handled: rejecting,
          answered: rejecting,
          carry: rejecting,
          run: (work) => {
            work();
            return Promise.reject(new Error('run down')) as never;
          },
        }),
      };
      const asyncBegin = { begin: () => Promise.reject(new Error('begin down')) } as unknown as DeliveryObserver;
      const getters: DeliveryObserver = {
        begin: () =>
          Object.defineProperties(
            {},
            Object.fromEntries(
              ['event', 'dedupe', 'run', 'handled', 'answered', 'carry'].map((name) => [name, { get: throwing }]),
            ),
          ),
      };
      const handled: string[] = [];
      // A store that answers with promises, so that a throw in the claim's continuation would escape.
      const store = new MemoryStore();
      const asyncStore = {
        claim: async (...args: Parameters<MemoryStore['claim']>) => store.claim(...args),
        complete: async (...args: Parameters<MemoryStore['complete']>) => store.complete(...args),
        release: async (...args: Parameters<MemoryStore['release']>) => store.release(...args),
      };
      const { app } = createApp(express, {
        observers: [asyncEverywhere, asyncBegin, getters],
        dedupe: { store: asyncStore },
        on: { [TEXT]: async (event) => void handled.push(event.id) },
      });
      const event = textEvent();
      await request(app).post('/webhook').set(credentials).send(event).expect(200, { received: true });
      await request(app).post('/webhook').set(credentials).send(event).expect(200, { received: true, duplicate: true });
      await request(app).post('/webhook').send(event).expect(401);
      const queued = createApp(express, {
        observers: [asyncEverywhere, getters],
        queue: { enqueue: async () => ({ status: 'queued' }) },
      });
      await request(queued.app).post('/webhook').set(credentials).send(textEvent()).expect(200, { received: true });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(handled).toEqual([event.id]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  test('an enqueue that throws inside an observer that swallows errors still answers 503 queue_unavailable', async () => {
    const swallowing: DeliveryObserver = {
      begin: () => ({
        run: (work) => {
          try {
            return work();
          } catch {
            return { status: 'queued' } as never;
          }
        },
      }),
    };
    const { app } = createApp(express, {
      observers: [swallowing],
      onError: () => {},
      queue: {
        enqueue: () => {
          throw new Error('queue down');
        },
      },
    });
    const res = await request(app).post('/webhook').set(credentials).send(textEvent()).expect(503);
    expect(res.body.code).toBe('queue_unavailable');
  });
});
