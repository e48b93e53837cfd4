import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import request from 'supertest';
import type { InnopaasWebhookError } from '../lib';
import { bullmqQueue, createWorker, eventIdOf, jobIdOf, type WorkerErrorContext } from '../lib/integrations/bullmq';
import { credentials, createApp, expressVersions, textEvent } from './helpers/app';
import { useQueueOnRedis } from './helpers/bullmq-queue';
import { describeWithRedis, startRedisServer, type RedisServer } from './helpers/redis-server';
import { until } from './helpers/wait';

describe('job ids', () => {
  it.each(['b5e984b3-21b2-42a9-b08b-000000000001', '123', '-5', '0', 'a:b', 'a:b:c', '50%', '%3A', '\u{1F600}:x', ''])(
    'escapes %j reversibly into an id BullMQ accepts',
    (id) => {
      const jobId = jobIdOf(id);
      expect(eventIdOf(jobId)).toBe(id);
      expect(jobId).not.toContain(':');
      expect(`${parseInt(jobId, 10)}`).not.toBe(jobId);
    },
  );

  it('leaves a UUID as it is', () => {
    const id = randomUUID();
    expect(jobIdOf(id)).toBe(id);
  });
});

describe('without BullMQ installed', () => {
  // A preload that makes `bullmq` unresolvable, as in an application that never installed it.
  const hide =
    "const M = require('module'); const r = M._resolveFilename; M._resolveFilename = function (request, ...rest) { if (request === 'bullmq') throw Object.assign(new Error(\"Cannot find module 'bullmq'\"), { code: 'MODULE_NOT_FOUND' }); return r.call(this, request, ...rest); };";
  it.each([
    ['require', `require(${JSON.stringify(join(__dirname, '..', 'dist', 'bullmq', 'index.js'))})`],
    [
      'import',
      `import(${JSON.stringify(join(__dirname, '..', 'dist', 'bullmq', 'index.mjs'))}).catch((e) => { console.error(e.message); process.exit(1); })`,
    ],
  ])('%s of the subpath throws a message that says "npm install bullmq" (needs npm run build)', (_how, code) => {
    let stderr = '';
    try {
      execFileSync(process.execPath, ['-e', `${hide}\n${code}`], { stdio: 'pipe', cwd: join(__dirname, '..') });
    } catch (error) {
      stderr = String((error as { stderr: Buffer }).stderr);
    }
    expect(stderr).toContain('innopaas-webhook/bullmq needs BullMQ, which is not installed: npm install bullmq');
  });
});

describe.each(expressVersions)('%s: a queue that fails is answered 503, never 200', (_label, express) => {
  it.each([
    [
      'throws',
      () => {
        throw new Error('down');
      },
    ],
    ['rejects', () => Promise.reject(new Error('down'))],
    ['hangs', () => new Promise(() => undefined)],
    ['answers nonsense', () => ({ status: 'maybe' })],
  ])('enqueue %s → 503 queue_unavailable', async (_what, enqueue) => {
    const { app } = createApp(express, { queue: { enqueue: enqueue as never }, queueTimeoutMs: 200, onError: () => undefined });
    const response = await request(app).post('/webhook').set(credentials).send(textEvent()).expect(503);
    expect(response.body.code).toBe('queue_unavailable');
  });
});

