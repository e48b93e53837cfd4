import express from 'express';
import request from 'supertest';
import { MemoryStore, type ClaimResult, type DedupeStore, type InnopaasWebhookOptions } from '../lib';
import { createApp, credentials, textEvent } from './helpers/app';

/**
 * Faults in what the middleware calls — handlers, hooks, the dedupe store — each answered with its
 * documented status, the claim released so that InnoPaaS's retry is handled, and nothing thrown past
 * the middleware. Redis dying mid-run is in reliability-faults-redis.test.ts.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const never = () => new Promise<never>(() => undefined);

/** An app whose text handler is `handler`, with onError calls collected as `code` strings. */
function setup(handler: (event: unknown) => unknown, options: Partial<InnopaasWebhookOptions> = {}) {
  const errors: string[] = [];
  const { app, webhook } = createApp(express, {
    on: { whatsapp_mo_message_received: handler },
    onError: (error) => errors.push(error.code),
    ...options,
  });
  const deliver = (event: object) => request(app).post('/webhook').set(credentials).send(event).timeout(5000);
  return { app, webhook, errors, deliver };
}

/** A handler failing the first `failures` calls in the way given, then resolving; counts every call. */
function flaky(fail: () => unknown, failures = 1) {
  const handler = (() => ((handler.calls += 1) <= failures ? fail() : undefined)) as (() => unknown) & { calls: number };
  handler.calls = 0;
  return handler;
}

const escaped: unknown[] = [];
const record = (error: unknown) => escaped.push(error);
beforeAll(() => process.on('unhandledRejection', record).on('uncaughtException', record));
afterAll(() => {
  process.off('unhandledRejection', record).off('uncaughtException', record);
  expect(escaped).toEqual([]);
});

describe('a handler that fails', () => {
  test.each<[string, () => unknown]>([
    [
      'throws an Error',
      () => {
        throw new Error('database down');
      },
    ],
    ['rejects', () => Promise.reject(new Error('database down'))],
    [
      'throws null',
      () => {
        throw null;
      },
    ],
    [
      'throws a string',
      () => {
        throw 'database down';
      },
    ],
    ['rejects with undefined', () => Promise.reject(undefined)],
    [
      'throws an Error whose message getter throws',
      () => {
        throw Object.defineProperty(new Error(), 'message', {
          get() {
            throw new Error('getter');
          },
        });
      },
    ],
  ])('%s → 500 handler_failed, onError told, the claim released: the retry is handled', async (_case, fail) => {
    const handler = flaky(fail);
    const { errors, deliver } = setup(handler);
    const event = textEvent();
    const res = await deliver(event).expect(500);
    expect(res.body).toMatchObject({ status: 500, code: 'handler_failed' });
    expect(res.body.detail).toBeUndefined(); // 5xx never carry a handler's words
    await deliver(event).expect(200, { received: true });
    await deliver(event).expect(200, { received: true, duplicate: true });
    expect(handler.calls).toBe(2);
    expect(errors).toEqual(['handler_failed']);
  });

  test('hangs, with handlerTimeoutMs → 503 handler_timeout in time; the retry is handled', async () => {
    const handler = flaky(never);
    const { errors, deliver } = setup(handler, { handlerTimeoutMs: 200 });
    const event = textEvent();
    const started = Date.now();
    const res = await deliver(event).expect(503);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(res.body).toMatchObject({ status: 503, code: 'handler_timeout' });
    await deliver(event).expect(200, { received: true });
    expect(handler.calls).toBe(2);
    expect(errors).toEqual(['handler_timeout']);
  });

  // withHandlerTimeout() races only `instanceof Promise`: a thenable from another library or realm
  // (Bluebird, a vm context) that never settles is awaited forever and the request hangs.
  test('returns a thenable that never settles → 503 handler_timeout', async () => {
    const { deliver } = setup(() => ({ then: () => undefined }), { handlerTimeoutMs: 200 });
    const res = await deliver(textEvent()).timeout(2000);
    expect(res.status).toBe(503);
  });

  test("with ack: 'immediately' → 200 at once, the failure reported, the claim released; drain() waits for it", async () => {
    const handler = flaky(async () => {
      await sleep(50);
      throw new Error('late failure');
    });
    const { webhook, errors, deliver } = setup(handler, { ack: 'immediately' });
    const event = textEvent();
    await deliver(event).expect(200, { received: true });
    expect(webhook.inFlight).toBe(1);
    await webhook.drain();
    expect(errors).toEqual(['handler_failed']);
    await deliver(event).expect(200, { received: true });
    await webhook.drain();
    await deliver(event).expect(200, { received: true, duplicate: true });
    expect(handler.calls).toBe(2);
  });
});

