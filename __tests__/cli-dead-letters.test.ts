import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { bullmqQueue, createWorker, jobIdOf, type InnopaasWorker } from '../lib/integrations/bullmq';
import { textEvent } from './helpers/app';
import { describeWithRedis, startRedisServer, type RedisServer } from './helpers/redis-server';

const CLI = join(__dirname, '..', 'dist', 'cli.js');
if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run npm run build first');

const cli = (args: string[]) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], (_error, stdout, stderr) => {
      resolve({ code: child.exitCode, stdout, stderr });
    });
  });

const until = async (check: () => Promise<boolean>, what: string): Promise<void> => {
  for (const deadline = Date.now() + 15_000; !(await check()); await new Promise((resolve) => setTimeout(resolve, 25))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
};

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

  it('an unreachable Redis: one line naming it (never its password), exit 1', async () => {
    const run = await cli(['dead-letters', 'list', '--queue', 'q', '--redis', 'redis://user:pw-secret@127.0.0.1:1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^innopaas-webhook: cannot reach Redis at redis:\/\/\*\*\*@127\.0\.0\.1:1: .+\n$/);
    expect(run.stderr).not.toContain('pw-secret');
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
    const events = [{ ...textEvent(), id: 'evt:1' }, textEvent(), textEvent()];
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
      const line = lines.find((l) => l.startsWith(`${event.id as string} `));
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
    await until(async () => handled.length === 3, 'every event');
    expect(await queue.getFailedCount()).toBe(0);
  });
});
