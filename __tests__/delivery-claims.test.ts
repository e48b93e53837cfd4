import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import request from 'supertest';
import { type HandlerContext, type InnopaasWebhookError, MemoryStore, RedisStore } from '../lib';
import { createApp, credentials, expressVersions, textEvent } from './helpers/app';
import { describeWithRedis, startRedisServer, type RedisServer } from './helpers/redis-server';

const ROOT = join(__dirname, '..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fail-fast ioredis client, as the README recommends. */
async function connect(url: string): Promise<Redis> {
  const client = new Redis(url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/**
 * Another instance, in a process of its own: the middleware with default options and a RedisStore,
 * whose handler announces itself and never settles, so that the process can be killed mid-handler.
 */
const INSTANCE = `
const http = require('node:http');
const { Redis } = require('ioredis');
const { innopaasWebhook, RedisStore } = require(${JSON.stringify(join(ROOT, 'dist/index.js'))});
const client = new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: 0, enableOfflineQueue: false });
const webhook = innopaasWebhook({
  userName: process.env.U, authorization: process.env.A,
  dedupe: { store: new RedisStore({ client }) },
  on: { whatsapp_mo_message_received: () => { process.stdout.write('handler started\\n'); return new Promise(() => {}); } },
});
const server = http.createServer((req, res) => webhook(req, res));
// A fail-fast client refuses commands until connected: listen once it is.
client.once('ready', () => server.listen(0, '127.0.0.1', () => {
  process.stdout.write('listening ' + server.address().port + '\\n');
}));
`;

async function startInstance(redisUrl: string): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const child = spawn(process.execPath, ['-e', INSTANCE], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: redisUrl, U: credentials.UserName, A: credentials.Authorization, DEBUG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(20)) {
    const match = /listening (\d+)/.exec(output);
    if (match) return { child, port: Number(match[1]), output: () => output };
  }
  child.kill('SIGKILL');
  throw new Error(`the instance did not start:\n${output}`);
}

describeWithRedis('claims fit the sender retries (real Redis)', () => {
  let server: RedisServer;
  let client: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    client = await connect(server.url);
  });
  afterAll(async () => {
    client.disconnect();
    await server.stop();
  });

  test('an instance killed mid-handler blocks the event only for claimTtlMs (15 s by default): the redelivery to another instance is handled', async () => {
    const instance = await startInstance(server.url);
    const event = textEvent('crash');
    const first = fetch(`http://127.0.0.1:${instance.port}/webhook`, {
      method: 'POST',
      headers: { ...credentials, 'Content-Type': 'application/json' },
      body: JSON.stringify(event),
    }).catch(() => 'connection lost');
    for (const deadline = Date.now() + 10_000; !instance.output().includes('handler started'); await sleep(10)) {
      if (Date.now() > deadline) throw new Error(`the handler did not start:\n${instance.output()}`);
    }
    const killedAt = Date.now();
    instance.child.kill('SIGKILL');
    await once(instance.child, 'exit');
    expect(await first).toBe('connection lost');

    // The healthy instance: the same defaults, the same Redis.
    const handled: string[] = [];
    const { app } = createApp(expressVersions[1][1], {
      dedupe: { store: new RedisStore({ client }) },
      on: { whatsapp_mo_message_received: (e) => void handled.push(e.id) },
    });
    // Right after the crash the dead instance's claim is still live: retry later, nothing handled.
    expect((await request(app).post('/webhook').set(credentials).send(event)).status).toBe(409);
    const ttl = await client.pttl(`innopaas-webhook:${event.id as string}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(15_000);
    // The sender's next try comes a minute later; the claim is gone long before.
    await sleep(Math.max(0, killedAt + 15_500 - Date.now()));
    const redelivery = await request(app).post('/webhook').set(credentials).send(event);
    expect(redelivery.status).toBe(200);
    expect(redelivery.body).toEqual({ received: true });
    expect(handled).toEqual([event.id]);
  }, 40_000);

  test.each(expressVersions)(
    '%s: a running handler keeps its short claim alive; it is released or completed when it settles',
    async (_name, express) => {
      const store = new RedisStore({ client });
      let finish!: () => void;
      const { app } = createApp(express, {
        dedupe: { store, claimTtlMs: 300 },
        on: { whatsapp_mo_message_received: () => new Promise<void>((resolve) => (finish = resolve)) },
      });
      const event = textEvent('slow');
      const first = request(app)
        .post('/webhook')
        .set(credentials)
        .send(event)
        .then((res) => res.status);
      await sleep(1_000); // more than three claim TTLs: only the heartbeat keeps the claim
      expect((await request(app).post('/webhook').set(credentials).send(event)).status).toBe(409);
      finish();
      expect(await first).toBe(200);
      const again = await request(app).post('/webhook').set(credentials).send(event);
      expect(again.body).toEqual({ received: true, duplicate: true });
    },
  );

  test.each(expressVersions)(
    '%s: a claim that lands after its timeout (Redis stalled) does not block the redelivery',
    async (_name, express) => {
      const store = new RedisStore({ client });
      const handled: string[] = [];
      const { app } = createApp(express, {
        dedupe: { store, timeoutMs: 100 },
        on: { whatsapp_mo_message_received: (e) => void handled.push(e.id) },
      });
      const event = textEvent('stall');
      const stalling = await connect(server.url);
      const stall = stalling.call('DEBUG', 'SLEEP', '0.6');
      await sleep(50);
      const during = await request(app).post('/webhook').set(credentials).send(event);
      expect(during.status).toBe(503);
      expect(during.body.code).toBe('dedupe_unavailable');
      await stall;
      stalling.disconnect();
      // The late SET NX has landed by now, and been released.
      await sleep(100);
      expect(await client.exists(`innopaas-webhook:${event.id as string}`)).toBe(0);
      const redelivery = await request(app).post('/webhook').set(credentials).send(event);
      expect(redelivery.status).toBe(200);
      expect(handled).toEqual([event.id]);
    },
  );
  test.each(expressVersions)(
    '%s: a claim lost while its handler runs (taken by another instance) fires the signal and reaches onError',
    async (_name, express) => {
      const store = new RedisStore({ client });
      const errors: InnopaasWebhookError[] = [];
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      let reason: unknown;
      const { app } = createApp(express, {
        onError: (error) => void errors.push(error),
        dedupe: { store, claimTtlMs: 300 },
        on: {
          whatsapp_mo_message_received: async (_event, _req, { signal }) => {
            started();
            await new Promise((resolve) => signal.addEventListener('abort', resolve));
            reason = signal.reason;
            throw signal.reason;
          },
        },
      });
      const event = textEvent('lost');
      const key = `innopaas-webhook:${event.id as string}`;
      // then() sends it now: supertest starts a request only once it is awaited.
      const first = request(app)
        .post('/webhook')
        .set(credentials)
        .send(event)
        .then((res) => res);
      await running;
      // Another instance's claim, as after this one's expired during a stall.
      await client.set(key, 'someone-else.1', 'PX', 5_000);
      const answer = await first;
      expect((reason as InnopaasWebhookError).code).toBe('dedupe_unavailable');
      expect(errors.map((error) => error.message).join('\n')).toMatch(/claim on this event was lost/);
      // The handler rethrew its signal's reason: the answer is that reason's (the sender retries).
      expect(answer.status).toBe(503);
      expect((answer.body as { code?: string }).code).toBe('dedupe_unavailable');
      // The other instance's claim is left as it was.
      expect(await client.get(key)).toBe('someone-else.1');
    },
  );

  test.each(expressVersions)(
    '%s: close() waits for a claim on its way to Redis; the handler never starts, the claim is released, the answer is 503',
    async (_name, express) => {
      const store = new RedisStore({ client });
      let handled = 0;
      const { app, webhook } = createApp(express, {
        dedupe: { store },
        on: { whatsapp_mo_message_received: () => void (handled += 1) },
      });
      const event = textEvent('closing');
      const stalling = await connect(server.url);
      const stall = stalling.call('DEBUG', 'SLEEP', '0.4');
      await sleep(50);
      // then() sends it now: supertest starts a request only once it is awaited.
      const first = request(app)
        .post('/webhook')
        .set(credentials)
        .send(event)
        .then((res) => res);
      for (let i = 0; i < 100 && webhook.inFlight === 0; i++) await sleep(5);
      expect(webhook.inFlight).toBe(1);
      let closed = false;
      const closing = webhook.close().then(() => (closed = true));
      await sleep(100);
      expect(closed).toBe(false);
      await closing;
      await stall;
      stalling.disconnect();
      const answer = await first;
      expect(answer.status).toBe(503);
      expect(answer.body.code).toBe('shutting_down');
      expect(handled).toBe(0);
      expect(await client.exists(`innopaas-webhook:${event.id as string}`)).toBe(0);
    },
  );
});

describe.each(expressVersions)('%s: handler time, signals and shutdown', (_name, express) => {
  test('a handler past handlerTimeoutMs gets 503, its signal fires with the reason, and its claim is released', async () => {
    const seen: { aborted: boolean; reason: unknown }[] = [];
    let calls = 0;
    const { app } = createApp(express, {
      handlerTimeoutMs: 100,
      onError: () => undefined,
      on: {
        whatsapp_mo_message_received: async (_event, _req, { signal }: HandlerContext) => {
          calls += 1;
          if (calls > 1) return;
          await new Promise((resolve) => {
            signal.addEventListener('abort', resolve);
          });
          seen.push({ aborted: signal.aborted, reason: signal.reason });
        },
      },
    });
    const event = textEvent();
    const res = await request(app).post('/webhook').set(credentials).send(event);
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('handler_timeout');
    await sleep(10);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.aborted).toBe(true);
    expect((seen[0]?.reason as InnopaasWebhookError).code).toBe('handler_timeout');
    expect((await request(app).post('/webhook').set(credentials).send(event)).status).toBe(200);
    expect(calls).toBe(2);
  });

  test('by default a handler that never settles is answered 503 after 10 s, not held forever', async () => {
    const errors: string[] = [];
    const { app, webhook } = createApp(express, {
      onError: (error) => void errors.push(error.code),
      on: { whatsapp_mo_message_received: () => new Promise<void>(() => undefined) },
    });
    const started = Date.now();
    const res = await request(app).post('/webhook').set(credentials).send(textEvent());
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeGreaterThanOrEqual(9_900);
    expect(errors).toEqual(['handler_timeout']);
    expect(webhook.inFlight).toBe(0);
  }, 20_000);

  test('a handler that never reads its signal is still bounded; one that reads it late gets an aborted signal', async () => {
    let late: AbortSignal | undefined;
    const { app } = createApp(express, {
      handlerTimeoutMs: 50,
      onError: () => undefined,
      on: {
        whatsapp_mo_message_received: async (_event, _req, context) => {
          await sleep(120);
          late = context.signal;
        },
      },
    });
    expect((await request(app).post('/webhook').set(credentials).send(textEvent())).status).toBe(503);
    await sleep(150);
    expect(late?.aborted).toBe(true);
  });

  test.each([
    ['a short claimTtlMs in the memory store', () => ({ claimTtlMs: 300 })],
    // The middleware's own TTLs are the defaults; only the store knows it keeps 300 ms.
    ["a user's MemoryStore with a short ttlMs", () => ({ store: new MemoryStore({ ttlMs: 300 }) })],
    // The default store keeps dedupe.ttlMs, shorter than the default claimTtlMs.
    ['a short dedupe.ttlMs', () => ({ ttlMs: 300 })],
  ])('%s: the claim is renewed while its handler runs, a redelivery gets 409, not a second run', async (_name, dedupe) => {
    let runs = 0;
    const { app } = createApp(express, {
      dedupe: dedupe(),
      on: {
        whatsapp_mo_message_received: async () => {
          runs += 1;
          await sleep(900);
        },
      },
    });
    const event = textEvent();
    // then() sends it now: supertest starts a request only once it is awaited.
    const first = request(app)
      .post('/webhook')
      .set(credentials)
      .send(event)
      .then((res) => res);
    await sleep(600); // two claim TTLs
    const during = await request(app).post('/webhook').set(credentials).send(event);
    expect(during.status).toBe(409);
    expect((await first).status).toBe(200);
    expect(runs).toBe(1);
  });

  test('close() while a body is on its way: the delivery gets 503 shutting_down and its handler never starts', async () => {
    let handled = 0;
    const { app, webhook } = createApp(express, { on: { whatsapp_mo_message_received: () => void (handled += 1) } });
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const body = Buffer.from(JSON.stringify(textEvent()));
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          port,
          host: '127.0.0.1',
          method: 'POST',
          path: '/webhook',
          headers: { ...credentials, 'Content-Type': 'application/json', 'Content-Length': body.length },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.write(body.subarray(0, 20));
      setTimeout(() => {
        void webhook.close().then(() => req.end(body.subarray(20)));
      }, 100);
    });
    const { status, body: text } = await answer;
    server.close();
    expect(status).toBe(503);
    expect(JSON.parse(text).code).toBe('shutting_down');
    expect(handled).toBe(0);
  });

  test('close() while a failing store is answering a claim (failMode open): 503 shutting_down, nothing to release', async () => {
    const released: string[] = [];
    const store = {
      claim: () => new Promise<never>((_, reject) => setTimeout(() => reject(new Error('store down')), 200)),
      complete: () => undefined,
      release: (key: string) => void released.push(key),
    };
    let handled = 0;
    const { app, webhook } = createApp(express, {
      onError: () => undefined,
      dedupe: { store, failMode: 'open' },
      on: { whatsapp_mo_message_received: () => void (handled += 1) },
    });
    const first = request(app)
      .post('/webhook')
      .set(credentials)
      .send(textEvent())
      .then((res) => res);
    for (let i = 0; i < 100 && webhook.inFlight === 0; i++) await sleep(5);
    await webhook.close();
    const answer = await first;
    expect(answer.status).toBe(503);
    expect(answer.body.code).toBe('shutting_down');
    expect(handled).toBe(0);
    // toEqual would take [undefined] for []: the release of a claim that holds no key is what must not happen.
    expect(released).toHaveLength(0);
  });

  test('close(): running handlers are aborted and awaited, new deliveries get 503 shutting_down, claims are released', async () => {
    let aborted = false;
    const reported: string[] = [];
    const { app, webhook } = createApp(express, {
      onError: (error) => void reported.push(error.code),
      on: {
        whatsapp_mo_message_received: async (_event, _req, { signal }) => {
          await new Promise((resolve) => {
            signal.addEventListener('abort', resolve);
          });
          aborted = true;
          throw signal.reason;
        },
      },
    });
    const event = textEvent();
    const first = request(app)
      .post('/webhook')
      .set(credentials)
      .send(event)
      .then((res) => ({ status: res.status, code: (res.body as { code?: string }).code }));
    for (let i = 0; i < 100 && webhook.inFlight === 0; i++) await sleep(5);
    expect(webhook.inFlight).toBe(1);
    await webhook.close();
    expect(aborted).toBe(true);
    expect(webhook.inFlight).toBe(0);
    // It rethrew its signal's reason: the answer is the shutdown's, not a handler failure's.
    expect(await first).toEqual({ status: 503, code: 'shutting_down' });
    expect(reported).toEqual(['shutting_down']);
    const after = await request(app).post('/webhook').set(credentials).send(textEvent());
    expect(after.status).toBe(503);
    expect(after.body.code).toBe('shutting_down');
  });
});
