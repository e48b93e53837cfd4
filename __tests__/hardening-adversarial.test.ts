import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import request from 'supertest';
import {
  handleExpectContinue,
  MemoryStore,
  RedisStore,
  type DedupeStore,
  type InnopaasWebhookError,
  type InnopaasWebhookOptions,
} from '../lib';
import { AUTH, createApp, credentials, expressVersions, textEvent, USER, type ExpressFactory } from './helpers/app';
import { describeThrown } from '../lib/core/errors';
import { describeWithRedis, startRedisServer, type RedisServer } from './helpers/redis-server';
import { expectContinueExchange } from './helpers/raw-http';
import { withDebugLines } from './helpers/logs';

/**
 * Whatever the hooks, keys, payloads and stores do, the middleware survives, answers, reports through
 * `onError`, and leaves no claim behind: every row is a real HTTP exchange with Express 4 and 5, with the
 * memory store and (where a store is involved) a real Redis. Nothing may escape as an unhandled
 * rejection or an uncaught exception.
 */

const escaped: unknown[] = [];
const record = (error: unknown) => escaped.push(error);
beforeAll(() => process.on('unhandledRejection', record).on('uncaughtException', record));
afterAll(() => {
  process.off('unhandledRejection', record).off('uncaughtException', record);
});
/** Lets a dropped rejection surface (Node reports it once the microtask queue is empty). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
afterEach(async () => {
  await settle();
  expect(escaped.splice(0)).toEqual([]);
});

// ── Hostile values: what user code may throw, reject with or return ────────────────────────────────

function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}
const hostileValues: [string, () => unknown][] = [
  ['an Error', () => new Error('redis is down')],
  ['a revoked Proxy', revokedProxy],
  [
    'an object whose then getter throws',
    () => ({
      get then() {
        throw new Error('then getter');
      },
    }),
  ],
  [
    'an Error whose message getter throws',
    () =>
      Object.defineProperty(new Error(), 'message', {
        get() {
          throw new Error('message getter');
        },
      }),
  ],
  ['undefined', () => undefined],
  ['a Symbol', () => Symbol('s')],
];

/** How a user function misbehaves with a hostile value. */
const behaviours: [string, (value: () => unknown) => (...args: unknown[]) => unknown][] = [
  [
    'throws',
    (value) => () => {
      throw value();
    },
  ],
  ['rejects', (value) => () => Promise.reject(value())],
  [
    'is async and throws',
    (value) => async () => {
      await Promise.resolve();
      throw value();
    },
  ],
  ['returns', (value) => () => value()],
];

const cases = behaviours.flatMap(([how, make]) => hostileValues.map(([what, value]) => [`${how} ${what}`, make(value)] as const));

// ── Stores: the memory store, an async one, a real Redis ──────────────────────────────────────────

/** The memory store behind promises: the path where a hostile value used to kill the process. */
function asyncStore(): DedupeStore {
  const memory = new MemoryStore();
  return {
    claim: async (key, ttl) => memory.claim(key, ttl),
    complete: async (key, token, ttl) => {
      memory.complete(key, token, ttl);
    },
    release: async (key, token) => {
      memory.release(key, token);
    },
  };
}

type StoreMaker = () => DedupeStore;
const localStores: [string, StoreMaker][] = [
  ['memory store', () => new MemoryStore()],
  ['async store', asyncStore],
];

interface Setup {
  express: ExpressFactory;
  store: StoreMaker;
}

function setup(given: Setup, options: Partial<InnopaasWebhookOptions>) {
  const errors: InnopaasWebhookError[] = [];
  const onError = options.onError;
  const { app, webhook } = createApp(given.express, {
    handlerTimeoutMs: 300,
    ...options,
    dedupe: { store: given.store(), ...(options.dedupe || {}) },
    onError:
      onError ??
      ((error) => {
        errors.push(error);
      }),
  });
  const deliver = (event: object) => request(app).post('/webhook').set(credentials).send(event).timeout(5000);
  return { app, webhook, errors, deliver };
}

