import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullmqQueue, createWorker, jobIdOf, type InnopaasWorker } from '../lib/integrations/bullmq';
import { textEvent } from './helpers/app';
import { describeWithRedis, startRedisServer, type RedisServer } from './helpers/redis-server';

// INNOPAAS_WEBHOOK_CLI runs another build of the CLI than dist/ (a bundle of the working tree, say).
const CLI = process.env.INNOPAAS_WEBHOOK_CLI ?? join(__dirname, '..', 'dist', 'cli.js');
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);

const cli = (args: string[]) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    // Killed after 25 s: a CLI that hangs must fail its test, not keep Jest waiting for the child.
    const child = execFile(process.execPath, [CLI, ...args], { timeout: 25_000 }, (_error, stdout, stderr) => {
      resolve({ code: child.exitCode, stdout, stderr });
    });
  });

const until = async (check: () => Promise<boolean>, what: string): Promise<void> => {
  for (const deadline = Date.now() + 15_000; !(await check()); await new Promise((resolve) => setTimeout(resolve, 25))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
};

/**
 * A TCP proxy to Redis that forwards the connection's set-up, then, from BullMQ's first script on, holds
 * each reply for `delayMs`, or swallows them all (`silent`): a Redis slowed down, or partitioned with the
 * socket left open, once connected.
 */
async function redisProxy(port: number, delayMs: number | 'silent'): Promise<{ url: string; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const proxy: Server = createServer((client) => {
    const server = connect(port, '127.0.0.1');
    sockets.push(client, server);
    let scripts = false;
    // What Redis sends back, its end included: at once, later, or never.
    const relay = (send: () => void) => {
      if (!scripts) send();
      else if (delayMs !== 'silent') setTimeout(send, delayMs);
    };
    client.on('data', (data: Buffer) => {
      if (/EVAL/i.test(data.toString('latin1'))) scripts = true;
      if (!scripts || delayMs !== 'silent') server.write(data);
    });
    client.on('end', () => server.end());
    server.on('data', (data: Buffer) => {
      relay(() => {
        if (!client.destroyed) client.write(data);
      });
    });
    server.on('end', () => {
      relay(() => client.end());
    });
    client.on('error', () => undefined);
    server.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    },
  };
}

describe('innopaas-webhook dead-letters: usage', () => {
  it.each([
    [['dead-letters'], 'missing list or replay'],
    [['dead-letters', 'list', '--queue', 'q'], '--redis <url> is required'],
    [['dead-letters', 'list', '--redis', 'redis://127.0.0.1:1'], '--queue <name> is required'],
    [['dead-letters', 'replay', '--redis', 'redis://127.0.0.1:1', '--queue', 'q'], 'replay takes event ids, or --all'],
    [
      ['dead-letters', 'replay', 'x', '--all', '--redis', 'redis://127.0.0.1:1', '--queue', 'q'],
      'replay takes event ids, or --all',
    ],
  ])('%j → exit 2: %s', async (args, message) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('Usage: innopaas-webhook dead-letters');
  });

  it.each([
    ['0', '0'],
    ['not a number', 'soon'],
    ['above what a timer holds', '2147483648'],
  ])('--timeout %s: exit 2', async (_case, value) => {
    for (const action of [['list'], ['replay', '--all']]) {
      const run = await cli(['dead-letters', ...action, '--redis', 'redis://127.0.0.1:1', '--queue', 'q', '--timeout', value]);
      expect(run).toMatchObject({ code: 2, stdout: '' });
      expect(run.stderr).toMatch(
        new RegExp(`^innopaas-webhook: --timeout must be a whole number from 1 to 2147483647, not "${value}"\n\nUsage: `),
      );
    }
  });

  it('--timeout bounds connecting too: a server that accepts but never answers ends the run at that timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `redis://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const started = Date.now();
      const child = spawn(process.execPath, [CLI, 'dead-letters', 'list', '--redis', url, '--queue', 'q', '--timeout', '300']);
      let stderr = '';
      // When the line comes, not when the process ends: ioredis waits up to 2 s (its disconnectTimeout)
      // for a peer that keeps its socket open.
      const said = new Promise<number>((resolve) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString('utf8');
          if (stderr.endsWith('\n')) resolve(Date.now() - started);
        });
      });
      const code = new Promise<number | null>((resolve) => child.on('close', resolve));
      // The default 5 s would come after this; 300 ms and starting Node well before.
      expect(await said).toBeLessThan(4_000);
      expect(await code).toBe(1);
      expect(stderr).toBe(`innopaas-webhook: cannot reach Redis at ${url}: Error: no answer\n`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 20_000);

  it('an unreachable Redis: one line naming it (never its password), exit 1', async () => {
    const run = await cli(['dead-letters', 'list', '--queue', 'q', '--redis', 'redis://user:pw-secret@127.0.0.1:1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^innopaas-webhook: cannot reach Redis at redis:\/\/\*\*\*@127\.0\.0\.1:1: .+\n$/);
    expect(run.stderr).not.toContain('pw-secret');
  });

  it.each([
    ['a password with a raw @', 'redis://user:p@ss-secret@127.0.0.1:1', 'redis://***@127.0.0.1:1'],
    ['a password in the query', 'redis://127.0.0.1:1?password=ss-secret', 'redis://127.0.0.1:1?***'],
    ['a URL that does not parse', 'redis://:pa/ss-secret@127.0.0.1:1', '(an unparseable URL, not shown)'],
  ])('%s: the URL is shown without it', async (_case, url, shown) => {
    const run = await cli(['dead-letters', 'list', '--queue', 'q', '--redis', url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot reach Redis at ${shown}: `);
    expect(run.stderr).not.toContain('ss-secret');
  });
});

describeWithRedis('innopaas-webhook dead-letters against a real Redis', () => {
  let redis: RedisServer;
  let queue: Queue;
  let worker: InnopaasWorker | undefined;
  const name = 'dead-letters';
  let failing = true;
  const handled: string[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    queue = new Queue(name, { connection: { url: redis.url } });
  });
  afterAll(async () => {
    await worker?.close();
    await queue.close();
    await redis.stop();
  });

  it('lists the events whose tries are used up, and replays one, then all, to a worker that now succeeds', async () => {
    expect((await cli(['dead-letters', 'list', '--redis', redis.url, '--queue', name])).stdout).toBe('no dead letters\n');
    // A sender's id may hold anything: a newline and a terminal escape must not split or colour a row.
    const hostile = 'evt:2\n\u001b[31mred';
    const events = [{ ...textEvent(), id: 'evt:1' }, { ...textEvent(), id: hostile }, textEvent()];
    const shown = (id: string) => (id === hostile ? 'evt:2\\u000a\\u001b[31mred' : id);
    const hand = bullmqQueue(queue, { attempts: 2, backoff: { type: 'fixed', delay: 10 } });
    for (const event of events) await hand.enqueue(event as never);
    worker = createWorker({
      queueName: name,
      connection: { url: redis.url },
      on: {
        whatsapp_mo_message_received: (event) => {
          if (failing) throw new Error('downstream\nis down');
          handled.push(event.id);
        },
      },
      onError: () => undefined,
    });
    await until(async () => (await queue.getFailedCount()) === 3, 'three dead letters');

    const list = await cli(['dead-letters', 'list', '--redis', redis.url, '--queue', name]);
    expect(list).toMatchObject({ code: 0, stderr: '' });
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^EVENT ID +TYPE +TRIES +FAILED AT +LAST ERROR$/);
    expect(lines).toHaveLength(4);
    for (const event of events) {
      const line = lines.find((l) => l.startsWith(`${shown(event.id as string)} `));
      expect(line).toMatch(
        / whatsapp_mo_message_received +2 +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z +The whatsapp_mo_message_received handler failed: Error: downstream\\u000ais down$/,
      );
    }
    const json = await cli(['dead-letters', 'list', '--json', '--redis', redis.url, '--queue', name]);
    expect(
      json.stdout
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as { id: string }).id)
        .sort(),
    ).toEqual(events.map((e) => e.id).sort());

    failing = false;
    const one = await cli(['dead-letters', 'replay', 'evt:1', 'no-such-event', '--redis', redis.url, '--queue', name]);
    expect(one).toMatchObject({
      code: 1,
      stdout: 'replayed evt:1\n1 replayed, 1 not\n',
      stderr: 'error: no-such-event: no such job\n',
    });
    await until(async () => (await queue.getJobState(jobIdOf('evt:1'))) === 'completed', 'the replayed event');
    expect(handled).toEqual(['evt:1']);
    const again = await cli(['dead-letters', 'replay', 'evt:1', '--redis', redis.url, '--queue', name]);
    expect(again).toMatchObject({ code: 1, stderr: 'error: evt:1: not a dead letter (completed)\n' });

    const all = await cli(['dead-letters', 'replay', '--all', '--redis', redis.url, '--queue', name]);
    expect(all).toMatchObject({ code: 0, stderr: '' });
    expect(all.stdout).toContain('2 replayed\n');
    expect(all.stdout).toContain(`replayed ${shown(hostile)}\n`);
    await until(async () => handled.length === 3, 'every event');
    expect(await queue.getFailedCount()).toBe(0);
  });

  /** A queue of its own holding three dead letters: events whose handler failed on their one try. */
  async function threeDeadLetters(queueName: string) {
    const own = new Queue(queueName, { connection: { url: redis.url } });
    const remove = async () => {
      await own.obliterate({ force: true });
      await own.close();
    };
    const failing = createWorker({
      queueName,
      connection: { url: redis.url },
      on: {
        whatsapp_mo_message_received: () => {
          throw new Error('down');
        },
      },
      onError: () => undefined,
    });
    const events = [textEvent(), textEvent(), textEvent()];
    try {
      const hand = bullmqQueue(own, { attempts: 1 });
      for (const event of events) await hand.enqueue(event as never);
      await until(async () => (await own.getFailedCount()) === 3, 'three dead letters');
    } catch (error) {
      await remove();
      throw error;
    } finally {
      await failing.close();
    }
    return { own, events, remove };
  }

  it('a job whose data is corrupt: listed as unreadable, skipped by replay --all, the others go on', async () => {
    const corrupt = 'corrupt-dead-letters';
    const { own, events, remove } = await threeDeadLetters(corrupt);
    try {
      const bad = events[1]?.id as string;
      await ((await own.backend.client) as unknown as Redis).hset(`bull:${corrupt}:${jobIdOf(bad)}`, 'data', '{not json');

      const list = await cli(['dead-letters', 'list', '--redis', redis.url, '--queue', corrupt]);
      expect(list.code).toBe(1);
      const lines = list.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(4);
      expect(lines.find((l) => l.startsWith(`${bad} `))).toMatch(
        new RegExp(` \\(unreadable\\) +- +cannot read job ${bad}: .*JSON`),
      );
      expect(list.stderr).toMatch(new RegExp(`^error: cannot read job ${bad}: .*JSON.*\n$`));

      const all = await cli(['dead-letters', 'replay', '--all', '--redis', redis.url, '--queue', corrupt]);
      expect(all.code).toBe(1);
      expect(all.stdout.trimEnd().split('\n').sort()).toEqual(
        ['2 replayed, 1 not', `replayed ${events[0]?.id as string}`, `replayed ${events[2]?.id as string}`].sort(),
      );
      expect(all.stderr).toMatch(new RegExp(`^error: skipped job ${bad}: cannot read it: .*\n$`));
      expect(await own.getJobState(jobIdOf(events[0]?.id as string))).toBe('waiting');
    } finally {
      await remove();
    }
  });

  it('a queue name or prefix with nothing at that Redis: exit 1 saying so, and nothing written there', async () => {
    const typo = await cli(['dead-letters', 'list', '--redis', redis.url, '--queue', 'dead-leters']);
    expect(typo).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `innopaas-webhook: no queue "dead-leters" with prefix "bull" at ${redis.url}: check --queue and --prefix\n`,
    });
    const prefix = await cli(['dead-letters', 'replay', '--all', '--redis', redis.url, '--queue', name, '--prefix', 'bul']);
    expect(prefix.code).toBe(1);
    expect(prefix.stderr).toContain(`no queue "${name}" with prefix "bul"`);
    const client = (await queue.backend.client) as unknown as Redis;
    expect(await client.keys('bull:dead-leters:*')).toEqual([]);
    expect(await client.keys('bul:*')).toEqual([]);
  });

  it('a Redis that stops answering once connected: one line and exit 1, not a hang', async () => {
    const proxy = await redisProxy(redis.port, 'silent');
    try {
      for (const args of [['list'], ['replay', '--all']]) {
        const started = Date.now();
        const run = await cli(['dead-letters', ...args, '--redis', proxy.url, '--queue', name]);
        expect(run).toMatchObject({
          code: 1,
          stderr: `innopaas-webhook: Redis at ${proxy.url} stopped answering: no reply within 5000 ms\n`,
        });
        expect(Date.now() - started).toBeLessThan(12_000);
      }
    } finally {
      await proxy.close();
    }
  }, 40_000);

  it('--timeout: a slow Redis ends the run below its delay, and replays every dead letter above it', async () => {
    const slow = 'slow-dead-letters';
    const { own, remove } = await threeDeadLetters(slow);
    const proxy = await redisProxy(redis.port, 400);
    try {
      const replay = ['dead-letters', 'replay', '--all', '--redis', proxy.url, '--queue', slow];

      const short = await cli([...replay, '--timeout', '200']);
      expect(short).toMatchObject({
        code: 1,
        stdout: '',
        stderr: `innopaas-webhook: Redis at ${proxy.url} stopped answering: no reply within 200 ms\n`,
      });
      expect(await own.getFailedCount()).toBe(3);

      const long = await cli([...replay, '--timeout', '3000']);
      expect(long).toMatchObject({ code: 0, stderr: '' });
      expect(long.stdout).toMatch(/\n3 replayed\n$/);
      expect(await own.getFailedCount()).toBe(0);
      expect(await own.getWaitingCount()).toBe(3);
    } finally {
      await proxy.close();
      await remove();
    }
  }, 40_000);
});
