import express from 'express';
import { Redis } from 'ioredis';
import request from 'supertest';
import { RedisStore } from '../lib';
import { createApp, credentials, textEvent } from './helpers/app';
import { describeWithRedis, startRedisServer, type RedisServer } from './helpers/redis-server';

/**
 * Redis dying under a running middleware (a real redis-server, SIGKILLed): each request gets the fail
 * mode's answer in bounded time, nothing throws past the middleware, and once Redis is back the
 * retry is handled. Nothing is persisted, so a restarted Redis has forgotten every claim — the
 * at-least-once side of dedupe, shown here on purpose.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const DEDUPE_TIMEOUT_MS = 500;

describeWithRedis('Redis killed mid-run', () => {
  let redis: RedisServer;
  let client: Redis;
  const escaped: unknown[] = [];
  const record = (error: unknown) => escaped.push(error);

  beforeAll(async () => {
    redis = await startRedisServer();
    // Fail fast: no offline queue and no per-request retries, so a command sent while Redis is down
    // rejects at once instead of waiting for a reconnection; reconnect attempts every 50 ms.
    client = new Redis(redis.port, '127.0.0.1', {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => 50,
      lazyConnect: true,
    });
    // ioredis emits 'error' on every failed reconnect; unheard, Node would throw it.
    client.on('error', () => undefined);
    await client.connect();
    process.on('unhandledRejection', record).on('uncaughtException', record);
  });
  afterAll(async () => {
    process.off('unhandledRejection', record).off('uncaughtException', record);
    client.disconnect();
    await redis.stop();
    expect(escaped).toEqual([]);
  });

  /** Restarts Redis and waits until the client has reconnected. */
  async function revive() {
    await redis.restart();
    for (const deadline = Date.now() + 5000; client.status !== 'ready'; await sleep(20)) {
      if (Date.now() > deadline) throw new Error(`ioredis did not reconnect: ${client.status}`);
    }
  }

  function setup(failMode: 'closed' | 'open', handler: () => void | Promise<void> = () => undefined) {
    let calls = 0;
    const errors: string[] = [];
    const { app } = createApp(express, {
      dedupe: {
        store: new RedisStore({ client, prefix: `faults-${failMode}-${Date.now()}:` }),
        failMode,
        timeoutMs: DEDUPE_TIMEOUT_MS,
      },
      on: {
        whatsapp_mo_message_received: () => {
          calls += 1;
          return handler();
        },
      },
      onError: (error) => errors.push(error.code),
    });
    const deliver = (event: object) => request(app).post('/webhook').set(credentials).send(event).timeout(5000);
    /** Once Redis is back, InnoPaaS's redelivery is handled, and the one after it is a duplicate. */
    const redeliverAfterRevival = async (event: object) => {
      await revive();
      await deliver(event).expect(200, { received: true });
      await deliver(event).expect(200, { received: true, duplicate: true });
    };
    return { deliver, redeliverAfterRevival, errors, calls: () => calls };
  }

  test("failMode 'closed': 503 dedupe_unavailable while Redis is down, the retry handled once it is back", async () => {
    const { deliver, redeliverAfterRevival, errors, calls } = setup('closed');
    await deliver(textEvent()).expect(200, { received: true });
    await redis.kill();

    const event = textEvent();
    const started = Date.now();
    const res = await deliver(event).expect(503);
    expect(Date.now() - started).toBeLessThan(DEDUPE_TIMEOUT_MS + 1000);
    expect(res.body.code).toBe('dedupe_unavailable');
    expect(calls()).toBe(1);
    expect(errors).toEqual(['dedupe_unavailable']);

    await redeliverAfterRevival(event);
    expect(calls()).toBe(2);
  });

  test("failMode 'open': handled without dedupe while Redis is down, onError told", async () => {
    const { deliver, redeliverAfterRevival, errors, calls } = setup('open');
    await redis.kill();
    const event = textEvent();
    await deliver(event).expect(200, { received: true });
    expect(calls()).toBe(1);
    // Handled without a claim, there is nothing to complete: one report, for the claim.
    expect(errors).toEqual(['dedupe_unavailable']);
    await redeliverAfterRevival(event);
    expect(calls()).toBe(2);
  });

  test('Redis killed while a handler runs: the 200 stands, the failed complete is reported, the process stays up', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { deliver, redeliverAfterRevival, errors, calls } = setup('closed', () => gate);
    const event = textEvent();
    const pending = deliver(event);
    const answered = pending.then((res) => res.status);
    for (const deadline = Date.now() + 2000; calls() === 0 && Date.now() < deadline;) await sleep(10);
    await redis.kill();
    release();
    expect(await answered).toBe(200);
    expect(errors).toEqual(['dedupe_unavailable']);
    // The restarted Redis lost the claim and the completion with it: a redelivery runs again.
    await redeliverAfterRevival(event);
    expect(calls()).toBe(2);
  });
});