function hookRows(given: () => Setup) {
  describe.each(cases)('a user function that %s', (_case, misbehave) => {
    test('as the handler: answered (200 or 500), reported, the claim released: the redelivery is not 409', async () => {
      let calls = 0;
      const { deliver, errors } = setup(given(), {
        on: {
          whatsapp_mo_message_received: (...args: unknown[]) => {
            calls += 1;
            return calls === 1 ? misbehave(...args) : undefined;
          },
        },
      });
      const event = textEvent();
      const first = await deliver(event);
      expect([200, 500]).toContain(first.status);
      if (first.status === 500) expect(errors.map((e) => e.code)).toEqual(['handler_failed']);
      const again = await deliver(event);
      expect(again.status).toBe(200);
    });

    test('as onError (after a handler failure): 500 all the same, the redelivery handled', async () => {
      let calls = 0;
      const { deliver } = setup(given(), {
        on: {
          whatsapp_mo_message_received: () => {
            calls += 1;
            if (calls === 1) throw new Error('handler down');
          },
        },
        onError: misbehave,
      });
      const event = textEvent();
      await deliver(event).expect(500);
      await deliver(event).expect(200, { received: true });
      expect(calls).toBe(2);
    });

    test('as onDuplicate: the duplicate answered 200, reported, and again', async () => {
      const { deliver, errors } = setup(given(), { onDuplicate: misbehave });
      const event = textEvent();
      await deliver(event).expect(200, { received: true });
      await deliver(event).expect(200, { received: true, duplicate: true });
      await deliver(event).expect(200, { received: true, duplicate: true });
      await settle();
      for (const error of errors) expect(error.message).toBe('onDuplicate failed.');
    });

    test('as onInvalidEvent: the invalid event answered 400 invalid_event', async () => {
      const { deliver } = setup(given(), { onInvalidEvent: misbehave });
      const event = textEvent();
      delete (event.body as Record<string, unknown>).wamid;
      const res = await deliver(event);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('invalid_event');
    });

    test('as allowRequest: 403 forbidden, reported; nothing claimed', async () => {
      const { deliver, errors } = setup(given(), { allowRequest: misbehave as never });
      const res = await deliver(textEvent());
      expect(res.status).toBe(403);
      expect(errors.map((e) => e.code)).toEqual(['internal_error']);
      expect(errors[0]?.message).toMatch(/^allowRequest /);
    });

    test('as dedupe.key: refused at creation when async, else 503 dedupe_unavailable whatever the fail mode, reported', async () => {
      const options = { dedupe: { key: misbehave as never, failMode: 'open' as const } };
      if (misbehave.constructor.name === 'AsyncFunction') {
        expect(() => setup(given(), options)).toThrow(/must not be an async function/);
        return;
      }
      const { deliver, errors } = setup(given(), options);
      const res = await deliver(textEvent());
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('dedupe_unavailable');
      expect(errors.map((e) => e.code)).toEqual(['dedupe_unavailable']);
    });
  });
}

/** Keys that a bug makes: each one would make distinct events duplicates, or hold a claim forever. */
const badKeys: [string, (event: { id: string; body: Record<string, unknown> }) => unknown, RegExp][] = [
  ['undefined (a missing field)', (event) => event.body.missing, /not a string/],
  ['an empty string', () => '', /empty or blank/],
  ['a blank string', () => '  ', /empty or blank/],
  ['"undefined" (String of a missing field)', (event) => String(event.body.missing), /"undefined"/],
  ['"null"', () => 'null', /"null"/],
  ['"NaN"', () => String(Number('x')), /"NaN"/],
  ['"[object Object]"', (event) => String(event.body), /"\[object Object\]"/],
  ['a promise from a plain function', (event) => Promise.resolve(event.id), /promise/],
  ['a promise that rejects', () => Promise.reject(new Error('redis')), /promise/],
  ['a number', () => 42, /not a string/],
  ['an object', (event) => ({ id: event.id }), /not a string/],
];

