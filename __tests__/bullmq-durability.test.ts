// Scaling out, proven with processes that die: web instances and workers of the built package run as
// child processes (__tests__/helpers/bullmq/) against a real redis-server with its append-only file
// on, and are killed with SIGKILL. Run `npm run build` first.
import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { bullmqQueue } from '../lib/integrations/bullmq';
import { AUTH, USER, textEvent } from './helpers/app';
import { describeWithRedis, startRedisServer, type RedisServer } from './helpers/redis-server';

jest.setTimeout(120_000);

const SCRIPTS = join(__dirname, 'helpers', 'bullmq');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Child {
  process: ChildProcess;
  /** Resolves with the first stdout line that matches. */
  line(pattern: RegExp): Promise<RegExpMatchArray>;
  kill(): Promise<void>;
}

const children = new Set<ChildProcess>();

function start(script: 'web.js' | 'worker.js', env: Record<string, string>): Child {
  const child = spawn(process.execPath, [join(SCRIPTS, script)], {
    env: { ...process.env, INNOPAAS_USERNAME: USER, INNOPAAS_AUTHORIZATION: AUTH, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  const lines: string[] = [];
  const waiting: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (text) => {
    lines.push(text);
    for (const wait of [...waiting]) {
      const match = text.match(wait.pattern);
      if (match) {
        waiting.splice(waiting.indexOf(wait), 1);
        wait.resolve(match);
      }
    }
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  return {
    process: child,
    line: (pattern) =>
      new Promise((resolve, reject) => {
        const seen = lines.map((text) => text.match(pattern)).find(Boolean);
        if (seen) {
          resolve(seen);
          return;
        }
        waiting.push({ pattern, resolve });
        void exited.then(() => {
          reject(new Error(`${script} exited before printing ${pattern}`));
        });
      }),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      children.delete(child);
    },
  };
}

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** One POST as InnoPaaS makes it; the status, or 0 when the connection failed. */
function post(port: number, body: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/webhook',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', UserName: USER, Authorization: AUTH },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          resolve(res.statusCode ?? 0);
        });
      },
    );
    req.on('error', () => {
      resolve(0);
    });
    req.end(body);
  });
}

async function startWeb(env: Record<string, string>): Promise<{ child: Child; port: number }> {
  const child = start('web.js', env);
  const [, port] = await child.line(/^listening (\d+)$/);
  return { child, port: Number(port) };
}

async function startWorker(env: Record<string, string>): Promise<Child> {
  const child = start('worker.js', env);
  await child.line(/^ready$/);
  return child;
}

