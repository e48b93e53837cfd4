import { Redis } from 'ioredis';
import { createClient } from 'redis';
import request from 'supertest';
import { RedisStore, type RedisClientLike } from '../lib';
import { createApp, credentials, expressVersions, textEvent } from './helpers/app';
import { describeWithRedis, startRedisServer, type RedisServer } from './helpers/redis-server';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Client {
  client: RedisClientLike;
  close(): Promise<void>;
}

// Fail-fast clients: while Redis is down a command rejects at once instead of queueing.
const clientKinds: [string, (url: string) => Promise<Client>][] = [
  [
    'ioredis',
    async (url) => {
      const client = new Redis(url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true });
      client.on('error', () => undefined);
      await client.connect();
      return {
        client,
        close: async () => {
          client.disconnect();
        },
      };
    },
  ],
  [
    'node-redis',
    async (url) => {
      const client = createClient({ url, disableOfflineQueue: true });
      client.on('error', () => undefined);
      await client.connect();
      return {
        client,
        close: async () => {
          client.destroy();
        },
      };
    },
  ],
];

type App = Parameters<typeof request>[0];

/** InnoPaaS-like sender: retries 409 and 5xx, bounded. Returns the final status. */
async function deliver(apps: App[], event: object, attempt = 0): Promise<number> {
  const app = apps[(attempt + Math.floor(Math.random() * apps.length)) % apps.length] as App;
  const res = await request(app).post('/webhook').set(credentials).send(event);
  if ((res.status === 409 || res.status >= 500) && attempt < 100) {
    await sleep(10 + Math.random() * 20);
    return deliver(apps, event, attempt + 1);
  }
  return res.status;
}

describeWithRedis('two instances behind a load balancer share one Redis', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  describe.each(clientKinds)('with a %s client', (_kind, connect) => {
    const clients: Client[] = [];
    afterEach(async () => {
      await Promise.all(clients.splice(0).map((c) => c.close()));
    });

    async function instances(
      express: (typeof expressVersions)[number][1],
      on: (id: string) => Promise<void> | void,
      prefix: string,
    ) {
      return Promise.all(
        [0, 1].map(async () => {
          const c = await connect(server.url);
          clients.push(c);
          return createApp(express, {
            dedupe: { store: new RedisStore({ client: c.client, prefix }) },
            on: { whatsapp_mo_message_received: (event) => on(event.id) },
          }).app;
        }),
      );
    }

    test.each(expressVersions)(
      '100 events delivered three times each, concurrently, to two %s instances → each handled exactly once',
      async (_name, express) => {
        const handled = new Map<string, number>();
        const apps = await instances(
          express,
          async (id) => {
            handled.set(id, (handled.get(id) ?? 0) + 1);
            await sleep(5);
          },
          `t-${Date.now()}-${Math.random()}:`,
        );
        const events = Array.from({ length: 100 }, () => textEvent());
        const statuses = await Promise.all(events.flatMap((event) => [0, 1, 2].map(() => deliver(apps, event))));
        expect(statuses.every((s) => s === 200)).toBe(true);
        expect(handled.size).toBe(100);
        expect([...handled.values()].every((n) => n === 1)).toBe(true);
      },
    );

    test('a handler failure on one instance → the retry on the other is handled', async () => {
      const calls: string[] = [];
      let failNext = true;
      const apps = await instances(
        expressVersions[1][1],
        (id) => {
          calls.push(id);
          if (failNext) {
            failNext = false;
            throw new Error('transient');
          }
        },
        `f-${Date.now()}:`,
      );
      const event = textEvent();
      await request(apps[0] as App)
        .post('/webhook')
        .set(credentials)
        .send(event)
        .expect(500);
      await request(apps[1] as App)
        .post('/webhook')
        .set(credentials)
        .send(event)
        .expect(200);
      const again = await request(apps[0] as App)
        .post('/webhook')
        .set(credentials)
        .send(event)
        .expect(200);
      expect(again.body.duplicate).toBe(true);
      expect(calls).toEqual([event.id, event.id]);
    });
  });
});

describeWithRedis('Redis killed mid-run', () => {
  test.each(clientKinds)(
    'with %s: fail-closed answers 503, fail-open handles; no crash, no hang; handled again once Redis is back',
    async (_kind, connect) => {
      const server = await startRedisServer();
      const c = await connect(server.url);
      try {
        let calls = 0;
        const errors: string[] = [];
        const options = (failMode: 'closed' | 'open') => ({
          dedupe: { store: new RedisStore({ client: c.client }), failMode, timeoutMs: 500 },
          on: {
            whatsapp_mo_message_received: () => {
              calls += 1;
            },
          },
          onError: (e: { code: string }) => {
            errors.push(e.code);
          },
        });
        const closed = createApp(expressVersions[1][1], options('closed')).app;
        const open = createApp(expressVersions[0][1], options('open')).app;
        await request(closed).post('/webhook').set(credentials).send(textEvent()).expect(200);
        await server.kill();
        const refused = textEvent();
        const res = await request(closed).post('/webhook').set(credentials).send(refused).expect(503);
        expect(res.body.code).toBe('dedupe_unavailable');
        await request(open).post('/webhook').set(credentials).send(textEvent()).expect(200);
        expect(calls).toBe(2);
        expect(errors.filter((e) => e === 'dedupe_unavailable').length).toBeGreaterThanOrEqual(2);
        // InnoPaaS retries the refused event; once the client has reconnected, it is handled once.
        await server.restart();
        let status = 0;
        for (let i = 0; i < 100 && status !== 200; i++) {
          status = (await request(closed).post('/webhook').set(credentials).send(refused)).status;
          if (status !== 200) await sleep(50);
        }
        expect(status).toBe(200);
        expect(calls).toBe(3);
        const duplicate = await request(closed).post('/webhook').set(credentials).send(refused).expect(200);
        expect(duplicate.body.duplicate).toBe(true);
      } finally {
        await c.close();
        await server.stop();
      }
    },
    20_000,
  ); // a hang in any step fails here instead of blocking the suite
});