function keyRows(given: () => Setup) {
  test.each(badKeys)(
    'dedupe.key returning %s: 503 dedupe_unavailable, told why; other events are not blocked',
    async (_case, key, why) => {
      let handled = 0;
      const { deliver, errors } = setup(given(), {
        on: {
          whatsapp_mo_message_received: () => {
            handled += 1;
          },
        },
        dedupe: { key: key as never },
      });
      for (let i = 0; i < 2; i++) {
        const res = await deliver(textEvent());
        expect(res.status).toBe(503);
        expect(res.body.code).toBe('dedupe_unavailable');
      }
      expect(handled).toBe(0);
      expect(errors).toHaveLength(2);
      expect(errors[0]?.message).toMatch(why);
    },
  );

  test('distinct events under a working custom key are all handled, and each deduped', async () => {
    const seen: string[] = [];
    const { deliver } = setup(given(), {
      on: {
        whatsapp_mo_message_received: (event) => {
          seen.push(event.id);
        },
      },
      dedupe: { key: (event) => `custom:${event.id}` },
    });
    const events = [textEvent(), textEvent()];
    for (const event of events) await deliver(event).expect(200, { received: true });
    for (const event of events) await deliver(event).expect(200, { received: true, duplicate: true });
    expect(seen).toEqual(events.map((e) => e.id));
  });

  test('ids that differ only in lone surrogates are distinct events', async () => {
    const seen: string[] = [];
    const { deliver } = setup(given(), {
      on: {
        whatsapp_mo_message_received: (event) => {
          seen.push(event.id);
        },
      },
    });
    const ids = ['evt-\ud800', 'evt-\udc00', 'evt-\ufffd', 'evt-\ud83d\ude00', 'evt-\ude00\ud83d'];
    for (const id of ids) await deliver({ ...textEvent(), id }).expect(200, { received: true });
    for (const id of ids) await deliver({ ...textEvent(), id }).expect(200, { received: true, duplicate: true });
    expect(seen).toEqual(ids);
  });
}

/** Stores answering what no store should: each claim anomaly is a 503; a complete/release anomaly is reported only. */
function hostileStore(answer: (key: string) => unknown, where: 'claim' | 'complete' | 'release', async: boolean): DedupeStore {
  const memory = new MemoryStore();
  const wrap = (value: () => unknown) => {
    if (!async) return value();
    return Promise.resolve().then(value);
  };
  return {
    claim: (key, ttl) => wrap(() => (where === 'claim' ? answer(key) : memory.claim(key, ttl))) as never,
    complete: (key, token, ttl) => wrap(() => (where === 'complete' ? answer(key) : memory.complete(key, token, ttl))) as never,
    release: (key, token) => wrap(() => (where === 'release' ? answer(key) : memory.release(key, token))) as never,
  };
}

const claimAnswers: [string, () => unknown][] = [
  ['a revoked Proxy', revokedProxy],
  ['claimed without a token', () => ({ status: 'claimed' })],
  ['claimed with an empty token', () => ({ status: 'claimed', token: '' })],
  ['an unknown status', () => ({ status: 'maybe' })],
  ['null', () => null],
  [
    'an object whose status getter throws',
    () => ({
      get status() {
        throw new Error('getter');
      },
    }),
  ],
  [
    'an object whose then getter throws',
    () => ({
      get then() {
        throw new Error('then getter');
      },
    }),
  ],
];