describeWithRedis('queue mode: nothing is lost when processes die', () => {
  let redis: RedisServer;
  let counts: Redis;
  let queueNumber = 0;
  let env: Record<string, string>;

  beforeAll(async () => {
    redis = await startRedisServer({ persistent: true });
    counts = new Redis(redis.url, { maxRetriesPerRequest: null });
    counts.on('error', () => undefined);
  });
  beforeEach(() => {
    queueNumber += 1;
    env = { REDIS_URL: redis.url, QUEUE_NAME: `durability-${queueNumber}`, HANDLED_KEY: `handled-${queueNumber}` };
  });
  afterAll(async () => {
    counts.disconnect();
    await redis.stop();
  });

  const handled = async (id: string): Promise<string | null> => counts.hget(env.HANDLED_KEY as string, id);
  async function until(check: () => Promise<boolean>, what: string, ms: number): Promise<void> {
    for (const deadline = Date.now() + ms; !(await check()); await sleep(50)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    }
  }

  it.each(['4', '5'])(
    'Express %s: a web instance killed right after its 200 → the event is handled by a worker',
    async (express) => {
      const web = await startWeb({ ...env, EXPRESS: express });
      const event = textEvent();
      expect(await post(web.port, JSON.stringify(event))).toBe(200);
      await web.child.kill();
      const worker = await startWorker(env);
      await until(async () => (await handled(event.id as string)) === '1', 'the worker', 15_000);
      await worker.kill();
    },
  );

  it('a worker killed mid-handler → its job is taken up again by another worker and handled', async () => {
    const queue = new Queue(env.QUEUE_NAME as string, { connection: { url: redis.url } });
    const event = textEvent();
    await bullmqQueue(queue).enqueue(event as never);
    const doomed = start('worker.js', { ...env, HANG: '1' });
    await doomed.line(new RegExp(`^started ${event.id as string}$`));
    await doomed.kill();
    const worker = await startWorker(env);
    // lockDurationMs (5 s) + 2 × stalledIntervalMs (2 s) at most, by the defaults.
    await until(async () => (await handled(event.id as string)) === '1', 'the second worker', 15_000);
    const job = await queue.getJob(event.id as string);
    expect(job?.stalledCounter).toBe(1);
    await worker.kill();
    await queue.close();
  });

  /**
   * Two web instances (Express 4 and 5) and three workers; `count` events, each tenth delivered twice
   * (half of those at the same moment to both instances, half after every event went out once), each
   * hundredth failing its first try. With `restartAt`, Redis is stopped (SIGTERM) after that many
   * answers and started again 3 s later from its append-only file. Resolves with the handler counts.
   */
  async function run(
    count: number,
    restartAt?: number,
  ): Promise<{ counted: Record<string, string>; ids: string[]; refused: number }> {
    const webs = await Promise.all([startWeb({ ...env, EXPRESS: '4' }), startWeb({ ...env, EXPRESS: '5' })]);
    const workers = await Promise.all([1, 2, 3].map(() => startWorker({ ...env, CONCURRENCY: '20' })));
    const events = Array.from({ length: count }, (_, i) => {
      const event = textEvent(i % 100 === 7 ? 'fail-once' : `message ${i}`);
      return { id: event.id as string, body: JSON.stringify(event) };
    });
    const later = events.filter((_, i) => i % 20 === 10);
    let answered = 0;
    let refused = 0;
    let restarted: Promise<void> | undefined;
    const deliver = async (body: string, first: number): Promise<void> => {
      // Like InnoPaaS: a delivery that was not answered 200 is tried again.
      for (let attempt = first; ; attempt++) {
        const status = await post((webs[attempt % 2] as { port: number }).port, body);
        if (status === 200) break;
        refused += 1;
        await sleep(50);
      }
      answered += 1;
      // Down longer than the web tier's queueTimeoutMs (2 s): deliveries meanwhile are answered 503.
      if (answered === restartAt) restarted = redis.restart('SIGTERM', 3_000);
    };
    let next = 0;
    const sender = async (): Promise<void> => {
      while (next < events.length) {
        const i = next++;
        const { body } = events[i] as { body: string };
        if (i % 20 === 0) await Promise.all([deliver(body, i), deliver(body, i + 1)]);
        else await deliver(body, i);
      }
    };
    await Promise.all(Array.from({ length: 32 }, sender));
    await Promise.all(later.map(({ body }) => deliver(body, 1)));
    await restarted;

    await until(async () => (await counts.hlen(env.HANDLED_KEY as string)) >= events.length, 'every event handled', 60_000);
    const queue = new Queue(env.QUEUE_NAME as string, { connection: { url: redis.url } });
    await until(
      async () => ((await queue.getJobCounts('completed')).completed ?? 0) >= events.length,
      'every job completed',
      30_000,
    );
    expect(await queue.getJobCounts('completed', 'failed', 'wait', 'active', 'delayed')).toEqual({
      completed: events.length,
      failed: 0,
      wait: 0,
      active: 0,
      delayed: 0,
    });
    await queue.close();
    await Promise.all([...webs.map((web) => web.child.kill()), ...workers.map((worker) => worker.kill())]);
    return { counted: await counts.hgetall(env.HANDLED_KEY as string), ids: events.map(({ id }) => id), refused };
  }

  it('10,000 events with 10 % duplicates, concurrent redeliveries and 1 % failing once: each handled exactly once', async () => {
    const { counted, ids } = await run(10_000);
    expect(ids.filter((id) => counted[id] !== '1').map((id) => [id, counted[id]])).toEqual([]);
    expect(Object.keys(counted)).toHaveLength(ids.length);
  });

  it('Redis stopped and started again mid-run: none lost', async () => {
    const { counted, ids, refused } = await run(3_000, 1_500);
    // Deliveries while Redis was down were answered 503, and tried again by the sender.
    expect(refused).toBeGreaterThan(0);
    expect(ids.filter((id) => !(Number(counted[id]) >= 1))).toEqual([]);
    expect(Object.keys(counted)).toHaveLength(ids.length);
    // Not exactly once here: a lock that expired while Redis was down lets a second worker run its job
    // (at-least-once, as the README says: handlers must be idempotent).
  });
});
