import { RedisStore } from '../lib/delivery';

// Stand-in clients with each library's shape, to pin down which method the store calls and how it
// reads replies, without a server. Behaviour against a real Redis is in dedupe-redis.test.ts.

type Reply = (args: string[]) => unknown;

/** A Redis that holds nothing: every SET NX succeeds. */
const emptyRedis: Reply = ([command]) => (command === 'SET' ? 'OK' : null);

function ioredisLike(reply: Reply = emptyRedis) {
  const calls: string[][] = [];
  return {
    calls,
    // ioredis clients have a sendCommand too, taking a Command object: it must never be called.
    sendCommand: jest.fn(),
    call: async (command: string, ...args: string[]) => {
      calls.push([command, ...args]);
      return reply([command, ...args]);
    },
  };
}

function nodeRedisLike(reply: Reply = emptyRedis) {
  const calls: string[][] = [];
  return {
    calls,
    sendCommand: async (args: string[]) => {
      calls.push(args);
      return reply(args);
    },
  };
}

describe('RedisStore with stand-in clients', () => {
  it('sends raw commands through ioredis call(), never its sendCommand()', async () => {
    const client = ioredisLike();
    const store = new RedisStore({ client, prefix: 'p:' });
    const result = await store.claim('evt-1', 1500.2);
    expect(result.status).toBe('claimed');
    expect(client.calls).toEqual([['SET', 'p:evt-1', expect.stringContaining('.'), 'NX', 'PX', '1501']]);
    expect(client.sendCommand).not.toHaveBeenCalled();
  });

  it('sends the same commands through node-redis sendCommand([...])', async () => {
    const client = nodeRedisLike();
    const store = new RedisStore({ client });
    await store.release('evt-1', 'token-1');
    expect(client.calls).toEqual([
      ['EVALSHA', expect.stringMatching(/^[0-9a-f]{40}$/), '1', 'innopaas-webhook:evt-1', 'token-1'],
    ]);
  });

  it('routes a node-redis cluster command by its key', async () => {
    const sendCommand = jest.fn(async () => 'OK');
    const store = new RedisStore({ client: { sendCommand, getSlotMaster: () => undefined } });
    await store.claim('evt-1', 1000);
    expect(sendCommand).toHaveBeenCalledWith('innopaas-webhook:evt-1', false, expect.arrayContaining(['SET', 'NX']));
  });

  it('reads Buffer replies like strings', async () => {
    const client = nodeRedisLike(([command]) => (command === 'SET' ? null : Buffer.from('completed')));
    expect(await new RedisStore({ client }).claim('evt-1', 1000)).toEqual({ status: 'completed' });
  });

  it('claims again when the key vanished between its SET and its GET', async () => {
    let sets = 0;
    const client = nodeRedisLike(([command]) => (command === 'SET' ? (++sets === 2 ? 'OK' : null) : null));
    expect((await new RedisStore({ client }).claim('evt-1', 1000)).status).toBe('claimed');
    expect(client.calls.map(([command]) => command)).toEqual(['SET', 'GET', 'SET']);
  });

  it('answers in-progress rather than looping when the key keeps vanishing', async () => {
    const client = nodeRedisLike(() => null);
    expect(await new RedisStore({ client }).claim('evt-1', 1000)).toEqual({ status: 'in-progress' });
  });

  it('passes client errors through unchanged, for the middleware to map', async () => {
    const failure = new Error('READONLY You can not write against a read only replica.');
    const client = ioredisLike(() => Promise.reject(failure));
    const store = new RedisStore({ client });
    await expect(store.claim('evt-1', 1000)).rejects.toBe(failure);
    await expect(store.complete('evt-1', 'token', 1000)).rejects.toBe(failure);
    await expect(store.release('evt-1', 'token')).rejects.toBe(failure);
  });

  it('rejects after operationTimeoutMs when the client never answers', async () => {
    const client = { sendCommand: () => new Promise<never>(() => undefined) };
    const store = new RedisStore({ client, operationTimeoutMs: 30 });
    const started = Date.now();
    await expect(store.claim('evt-1', 1000)).rejects.toMatchObject({
      name: 'TimeoutError',
      message: 'RedisStore: claim did not finish within 30 ms',
    });
    expect(Date.now() - started).toBeLessThan(500);
  });

  it.each([
    [{}, /`client` must be an ioredis or node-redis client, got undefined/],
    [{ client: { get: () => null } }, /`client` must be .*got an object with keys \[get\]/],
    [{ client: nodeRedisLike(), prefix: 42 }, /`prefix` must be a string, got 42/],
    [{ client: nodeRedisLike(), operationTimeoutMs: 0 }, /`operationTimeoutMs` must be a positive number .*got 0/],
    [
      { client: nodeRedisLike(), operationTimeoutMs: 2 ** 31 },
      /`operationTimeoutMs` must be .* up to 2147483647, got 2147483648/,
    ],
  ])('rejects the options %p with a message naming the option', (options, message) => {
    expect(() => new RedisStore(options as unknown as ConstructorParameters<typeof RedisStore>[0])).toThrow(message);
  });
});