describe.each(expressVersions)('%s', (_name, express) => {
  describe.each(localStores)('with the %s', (_store, store) => {
    hookRows(() => ({ express, store }));
    keyRows(() => ({ express, store }));
  });

  describe.each([false, true])('a store (async: %s) that answers hostile values', (async) => {
    test.each(claimAnswers)('claim answers %s: 503 dedupe_unavailable, reported', async (_case, answer) => {
      const { deliver, errors } = setup({ express, store: () => hostileStore(answer, 'claim', async) }, {});
      const res = await deliver(textEvent());
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('dedupe_unavailable');
      expect(errors.map((e) => e.code)).toEqual(['dedupe_unavailable']);
    });

    test.each(claimAnswers)('complete answers %s: the handled event still 200, the failure reported', async (_case, answer) => {
      const { deliver, errors } = setup({ express, store: () => hostileStore(answer, 'complete', async) }, {});
      await deliver(textEvent()).expect(200, { received: true });
      // A value that is no promise is the store's business; one that cannot be read is reported.
      for (const error of errors) expect(error.code).toBe('dedupe_unavailable');
    });

    test.each(claimAnswers)('release answers %s: the failed handler still 500', async (_case, answer) => {
      const { deliver } = setup(
        { express, store: () => hostileStore(answer, 'release', async) },
        {
          on: {
            whatsapp_mo_message_received: () => {
              throw new Error('handler down');
            },
          },
        },
      );
      await deliver(textEvent()).expect(500);
    });
  });

  describe('dates are the middleware’s own', () => {
    test('a payload eventDate and body.sendDate never reach the handler; with maxEventAgeMs it is answered by eventTime', async () => {
      const seen: unknown[] = [];
      const { deliver } = setup(
        { express, store: () => new MemoryStore() },
        {
          maxEventAgeMs: 60_000,
          on: {
            whatsapp_mo_message_received: (event) => {
              seen.push(event.eventDate, event.body.sendDate, Object.keys(event).includes('eventDate'));
            },
          },
        },
      );
      const now = new Date().toISOString();
      const fresh: Record<string, unknown> = { ...textEvent(), eventTime: now, eventDate: 'from the payload' };
      (fresh.body as Record<string, unknown>).sendDate = 'from the payload';
      await deliver(fresh).expect(200, { received: true });
      expect(seen).toEqual([new Date(now), new Date('2023-02-22T12:00:00.000Z'), false]);
      // An old event cannot vouch for its own age.
      const old = { ...textEvent(), eventDate: now };
      const res = await deliver(old).expect(400);
      expect(res.body.code).toBe('event_too_old');
    });
  });

  describe('express.json({ strict: false }) before the webhook', () => {
    const rows: [string, string, number, string][] = [
      ['a double-encoded event', JSON.stringify(JSON.stringify(textEvent())), 400, 'invalid_envelope'],
      ['42', '42', 400, 'invalid_envelope'],
      ['null', 'null', 400, 'invalid_envelope'],
      ['false', 'false', 400, 'invalid_envelope'],
      ['an empty JSON string', '""', 400, 'invalid_envelope'],
      ['the event itself (the control row)', JSON.stringify(textEvent()), 200, 'received'],
      ['an empty object (the connectivity test)', '{}', 200, 'test'],
    ];
    test.each(rows)('%s → %d %s', async (_case, body, status, code) => {
      const { app } = createApp(express, {}, { before: [express.json({ strict: false })] });
      const res = await request(app).post('/webhook').set(credentials).type('application/json').send(body);
      expect(res.status).toBe(status);
      if (status === 200) expect(res.body).toEqual(code === 'test' ? { received: true, test: true } : { received: true });
      else expect(res.body.code).toBe(code);
    });
  });

  describe("forwardErrors: 'all' and Express's default error handler", () => {
    function bareApp(options: Partial<InnopaasWebhookOptions> = {}) {
      const app = express();
      app.use(
        '/webhook',
        createApp(express, { forwardErrors: 'all', ...options }).webhook as unknown as Parameters<typeof app.use>[1],
      );
      return app;
    }
    test('a 401 is answered 401 with its message, no stack trace', async () => {
      const res = await request(bareApp()).post('/webhook').set({ UserName: USER, Authorization: 'wrong' }).send(textEvent());
      expect(res.status).toBe(401);
      expect(res.text).toContain('do not match the configured credentials');
      expect(res.text).not.toMatch(/\bat [\w.<>]+ \(|node_modules|receiver/);
    });
    test('a 405 keeps its Allow header', async () => {
      const res = await request(bareApp()).put('/webhook').set(credentials).send(textEvent());
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('POST');
      expect(res.text).not.toMatch(/\bat [\w.<>]+ \(/);
    });
  });
});

describe.each(expressVersions)('what user code may pose as (%s)', (_name, express) => {
  test.each([
    ['with status 200', { status: 200 }],
    ['without a status', {}],
    ['with status 99', { status: 99 }],
  ])(
    "a handler rejecting with a look-alike of the library's deadline error %s: 500 handler_failed, the redelivery handled",
    async (_case, extra) => {
      let calls = 0;
      const { deliver, errors } = setup(
        { express, store: () => new MemoryStore() },
        {
          on: {
            whatsapp_mo_message_received: () => {
              calls += 1;
              return calls === 1
                ? Promise.reject({ isInnopaasWebhookError: true, code: 'handler_timeout', ...extra })
                : undefined;
            },
          },
        },
      );
      const event = textEvent();
      const first = await deliver(event);
      expect(first.status).toBe(500);
      expect(first.body.code).toBe('handler_failed');
      expect(errors.map((error) => error.code)).toEqual(['handler_failed']);
      await deliver(event).expect(200, { received: true });
      expect(calls).toBe(2);
    },
  );

  test('a store whose extend getter throws: the async handler runs, its claim is completed', async () => {
    const memory = new MemoryStore();
    const store = {
      claim: async (...args: Parameters<MemoryStore['claim']>) => memory.claim(...args),
      complete: async (...args: Parameters<MemoryStore['complete']>) => memory.complete(...args),
      release: async (...args: Parameters<MemoryStore['release']>) => memory.release(...args),
      get extend(): never {
        throw new Error('extend getter');
      },
    };
    let calls = 0;
    const { deliver } = setup(
      { express, store: () => store },
      {
        on: {
          whatsapp_mo_message_received: async () => {
            calls += 1;
          },
        },
      },
    );
    const event = textEvent();
    await deliver(event).expect(200, { received: true });
    await deliver(event).expect(200, { received: true, duplicate: true });
    expect(calls).toBe(1);
  });
});

describe.each(expressVersions)('a queue that answers hostile values (%s)', (_name, express) => {
  test.each(cases)('enqueue %s: 200 only for queued or duplicate, else 503 queue_unavailable', async (_case, misbehave) => {
    const errors: string[] = [];
    const { app } = createApp(express, {
      queueTimeoutMs: 200,
      queue: { enqueue: misbehave as never },
      onError: (error) => errors.push(error.code),
    });
    const res = await request(app).post('/webhook').set(credentials).send(textEvent()).timeout(5000);
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('queue_unavailable');
    expect(errors).toEqual(['queue_unavailable']);
  });
});

describe('a 0.94 MB payload that fails every check', () => {
  test('400 with the first 20 problems, each a real one', async () => {
    const event = textEvent();
    const body = event.body as Record<string, unknown>;
    body.type = 'contacts';
    body.contacts = [{ phones: new Array(480_000).fill(0) }];
    const { deliver } = setup({ express: expressVersions[1][1], store: () => new MemoryStore() }, {});
    const res = await deliver(event).expect(400);
    expect(res.body.code).toBe('invalid_event');
    expect(res.body.problems).toHaveLength(20);
    // The single-card branch of contacts first, then the phones: every one a real failed check.
    const problems = res.body.problems as { path: string; message: string }[];
    expect(problems[0]).toEqual({ path: '/body/contacts', message: 'must be object' });
    for (const problem of problems.slice(1))
      expect(problem).toEqual({ path: expect.stringMatching(/^\/body\/contacts\/0\/phones\/\d+$/), message: 'must be object' });
  });
});

describe('creation refuses what cannot work', () => {
  test('an async dedupe.key', () => {
    expect(() =>
      createApp(expressVersions[1][1], {
        dedupe: {
          key: (async (event: { id: string }) => {
            await Promise.resolve();
            return event.id;
          }) as never,
        },
      }),
    ).toThrow(/dedupe\.key.*must not be an async function/s);
  });

  test('an async allowRequest is accepted, and awaited: true lets the event in, false answers 403', async () => {
    let allow = true;
    const { app } = createApp(expressVersions[1][1], {
      allowRequest: async () => {
        await Promise.resolve();
        return allow;
      },
    });
    await request(app).post('/webhook').set(credentials).send(textEvent()).expect(200);
    allow = false;
    await request(app).post('/webhook').set(credentials).send(textEvent()).expect(403);
  });

  test('an allowRequest that never answers: 403 after handlerTimeoutMs, reported', async () => {
    const errors: string[] = [];
    const { app } = createApp(expressVersions[1][1], {
      handlerTimeoutMs: 100,
      allowRequest: () => new Promise<boolean>(() => undefined),
      onError: (error) => errors.push(error.message),
    });
    await request(app).post('/webhook').set(credentials).send(textEvent()).expect(403);
    expect(errors).toEqual(['allowRequest rejected.']);
  });
});

describe('no secret, no forged line', () => {
  test('RedisStore given a URL string: the message names the mistake, never the password', () => {
    let message = '';
    try {
      new RedisStore({ client: 'redis://default:S3cretPassw0rd@cache.internal:6379' as never });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/a URL\? the store takes a client/);
    expect(message).not.toMatch(/S3cretPassw0rd|cache\.internal/);
  });

  test('a value cut to fit a log line never ends in half an emoji, and lone surrogates are escaped', () => {
    const cut = describeThrown(`${'a'.repeat(198)}\u{1F600}b`);
    expect(cut).toBe(`${'a'.repeat(198)}…`);
    expect(describeThrown('evt-\ud800')).toBe('evt-\\ud800');
  });

  test('DEBUG lines escape what the sender controls: ids, unknown types, problem paths', async () => {
    const lines: string[] = [];
    await withDebugLines(lines, async () => {
      const { deliver } = setup(
        { express: expressVersions[1][1], store: () => new MemoryStore() },
        {
          onUnknownEvent: () => {
            throw new Error('line\nforged');
          },
        },
      );
      const forged = '\n  innopaas-webhook 200 id=evil forged\u001b[2J';
      await deliver({ ...textEvent(), id: `evt${forged}` }).expect(200);
      await deliver({ ...textEvent(), type: `new_type${forged}` }).expect(500);
      const invalid = textEvent();
      (invalid.body as Record<string, unknown>)[`key${forged}`] = 1;
      delete (invalid.body as Record<string, unknown>).wamid;
      await deliver(invalid).expect(400);
      await deliver({ id: 'x', [`key${forged}`]: 1 }).expect(400);
    });
    const output = lines.join('\n');
    expect(output).toContain('evt\\u000a');
    for (const line of lines) {
      expect(line).not.toContain('\n');
      expect(line).not.toContain('\u001b[2J');
    }
  });
});

describeWithRedis('with a real Redis', () => {
  let redis: RedisServer;
  let client: Redis;
  beforeAll(async () => {
    redis = await startRedisServer();
    client = new Redis(redis.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
  });
  afterAll(async () => {
    client.disconnect();
    await redis.stop();
  });
  let prefix = 0;
  const store = () => new RedisStore({ client, prefix: `t${(prefix += 1)}:` });

  describe.each(expressVersions)('%s', (_name, express) => {
    hookRows(() => ({ express, store }));
    keyRows(() => ({ express, store }));
  });

  test('node-redis too: ids with lone surrogates are distinct keys', async () => {
    const nodeRedis = createClient({ url: redis.url });
    await nodeRedis.connect();
    try {
      const s = new RedisStore({ client: nodeRedis, prefix: 'node-redis:' });
      for (const id of ['evt-\ud800', 'evt-\udc00', 'evt-\ufffd']) expect((await s.claim(id, 10_000)).status).toBe('claimed');
      for (const id of ['evt-\ud800', 'evt-\udc00', 'evt-\ufffd']) expect((await s.claim(id, 10_000)).status).toBe('in-progress');
    } finally {
      nodeRedis.destroy();
    }
  });

  test('ids with lone surrogates are stored under distinct keys; well-formed ids as before', async () => {
    const s = new RedisStore({ client, prefix: 'surrogates:' });
    for (const id of ['evt-\ud800', 'evt-\udc00', 'evt-\ufffd', 'evt-plain']) {
      const claim = await s.claim(id, 10_000);
      expect(claim.status).toBe('claimed');
    }
    const keys = await client.keysBuffer('surrogates:*');
    expect(keys).toHaveLength(4);
    expect(await client.get('surrogates:evt-plain')).not.toBeNull();
    expect(await client.get('surrogates:evt-\ufffd')).not.toBeNull();
  });
});

describe.each(expressVersions)('Expect: 100-continue (%s)', (_name, express) => {
  const exchange = expectContinueExchange;

  async function serve(withHelper: boolean) {
    const { app } = createApp(express, {});
    const server = createServer(app);
    if (withHelper) handleExpectContinue(server, '/webhook');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, port: (server.address() as AddressInfo).port };
  }

  const body = JSON.stringify(textEvent());
  const wrong = { UserName: USER, Authorization: 'wrong' };
  const right = { UserName: USER, Authorization: AUTH };

  test('by default Node invites the body before the credentials are checked (why the helper exists)', async () => {
    const { server, port } = await serve(false);
    try {
      expect(await exchange(port, '/webhook', wrong, body)).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 401 /);
    } finally {
      server.close();
    }
  });

  test('with handleExpectContinue: wrong credentials get the 401 at once, no invitation', async () => {
    const { server, port } = await serve(true);
    try {
      expect(await exchange(port, '/webhook', wrong, body)).toMatch(/^HTTP\/1\.1 401 /);
      // The declared size is checked before the invitation too.
      const big = await exchange(port, '/webhook', right, 'x'.repeat(2 * 1024 * 1024));
      expect(big).toMatch(/^HTTP\/1\.1 413 /);
    } finally {
      server.close();
    }
  });

  test('with handleExpectContinue: right credentials get "100 Continue", then the 200', async () => {
    const { server, port } = await serve(true);
    try {
      const raw = await exchange(port, '/webhook', right, body);
      expect(raw).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
      expect(raw).toContain('{"received":true}');
    } finally {
      server.close();
    }
  });

  test('with handleExpectContinue: other paths are invited at once, as Node does', async () => {
    const { server, port } = await serve(true);
    try {
      expect(await exchange(port, '/elsewhere', right, body)).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 404 /);
    } finally {
      server.close();
    }
  });
});
