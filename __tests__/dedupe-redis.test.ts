import { randomUUID } from 'node:crypto';
import { type AddressInfo, connect, createServer } from 'node:net';
import { Cluster, Redis } from 'ioredis';
import { createClient, createCluster, createSentinel } from 'redis';
import { RedisStore, type ClaimResult, type RedisClientLike } from '../lib/delivery';
import { describeWithRedis, redisCommand, startRedisSentinel, startRedisServer, type RedisServer } from './helpers/redis-server';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function claimed(result: ClaimResult): string {
  if (result.status !== 'claimed') throw new Error(`expected a claim, got ${result.status}`);
  return result.token;
}

interface Connection {
  client: RedisClientLike;
  isReady(): boolean;
  close(): Promise<void>;
}

// Every client is set up to fail fast: with no offline queue and no retries, a command sent while
// Redis is down rejects at once instead of waiting for a reconnection that may never come.
// Their 'error' events are expected during these tests, and would crash the process unheard.
type ServerKind = 'standalone' | 'cluster' | 'sentinel';
const kinds: { name: string; server: ServerKind; connect(server: RedisServer): Promise<Connection> }[] = [
  {
    name: 'ioredis',
    server: 'standalone',
    connect: ({ url }) =>
      ioredisConnection(new Redis(url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true })),
  },
  {
    name: 'node-redis',
    server: 'standalone',
    connect: ({ url }) => nodeRedisConnection(createClient({ url, disableOfflineQueue: true })),
  },
  {
    name: 'ioredis Cluster',
    server: 'cluster',
    connect: ({ port }) =>
      ioredisConnection(
        new Cluster([{ host: '127.0.0.1', port }], {
          enableOfflineQueue: false,
          lazyConnect: true,
          redisOptions: { maxRetriesPerRequest: 0 },
        }),
      ),
  },
  {
    name: 'node-redis cluster',
    server: 'cluster',
    connect: async ({ url }) => {
      const client = createCluster({ rootNodes: [{ url }], defaults: { disableOfflineQueue: true } });
      client.on('error', () => undefined);
      await client.connect();
      // Only the single-server kinds meet a dying Redis, and wait for isReady.
      return {
        client,
        isReady: () => true,
        close: async () => {
          client.destroy();
        },
      };
    },
  },
  {
    // node-redis v5's Sentinel client, whose sendCommand takes another first argument than a client's.
    name: 'node-redis Sentinel',
    server: 'sentinel',
    connect: ({ port }) =>
      nodeRedisConnection(createSentinel({ name: 'mymaster', sentinelRootNodes: [{ host: '127.0.0.1', port }] })),
  },
  {
    name: 'ioredis through Sentinel',
    server: 'sentinel',
    connect: ({ port }) =>
      ioredisConnection(
        new Redis({
          sentinels: [{ host: '127.0.0.1', port }],
          name: 'mymaster',
          maxRetriesPerRequest: 0,
          enableOfflineQueue: false,
          lazyConnect: true,
        }),
      ),
  },
];

async function nodeRedisConnection(
  client: ReturnType<typeof createClient> | ReturnType<typeof createSentinel>,
): Promise<Connection> {
  client.on('error', () => undefined);
  await client.connect();
  return {
    client,
    isReady: () => client.isReady,
    close: async () => {
      await client.destroy();
    },
  };
}

async function ioredisConnection(client: Redis | Cluster): Promise<Connection> {
  client.on('error', () => undefined);
  await client.connect();
  return {
    client,
    isReady: () => client.status === 'ready',
    close: async () => {
      client.disconnect();
    },
  };
}