describe('a hook that fails', () => {
  const boom = () => {
    throw new Error('hook bug');
  };

  test('onError throwing does not change the answer', async () => {
    const { deliver } = setup(boom, { onError: boom });
    await deliver(textEvent()).expect(500);
    await deliver(textEvent()).expect(500); // and the process is still serving
  });

  test.each([
    ['throws', boom],
    ['rejects', () => Promise.reject(new Error('hook bug'))],
  ])('onInvalidEvent %s → the 400 stands, onError told', async (_case, hook) => {
    const { errors, deliver } = setup(() => undefined, { onInvalidEvent: hook });
    const res = await deliver({ id: 'x' }).expect(400);
    expect(res.body.code).toBe('invalid_envelope');
    expect(errors).toEqual(['internal_error']);
  });

  test('onInvalidEvent that hangs is bounded by handlerTimeoutMs → the 400 stands, onError told', async () => {
    const { errors, deliver } = setup(() => undefined, { handlerTimeoutMs: 100, onInvalidEvent: () => new Promise(() => {}) });
    const res = await deliver({ id: 'x' }).expect(400);
    expect(res.body.code).toBe('invalid_envelope');
    expect(errors).toEqual(['internal_error']);
  });

  test('allowRequest throwing → 403 forbidden (a gate that fails stays shut)', async () => {
    const { errors, deliver } = setup(() => undefined, { allowRequest: boom });
    const res = await deliver(textEvent()).expect(403);
    expect(res.body.code).toBe('forbidden');
    expect(errors).toEqual(['internal_error']);
  });

  test('onDuplicate throwing → the duplicate is still answered 200', async () => {
    const { deliver } = setup(() => undefined, { onDuplicate: boom });
    const event = textEvent();
    await deliver(event).expect(200);
    await deliver(event).expect(200, { received: true, duplicate: true });
  });

  test('dedupe.key throwing → 503 dedupe_unavailable under failMode closed', async () => {
    const handler = flaky(() => undefined, 0);
    const { errors, deliver } = setup(handler, { dedupe: { key: boom } });
    const res = await deliver(textEvent()).expect(503);
    expect(res.body.code).toBe('dedupe_unavailable');
    expect(handler.calls).toBe(0);
    expect(errors).toEqual(['dedupe_unavailable']);
  });
});

type Fault = 'none' | 'throw' | 'reject' | 'stall' | 'garbage';

/**
 * A store implementing the DedupeStore contract (lib/delivery/types.ts) over a MemoryStore, whose every
 * operation can be made to throw, reject or never answer — and then recover.
 */
class FaultyStore implements DedupeStore {
  readonly faults: Record<'claim' | 'complete' | 'release', Fault> = { claim: 'none', complete: 'none', release: 'none' };
  private readonly inner = new MemoryStore();

  private run<T>(operation: keyof FaultyStore['faults'], call: () => T): T | Promise<T> {
    switch (this.faults[operation]) {
      case 'throw':
        throw new Error(`${operation}: connection refused`);
      case 'reject':
        return Promise.reject(new Error(`${operation}: connection reset`));
      case 'stall':
        return never();
      case 'garbage':
        // Outside the contract: a bug in a custom store, or a driver answering something unexpected.
        return Promise.resolve({ status: 'ok' } as never);
      default:
        return Promise.resolve(call());
    }
  }

  claim(key: string, claimTtlMs: number): ClaimResult | Promise<ClaimResult> {
    return this.run('claim', () => this.inner.claim(key, claimTtlMs));
  }

  complete(key: string, token: string, ttlMs: number): void | Promise<void> {
    return this.run('complete', () => {
      this.inner.complete(key, token, ttlMs);
    });
  }

  release(key: string, token: string): void | Promise<void> {
    return this.run('release', () => {
      this.inner.release(key, token);
    });
  }
}

describe.each(['closed', 'open'] as const)('a dedupe store that fails, failMode %s', (failMode) => {
  const TIMEOUT_MS = 200;
  function withStore() {
    const store = new FaultyStore();
    const handler = flaky(() => undefined, 0);
    return { store, handler, ...setup(handler, { dedupe: { store, failMode, timeoutMs: TIMEOUT_MS, claimTtlMs: 300 } }) };
  }

  test.each(['throw', 'reject', 'stall', 'garbage'] as const)(
    'claim: %s → the fail mode decides; once the store recovers the retry is handled once',
    async (fault) => {
      const { store, handler, errors, deliver } = withStore();
      const event = textEvent();
      store.faults.claim = fault;
      const started = Date.now();
      const res = await deliver(event);
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1000);
      if (failMode === 'closed') {
        expect(res.status).toBe(503);
        expect(res.body.code).toBe('dedupe_unavailable');
        expect(handler.calls).toBe(0);
      } else {
        expect(res.body).toEqual({ received: true });
        expect(handler.calls).toBe(1);
      }
      expect(errors).toEqual(['dedupe_unavailable']);

      store.faults.claim = 'none';
      await deliver(event).expect(200, { received: true });
      await deliver(event).expect(200, { received: true, duplicate: true });
      // failMode open handled it without a claim, so the recovered store saw it as new: at least once.
      expect(handler.calls).toBe(failMode === 'closed' ? 1 : 2);
    },
  );

  test.each(['throw', 'reject', 'stall'] as const)(
    'complete: %s → the handler’s 200 stands; the claim expires and the retry runs again',
    async (fault) => {
      const { store, handler, errors, deliver } = withStore();
      const event = textEvent();
      store.faults.complete = fault;
      await deliver(event).expect(200, { received: true });
      expect(errors).toEqual(['dedupe_unavailable']);
      store.faults.complete = 'none';
      // The unfinished claim is "being handled" until claimTtlMs: a 409 tells InnoPaaS to come back.
      await deliver(event).expect(409);
      await sleep(350);
      await deliver(event).expect(200, { received: true });
      expect(handler.calls).toBe(2);
    },
  );

  test.each(['throw', 'reject', 'stall'] as const)(
    'release after a failed handler: %s → 500 in bounded time; the retry is handled after claimTtlMs',
    async (fault) => {
      const store = new FaultyStore();
      const handler = flaky(() => {
        throw new Error('handler down');
      });
      const { errors, deliver } = setup(handler, { dedupe: { store, failMode, timeoutMs: TIMEOUT_MS, claimTtlMs: 300 } });
      const event = textEvent();
      store.faults.release = fault;
      await deliver(event).expect(500);
      expect(errors.sort()).toEqual(['dedupe_unavailable', 'handler_failed']);
      store.faults.release = 'none';
      await sleep(350);
      await deliver(event).expect(200, { received: true });
      expect(handler.calls).toBe(2);
    },
  );
});