describeWithRedis('innopaas-webhook/bullmq against a real Redis', () => {
  let redis: RedisServer;
  let queue: Queue;
  let name: string;
  const connection = () => ({ url: redis.url });
  const { startWorker } = useQueueOnRedis((env) => ({ redis, queue, name } = env));

  describe.each(expressVersions)('%s: the middleware with bullmqQueue', (_label, express) => {
    it('answers 200 once the job is written, and 200 duplicate for a redelivery, queued once', async () => {
      const { app } = createApp(express, { queue: bullmqQueue(queue) });
      const event = { ...textEvent(), id: 'evt:42' };
      const first = await request(app).post('/webhook').set(credentials).send(event).expect(200);
      const again = await request(app).post('/webhook').set(credentials).send(event).expect(200);
      expect(first.body).not.toEqual(again.body);
      expect(await queue.count()).toBe(1);
      const job = await queue.getJob(jobIdOf('evt:42'));
      expect(job?.name).toBe('whatsapp_mo_message_received');
      expect(job?.data).toEqual({ event, meta: {} });
      expect(job?.opts).toMatchObject({
        attempts: 5,
        backoff: { type: 'exponential', delay: 10_000 },
        removeOnComplete: { age: 86_400 },
      });
    });

    it('answers 503 queue_unavailable when Redis is not there, never 200', async () => {
      const stopped = await startRedisServer();
      await stopped.stop();
      const deadQueue = new Queue(name, { connection: { url: stopped.url, enableOfflineQueue: false, maxRetriesPerRequest: 0 } });
      deadQueue.on('error', () => undefined);
      const errors: string[] = [];
      const { app } = createApp(express, {
        queue: bullmqQueue(deadQueue),
        queueTimeoutMs: 500,
        onError: (error) => errors.push(error.code),
      });
      const response = await request(app).post('/webhook').set(credentials).send(textEvent()).expect(503);
      expect(response.body.code).toBe('queue_unavailable');
      expect(errors).toEqual(['queue_unavailable']);
      await deadQueue.close().catch(() => undefined);
    });
  });

  it('reports "duplicate" for every further enqueue of the same id, even concurrent ones', async () => {
    const hand = bullmqQueue(queue);
    const event = textEvent() as never;
    expect(await hand.enqueue(event)).toEqual({ status: 'queued' });
    expect(await hand.enqueue(event)).toEqual({ status: 'duplicate' });
    const results = await Promise.all(Array.from({ length: 20 }, () => hand.enqueue(event)));
    expect(results.every((r) => r.status === 'duplicate')).toBe(true);
    expect(await queue.count()).toBe(1);
  });

  it('runs the typed handler with the event (dates parsed) and the job context', async () => {
    const seen: unknown[] = [];
    const event = textEvent('hello');
    await bullmqQueue(queue).enqueue(event as never);
    startWorker({
      on: {
        whatsapp_mo_message_received: (received, context) => {
          seen.push({
            id: received.id,
            text: received.body.type === 'text' ? received.body.text.body : undefined,
            date: received.eventDate?.toISOString(),
            jobId: context.jobId,
            attempt: context.attempt,
            attempts: context.attempts,
            signal: context.signal instanceof AbortSignal,
          });
        },
      },
    });
    await until(() => seen.length === 1, 'the handler');
    expect(seen[0]).toEqual({
      id: event.id,
      text: 'hello',
      date: '2023-02-22T12:00:00.000Z',
      jobId: event.id,
      attempt: 1,
      attempts: 5,
      signal: true,
    });
    await until(async () => (await queue.getJobState(jobIdOf(event.id as string))) === 'completed', 'completion');
  });

  it('retries a failing handler with back-off, then keeps the job as a dead letter and reports it', async () => {
    const reports: { code: string; context: WorkerErrorContext; cause: unknown }[] = [];
    const event = textEvent();
    const id = jobIdOf(event.id as string);
    await bullmqQueue(queue, { attempts: 3, backoff: { type: 'fixed', delay: 50 } }).enqueue(event as never);
    // Read when the last try is reported: a dead letter is reported once it is one.
    let stateWhenFinal: Promise<string> | undefined;
    let calls = 0;
    startWorker({
      on: {
        whatsapp_mo_message_received: () => {
          calls += 1;
          // Anything may be thrown, not only an Error.
          throw calls === 2 ? 'a string' : new Error(`try ${calls}`);
        },
      },
      onError: (error: InnopaasWebhookError, context) => {
        reports.push({ code: error.code, context, cause: error.cause });
        if (context.final) stateWhenFinal = queue.getJobState(id);
        throw new Error('onError failing is ignored');
      },
    });
    await until(async () => (await queue.getJobState(id)) === 'failed', 'the dead letter');
    expect(calls).toBe(3);
    expect(reports.map((r) => [r.code, r.context.attempt, r.context.final])).toEqual([
      ['handler_failed', 1, false],
      ['handler_failed', 2, false],
      ['handler_failed', 3, true],
    ]);
    expect(reports[1]?.cause).toBe('a string');
    expect(await stateWhenFinal).toBe('failed');
    const job = await queue.getJob(id);
    expect(job?.attemptsMade).toBe(3);
    expect(job?.failedReason).toContain('try 3');
  });

  it('reports a last try whose job BullMQ could not fail (its lock lost) as one that runs again', async () => {
    const reports: [string, boolean | undefined][] = [];
    const event = textEvent();
    const id = jobIdOf(event.id as string);
    await bullmqQueue(queue, { attempts: 1 }).enqueue(event as never);
    startWorker({
      // A lock of 300 ms, and no stall check within the test: the job stays active once its lock is lost.
      lockDurationMs: 300,
      stalledIntervalMs: 60_000,
      on: {
        whatsapp_mo_message_received: () => {
          // Holds the event loop past the lock, so BullMQ cannot renew it, then fails.
          for (const end = Date.now() + 1_000; Date.now() < end;);
          throw new Error('late failure');
        },
      },
      onError: (error, context) => reports.push([error.code, context.final]),
    });
    await until(() => reports.some(([code]) => code === 'queue_unavailable'), 'the lost lock reported');
    expect(reports[0]).toEqual(['handler_failed', false]);
    expect(reports.filter(([, final]) => final === true)).toEqual([]);
    expect(await queue.getJobState(id)).toBe('active');
  });

  it('fails an invalid job at once, without retrying it', async () => {
    const reports: [string, boolean | undefined][] = [];
    await queue.add('x', { event: { id: 'broken' }, meta: {} }, { jobId: 'broken', attempts: 5 });
    startWorker({ onError: (error, context) => reports.push([error.code, context.final]) });
    await until(async () => (await queue.getJobState('broken')) === 'failed', 'the failure');
    const job = await queue.getJob('broken');
    expect(job?.attemptsMade).toBe(1);
    expect(reports).toEqual([['invalid_envelope', true]]);
  });

  it('times a handler out: its signal fires and the try fails with handler_timeout', async () => {
    const reports: string[] = [];
    let aborted: unknown;
    await bullmqQueue(queue, { attempts: 1 }).enqueue(textEvent() as never);
    startWorker({
      handlerTimeoutMs: 100,
      on: {
        whatsapp_mo_message_received: (_event, { signal }) =>
          new Promise<void>(() => {
            signal.addEventListener('abort', () => (aborted = signal.reason));
          }),
      },
      onError: (error) => reports.push(error.code),
    });
    await until(() => reports.length === 1, 'the timeout');
    expect(reports).toEqual(['handler_timeout']);
    expect((aborted as InnopaasWebhookError).code).toBe('handler_timeout');
  });

  it('close() fires the signal of a running handler and puts its job back without spending a try', async () => {
    const event = textEvent();
    await bullmqQueue(queue).enqueue(event as never);
    let started = false;
    let reason: unknown;
    const worker = createWorker({
      queueName: name,
      connection: connection(),
      on: {
        whatsapp_mo_message_received: (_event, { signal }) =>
          new Promise<void>((_, reject) => {
            started = true;
            signal.addEventListener('abort', () => {
              reason = signal.reason;
              reject(new Error('stopped'));
            });
          }),
      },
      onError: () => undefined,
    });
    await until(() => started, 'the handler');
    await worker.close();
    expect((reason as InnopaasWebhookError).code).toBe('shutting_down');
    const job = await queue.getJob(jobIdOf(event.id as string));
    expect(await job?.getState()).toBe('waiting');
    expect(job?.attemptsMade).toBe(0);

    const handled: string[] = [];
    startWorker({ on: { whatsapp_mo_message_received: (e) => void handled.push(e.id) } });
    await until(() => handled.length === 1, 'the next worker');
    expect(handled).toEqual([event.id]);
  });

  it('checks its options when created, naming the option and the fix', () => {
    expect(() => createWorker({ queueName: '', connection: connection() })).toThrow(
      /option `queueName` must be a non-empty string/,
    );
    expect(() => createWorker({ queueName: name, connection: connection(), concurency: 2 } as never)).toThrow(
      /`concurency` is not an option. Did you mean `concurrency`/,
    );
    expect(() =>
      createWorker({ queueName: name, connection: connection(), on: { whatsapp_mo_message: () => {} } } as never),
    ).toThrow(/on.whatsapp_mo_message/);
    // Longer than a Node timer can wait: BullMQ's lock renewal would fire at once.
    expect(() => createWorker({ queueName: name, connection: connection(), lockDurationMs: 2 ** 31 })).toThrow(
      /`lockDurationMs` must be at most 2147483647 ms/,
    );
    expect(() => createWorker({ queueName: name, connection: connection(), stalledIntervalMs: 2 ** 31 })).toThrow(
      /`stalledIntervalMs` must be at most 2147483647 ms/,
    );
    expect(() => bullmqQueue({} as never)).toThrow(/must be a BullMQ Queue/);
    expect(() => bullmqQueue(queue, { attempts: 0 })).toThrow(/option `attempts` must be a whole number/);
  });

  it('shows each state change on the queue events stream (what the inspector listens to)', async () => {
    // From the stream's start: an event written before the first read must not be missed.
    const events = new QueueEvents(name, { connection: connection(), lastEventId: '0-0' });
    await events.waitUntilReady();
    const states: string[] = [];
    for (const state of ['waiting', 'active', 'completed'] as const) events.on(state, () => states.push(state));
    startWorker({ on: { whatsapp_mo_message_received: () => undefined } });
    await bullmqQueue(queue).enqueue(textEvent() as never);
    await until(() => states.includes('completed'), 'completed');
    expect(states).toEqual(['waiting', 'active', 'completed']);
    await events.close();
  });
});