describeWithRedis('RedisStore against a real Redis', () => {
  const servers: Partial<Record<ServerKind, RedisServer>> = {};

  beforeAll(async () => {
    servers.standalone = await startRedisServer();
    servers.cluster = await startRedisServer({ cluster: true });
    servers.sentinel = await startRedisSentinel(servers.standalone);
  });
  afterAll(async () => {
    // The sentinel first: it would see its master go and try to fail over.
    await servers.sentinel?.stop();
    await Promise.all([servers.standalone?.stop(), servers.cluster?.stop()]);
  });

  describe.each(kinds)('with $name', (kind) => {
    const connections: Connection[] = [];
    let server: RedisServer;
    let store: RedisStore; // what this instance sees
    let other: RedisStore; // another instance behind the load balancer, with its own connection

    beforeAll(async () => {
      const reached = servers[kind.server] as RedisServer;
      // The keys live on the Sentinel's master.
      server = (kind.server === 'sentinel' ? servers.standalone : reached) as RedisServer;
      connections.push(await kind.connect(reached), await kind.connect(reached));
      store = new RedisStore({ client: connections[0]!.client });
      other = new RedisStore({ client: connections[1]!.client });
    });
    afterAll(async () => {
      await Promise.all(connections.map((connection) => connection.close()));
    });

    it('claims a new key, reports it in progress elsewhere, then completed everywhere', async () => {
      const key = randomUUID();
      const token = claimed(await store.claim(key, 5000));
      expect(await other.claim(key, 5000)).toEqual({ status: 'in-progress' });
      await store.complete(key, token, 5000);
      expect(await other.claim(key, 5000)).toEqual({ status: 'completed' });
      expect(await store.claim(key, 5000)).toEqual({ status: 'completed' });
    });

    it('keeps its keys under the prefix, with a TTL on every one', async () => {
      const key = randomUUID();
      const prefixed = new RedisStore({ client: connections[0]!.client, prefix: 'app-a:' });
      await prefixed.complete(key, claimed(await prefixed.claim(key, 5000)), 60_000);
      expect(await redisCommand(server.port, ['GET', `app-a:${key}`])).toBe('completed');
      expect(Number((await redisCommand(server.port, ['PTTL', `app-a:${key}`])).slice(1))).toBeGreaterThan(50_000);
      expect(await store.claim(key, 5000)).toMatchObject({ status: 'claimed' }); // another prefix, another key
    });

    it('lets a released key be claimed again, by any instance', async () => {
      const key = randomUUID();
      const first = claimed(await store.claim(key, 5000));
      await store.release(key, first);
      expect(claimed(await other.claim(key, 5000))).not.toBe(first);
    });

    it('ignores release and complete with a token that is not the live claim', async () => {
      const key = randomUUID();
      const token = claimed(await store.claim(key, 5000));
      await other.release(key, 'not-the-token');
      await other.complete(key, 'not-the-token', 5000);
      expect(await other.claim(key, 5000)).toEqual({ status: 'in-progress' });
      await store.complete(key, token, 5000);
      expect(await other.claim(key, 5000)).toEqual({ status: 'completed' });
    });

    it('lets a claim expire, and the slow instance cannot release or complete the newer claim', async () => {
      const key = randomUUID();
      const stale = claimed(await store.claim(key, 50));
      await sleep(120);
      const fresh = claimed(await other.claim(key, 5000));
      await store.release(key, stale);
      await store.complete(key, stale, 5000);
      expect(await store.claim(key, 5000)).toEqual({ status: 'in-progress' });
      await other.complete(key, fresh, 5000);
      expect(await store.claim(key, 5000)).toEqual({ status: 'completed' });
    });

    it('extends only the claim it holds: true while held or expired untaken, false once another took it', async () => {
      const key = randomUUID();
      const token = claimed(await store.claim(key, 80));
      await sleep(50);
      expect(await store.extend(key, token, 80)).toBe(true);
      await sleep(50);
      expect(await other.claim(key, 5000)).toEqual({ status: 'in-progress' }); // alive only by the extension
      expect(await other.extend(key, 'not-the-token', 5000)).toBe(false);
      await sleep(120);
      // Expired, nobody took it: its handler still runs, so the claim is taken back.
      expect(await store.extend(key, token, 50)).toBe(true);
      expect(await other.claim(key, 5000)).toEqual({ status: 'in-progress' });
      await sleep(120);
      const newer = claimed(await other.claim(key, 5000));
      expect(await store.extend(key, token, 5000)).toBe(false);
      await other.complete(key, newer, 5000);
      expect(await store.extend(key, token, 5000)).toBe(false);
    });

    it('completes a claim that expired while its handler ran when nobody took it since: the redelivery is a duplicate', async () => {
      const key = randomUUID();
      const token = claimed(await store.claim(key, 50));
      await sleep(120);
      await store.complete(key, token, 5000);
      expect(await other.claim(key, 5000)).toEqual({ status: 'completed' });
    });

    it('forgets a completed key after the completion TTL', async () => {
      const key = randomUUID();
      await store.complete(key, claimed(await store.claim(key, 5000)), 80);
      expect(await other.claim(key, 5000)).toEqual({ status: 'completed' });
      await sleep(150);
      expect((await other.claim(key, 5000)).status).toBe('claimed');
    });

    it('gives exactly one claim per key to two instances racing on 100 keys', async () => {
      const keys = Array.from({ length: 100 }, () => randomUUID());
      const results = await Promise.all(keys.flatMap((key) => [store.claim(key, 5000), other.claim(key, 5000)]));
      for (let i = 0; i < keys.length; i++) {
        const statuses = [results[2 * i]!.status, results[2 * i + 1]!.status].sort();
        expect(statuses).toEqual(['claimed', 'in-progress']);
      }
    });

    it('still completes and releases after Redis has dropped its cached scripts', async () => {
      const [done, dropped] = [randomUUID(), randomUUID()];
      const doneToken = claimed(await store.claim(done, 5000));
      const droppedToken = claimed(await store.claim(dropped, 5000));
      await redisCommand(server.port, ['SCRIPT', 'FLUSH']);
      await store.complete(done, doneToken, 5000);
      await redisCommand(server.port, ['SCRIPT', 'FLUSH']);
      await store.release(dropped, droppedToken);
      expect(await other.claim(done, 5000)).toEqual({ status: 'completed' });
      expect((await other.claim(dropped, 5000)).status).toBe('claimed');
    });

    it('rejects a TTL Redis would refuse, without sending it', async () => {
      await expect(store.claim(randomUUID(), 0)).rejects.toThrow(/claimTtlMs must be a positive number/);
      await expect(store.complete(randomUUID(), 'token', Number.POSITIVE_INFINITY)).rejects.toThrow(/ttlMs/);
      expect((await store.claim(randomUUID(), 0.5)).status).toBe('claimed'); // rounded up to 1 ms
    });
  });

  it('shares state between an ioredis and a node-redis instance', async () => {
    const [io, node] = await Promise.all(kinds.slice(0, 2).map((kind) => kind.connect(servers.standalone!)));
    try {
      const [ioStore, nodeStore] = [new RedisStore({ client: io!.client }), new RedisStore({ client: node!.client })];
      const key = randomUUID();
      const token = claimed(await ioStore.claim(key, 5000));
      expect(await nodeStore.claim(key, 5000)).toEqual({ status: 'in-progress' });
      await ioStore.complete(key, token, 5000);
      expect(await nodeStore.claim(key, 5000)).toEqual({ status: 'completed' });
    } finally {
      await Promise.all([io!.close(), node!.close()]);
    }
  });

  it('refuses to work through a node-redis legacy() client, whose commands answer nothing, instead of reading "in progress"', async () => {
    const client = createClient({ url: servers.standalone!.url });
    client.on('error', () => undefined);
    await client.connect();
    try {
      const store = new RedisStore({ client: client.legacy() as never });
      await expect(store.claim(randomUUID(), 5000)).rejects.toThrow(/no reply to SET \(a legacy-mode client\?\)/);
    } finally {
      client.destroy();
    }
  });

  it("keeps its own claim when ioredis resends the SET after a reconnect, instead of reading it as another's", async () => {
    // A proxy that passes the first SET on to Redis, then drops the client's connection before Redis's reply
    // reaches it: ioredis reconnects and resends the SET (autoResendUnfulfilledCommands), which finds the
    // key its first send wrote.
    let dropped = false;
    const proxy = createServer((client) => {
      const upstream = connect(servers.standalone!.port, '127.0.0.1');
      let dropNextReply = false;
      client.on('error', () => undefined);
      upstream.on('error', () => undefined);
      client.on('data', (chunk: Buffer) => {
        if (!dropped && chunk.includes('\r\nSET\r\n')) dropped = dropNextReply = true;
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        // The SET reached Redis; its answer never reaches the client.
        if (dropNextReply) client.destroy();
        else if (!client.destroyed) client.write(chunk);
      });
      client.on('close', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as AddressInfo;
    const client = new Redis(port, '127.0.0.1', { retryStrategy: () => 20 });
    client.on('error', () => undefined);
    try {
      const store = new RedisStore({ client });
      const key = randomUUID();
      const result = await store.claim(key, 5000);
      expect(dropped).toBe(true);
      expect(result.status).toBe('claimed');
      // It is the claim's holder: the completion lands.
      await store.complete(key, claimed(result), 60_000);
      expect(await redisCommand(servers.standalone!.port, ['GET', `innopaas-webhook:${key}`])).toBe('completed');
    } finally {
      client.disconnect();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  describe.each(kinds.filter((kind) => kind.server === 'standalone'))('when Redis dies under $name', (kind) => {
    let server: RedisServer;
    let connection: Connection;
    beforeAll(async () => {
      server = await startRedisServer();
      connection = await kind.connect(server);
    });
    afterAll(async () => {
      await connection.close();
      await server.stop();
    });

    it('rejects every operation at once instead of hanging, and recovers when Redis is back', async () => {
      const store = new RedisStore({ client: connection.client });
      const key = randomUUID();
      const token = claimed(await store.claim(key, 5000));
      await server.kill();
      const started = Date.now();
      await expect(store.claim(randomUUID(), 5000)).rejects.toThrow();
      await expect(store.complete(key, token, 5000)).rejects.toThrow();
      await expect(store.release(key, token)).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(1000);

      await server.restart();
      for (const deadline = Date.now() + 5000; !connection.isReady() && Date.now() < deadline;) await sleep(25);
      expect((await store.claim(key, 5000)).status).toBe('claimed'); // nothing was persisted
    });
  });
});
