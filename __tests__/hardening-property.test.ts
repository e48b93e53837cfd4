import fc from 'fast-check';
import request from 'supertest';
import { MemoryStore, type ClaimResult, type DedupeStore } from '../lib';
import { createApp, credentials, expressVersions, textEvent } from './helpers/app';

/**
 * Generated hostile behaviours for every user-supplied function at once (handler, onUnknownEvent,
 * onError, onDuplicate, onInvalidEvent, allowRequest, dedupe.key): each may return, throw, reject,
 * throw from an `async` body or never settle, with any value — revoked Proxies and objects whose
 * `then` or `message` getter throws included. Over a fixed sequence of deliveries the middleware
 * always answers with a documented status, never 409 (no claim is left held), lets nothing escape,
 * and every claim it takes is completed or released.
 */

const escaped: unknown[] = [];
const record = (error: unknown) => escaped.push(error);
beforeAll(() => process.on('unhandledRejection', record).on('uncaughtException', record));
afterAll(() => {
  process.off('unhandledRejection', record).off('uncaughtException', record);
});

function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/** Values user code may throw or return; the hostile ones made fresh each time. */
const hostileValue: fc.Arbitrary<() => unknown> = fc.oneof(
  fc.anything().map((value) => () => value),
  fc.constant(revokedProxy),
  fc.constant(() => ({
    get then() {
      throw new Error('then getter');
    },
  })),
  fc.constant(() =>
    Object.defineProperty(new Error(), 'message', {
      get() {
        throw new Error('message getter');
      },
    }),
  ),
  fc.string().map((text) => () => new Error(text)),
  fc.boolean().map((value) => () => value),
  fc.constant(() => ({
    then: (resolve: (value: unknown) => void) => {
      resolve(revokedProxy());
    },
  })),
);

const HOW = ['returns', 'throws', 'rejects', 'async-throws', 'async-returns', 'never-settles'] as const;
type How = (typeof HOW)[number];
interface Behaviour {
  how: How;
  value: () => unknown;
}
const behaviour: fc.Arbitrary<Behaviour> = fc.record({ how: fc.constantFrom(...HOW), value: hostileValue });

function act(b: Behaviour): (...args: unknown[]) => unknown {
  switch (b.how) {
    case 'returns':
      return () => b.value();
    case 'throws':
      return () => {
        throw b.value();
      };
    case 'rejects':
      return () => Promise.reject(b.value());
    case 'async-throws':
      return async () => {
        await Promise.resolve();
        throw b.value();
      };
    case 'async-returns':
      return async () => {
        await Promise.resolve();
        return b.value();
      };
    case 'never-settles':
      return () => new Promise(() => undefined);
  }
}

/** A key function is synchronous (an async one is refused at creation): it returns or throws. */
const keyBehaviour: fc.Arbitrary<Behaviour> = fc.record({
  how: fc.constantFrom<How>('returns', 'throws'),
  value: fc.oneof(
    hostileValue,
    fc.constant(() => undefined),
  ),
});

/** The memory store, counting the claims it handed out that were neither completed nor released. */
function recordingStore(): DedupeStore & { outstanding: Set<string> } {
  const memory = new MemoryStore();
  const outstanding = new Set<string>();
  return {
    outstanding,
    claim(key, ttl): ClaimResult {
      const result = memory.claim(key, ttl);
      if (result.status === 'claimed') outstanding.add(result.token);
      return result;
    },
    complete(key, token, ttl) {
      outstanding.delete(token);
      memory.complete(key, token, ttl);
    },
    release(key, token) {
      outstanding.delete(token);
      memory.release(key, token);
    },
  };
}

/** What escaped, printable even when it is hostile (a failing run must report, not crash the reporter). */
function safeDescription(value: unknown): string {
  try {
    return value instanceof Error ? `${value.name}: ${value.message}\n${value.stack}` : String(value);
  } catch {
    return 'an unprintable value';
  }
}

const DOCUMENTED = new Set([200, 400, 403, 500, 503]);

test('hostile hooks: always a documented answer, never 409, nothing escapes, no claim left held', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        express: fc.constantFrom(...expressVersions.map(([, express]) => express)),
        handler: behaviour,
        onUnknownEvent: behaviour,
        onError: behaviour,
        onDuplicate: behaviour,
        onInvalidEvent: behaviour,
        allowRequest: fc.option(behaviour, { freq: 3, nil: undefined }),
        key: fc.option(keyBehaviour, { freq: 2, nil: undefined }),
        failMode: fc.constantFrom<'open' | 'closed'>('open', 'closed'),
        ack: fc.constantFrom<'after-handlers' | 'immediately'>('after-handlers', 'immediately'),
      }),
      async (given) => {
        const store = recordingStore();
        const { app, webhook } = createApp(given.express, {
          handlerTimeoutMs: 50,
          ack: given.ack,
          on: { whatsapp_mo_message_received: act(given.handler) },
          onUnknownEvent: act(given.onUnknownEvent),
          onError: act(given.onError),
          onDuplicate: act(given.onDuplicate),
          onInvalidEvent: act(given.onInvalidEvent),
          allowRequest: given.allowRequest && (act(given.allowRequest) as never),
          dedupe: { store, failMode: given.failMode, ...(given.key ? { key: act(given.key) as never } : {}) },
        });
        const deliver = (event: object) => request(app).post('/webhook').set(credentials).send(event).timeout(5000);

        const event = textEvent();
        const invalid = textEvent();
        delete (invalid.body as Record<string, unknown>).wamid;
        const unknown = { ...textEvent(), type: 'a_type_from_the_future' };
        const statuses: number[] = [];
        for (const body of [event, event, invalid, unknown, unknown]) {
          statuses.push((await deliver(body)).status);
          // With ack: 'immediately' the handler may still run: a redelivery then gets 409, as documented.
          await webhook.drain();
        }

        await webhook.drain();
        await new Promise((resolve) => setTimeout(resolve, 10));
        for (const status of statuses) expect(DOCUMENTED.has(status)).toBe(true);
        expect(store.outstanding.size).toBe(0);
        expect(webhook.inFlight).toBe(0);
        expect(escaped.splice(0).map(safeDescription)).toEqual([]);
      },
    ),
    { numRuns: 120 },
  );
});
