// The BullMQ hand-off against what a review found: event ids that are BullMQ's own key names, a job
// failed by BullMQ itself (stalled too often), a back-off BullMQ cannot run, an observer carrying what
// JSON cannot hold, a worker without the handler of an event. Real Redis, real BullMQ.
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import request from 'supertest';
import type { DeliveryObserver } from '../lib';
import { bullmqQueue, eventIdOf, jobIdOf, type WorkerErrorContext } from '../lib/integrations/bullmq';
import { prometheusMetrics } from '../lib/integrations/metrics';
import { createApp, credentials, expressVersions, textEvent } from './helpers/app';
import { useQueueOnRedis } from './helpers/bullmq-queue';
import { scrape } from './helpers/prometheus';
import { describeWithRedis, type RedisServer } from './helpers/redis-server';
import { lineSink, withDebugLines } from './helpers/logs';
import { until } from './helpers/wait';

const TEXT = 'whatsapp_mo_message_received';
// Every key BullMQ 6 keeps beside a queue's jobs (`<prefix>:<queue>:<name>`), and a few more of that shape.
const KEY_NAMES = [
  ...['', 'active', 'wait', 'waiting-children', 'paused', 'id', 'delayed', 'prioritized', 'stalled-check'],
  ...['completed', 'failed', 'stalled', 'repeat', 'limiter', 'meta', 'events', 'pc', 'marker', 'de', 'metrics'],
].filter(Boolean);

describe('job ids of event ids shaped like BullMQ key names', () => {
  it.each([...KEY_NAMES, '-', 'a-b', 'some-future-key'])('escapes %j out of the key names, reversibly', (id) => {
    const jobId = jobIdOf(id);
    expect(jobId).toMatch(/^%[0-9A-F]{2}/);
    expect(eventIdOf(jobId)).toBe(id);
  });

  it('leaves ids that hold a digit, an upper-case letter or another sign as they are', () => {
    for (const id of [randomUUID(), '63f5d602367ea403f8175a6c', 'Meta', 'meta_1', 'evt.completed']) expect(jobIdOf(id)).toBe(id);
  });

  it('is reversible, injective, and never one of the key names', () => {
    const id = fc.oneof(
      fc.constantFrom(...KEY_NAMES),
      fc.string({ unit: fc.constantFrom('a', 'm', '-', '%', ':', '2', 'D', '6', 'A') }),
    );
    fc.assert(
      fc.property(id, id, (a, b) => {
        expect(eventIdOf(jobIdOf(a))).toBe(a);
        if (a !== b) expect(jobIdOf(a)).not.toBe(jobIdOf(b));
        expect(KEY_NAMES).not.toContain(jobIdOf(a));
      }),
      { numRuns: 2000 },
    );
    // The escaped forms of one another are told apart: a plain `%` is always `%25`.
    const tricky = ['meta', '%6Deta', '%256Deta', 'm', '%6D', '-', '%2D', '-5', '%2D5', '', '0', '%30'];
    expect(new Set(tricky.map(jobIdOf)).size).toBe(tricky.length);
  });
});

describeWithRedis('the BullMQ hand-off, hardened', () => {
  let redis: RedisServer;
  let queue: Queue;
  let name: string;
  const { startWorker } = useQueueOnRedis((env) => ({ redis, queue, name } = env), { onError: () => undefined });

  test("events whose ids are 'meta', 'id' and 'completed' are queued, handled once each, and the queue still works", async () => {
    const { app } = createApp(expressVersions[1][1], { queue: bullmqQueue(queue) });
    const ids = ['meta', 'id', 'completed'];
    for (const id of ids) {
      const event = { ...textEvent(), id };
      expect((await request(app).post('/webhook').set(credentials).send(event).expect(200)).body).toEqual({ received: true });
      expect((await request(app).post('/webhook').set(credentials).send(event).expect(200)).body).toEqual({
        received: true,
        duplicate: true,
      });
    }
    const handled: string[] = [];
    startWorker({ on: { [TEXT]: (event) => void handled.push(event.id) } });
    await until(async () => (await queue.getJobCounts('completed')).completed === ids.length, 'three completed jobs');
    // An ordinary event after them goes through as well: the queue's own keys are intact.
    const later = textEvent();
    await request(app).post('/webhook').set(credentials).send(later).expect(200);
    await until(() => handled.includes(later.id as string), 'the later event');
    expect(handled.sort()).toEqual([...ids, later.id].sort());
    expect(await queue.getJobCounts('completed', 'failed', 'waiting', 'active')).toEqual({
      completed: 4,
      failed: 0,
      waiting: 0,
      active: 0,
    });
  });

  test('a job that stalled more than maxStalledCount times reaches onError, the logger and the metrics as a dead letter', async () => {
    const event = textEvent();
    await bullmqQueue(queue).enqueue(event as never);
    // A worker that took the job and died: it holds the job's lock and never renews it.
    const dead = new Worker(name, null, { connection: { url: redis.url }, autorun: false, lockDuration: 300 });
    expect((await dead.getNextJob(randomUUID()))?.id).toBe(event.id);
    await dead.close();

    const reports: { code: string; detail: string; context: WorkerErrorContext }[] = [];
    const registry = new Registry();
    const { lines, logger } = lineSink();
    let calls = 0;
    startWorker({
      maxStalledCount: 0,
      stalledIntervalMs: 200,
      lockDurationMs: 1000,
      observers: [prometheusMetrics({ registry })],
      logger,
      on: { [TEXT]: () => void (calls += 1) },
      onError: (error, context) => {
        reports.push({ code: error.code, detail: error.message, context });
        throw new Error('onError failing is ignored');
      },
    });
    await until(async () => (await queue.getJobState(jobIdOf(event.id as string))) === 'failed', 'the dead letter');
    await until(() => reports.length > 0, 'the report');
    expect(calls).toBe(0);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({
      code: 'handler_failed',
      detail: expect.stringMatching(/stalled more than maxStalledCount times/) as unknown,
      context: { jobId: event.id, attempt: 1, attempts: 5, final: true, event: { id: event.id } },
    });
    const read = await scrape(registry);
    expect(read.value('innopaas_webhook_jobs_total', { type: TEXT, outcome: 'handler_failed' })).toBe(1);
    expect(lines.find((line) => line.msg === 'job failed')).toMatchObject({
      eventId: event.id,
      code: 'handler_failed',
      level: 50,
    });
  });

  test('a failing handler is reported once per try, not again by the failed event', async () => {
    const codes: [string, boolean | undefined][] = [];
    const registry = new Registry();
    const event = textEvent();
    await bullmqQueue(queue, { attempts: 2, backoff: { type: 'fixed', delay: 10 } }).enqueue(event as never);
    startWorker({
      observers: [prometheusMetrics({ registry })],
      on: {
        [TEXT]: () => {
          throw new Error('down');
        },
      },
      onError: (error, context) => codes.push([error.code, context.final]),
    });
    await until(async () => (await queue.getJobState(jobIdOf(event.id as string))) === 'failed', 'the dead letter');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(codes).toEqual([
      ['handler_failed', false],
      ['handler_failed', true],
    ]);
    expect((await scrape(registry)).value('innopaas_webhook_jobs_total', { type: TEXT, outcome: 'handler_failed' })).toBe(2);
  });

  test('backoff is checked at creation: a strategy BullMQ knows, a delay it can wait', () => {
    const bad: [unknown, RegExp][] = [
      [{ type: 'linear', delay: 100 }, /option `backoff.type` must be 'fixed' or 'exponential' \(got "linear"\)/],
      [{ delay: 100 }, /option `backoff.type` must be 'fixed' or 'exponential'/],
      [{ type: 'fixed', delay: -1 }, /option `backoff.delay` must be a number of milliseconds of at least 0/],
      [{ type: 'fixed', delay: Number.NaN }, /option `backoff.delay`/],
      [{ type: 'exponential', delay: Infinity }, /option `backoff.delay`/],
      [{ type: 'fixed', delay: '100' }, /option `backoff.delay`/],
      [{ type: 'fixed', dealy: 100 }, /option `backoff.dealy` is not an option. Did you mean `backoff.delay`/],
      [{ type: 'fixed', delay: 100, jitter: 2 }, /option `backoff.jitter` must be a number from 0 to 1/],
      [100, /option `backoff` must be an object \(got 100\)/],
      ['exponential', /option `backoff` must be an object/],
    ];
    for (const [backoff, message] of bad) expect(() => bullmqQueue(queue, { backoff: backoff as never })).toThrow(message);
    for (const backoff of [
      { type: 'fixed', delay: 0 },
      { type: 'exponential', delay: 10, jitter: 0.5 },
      { type: 'fixed' },
    ] as const)
      expect(() => bullmqQueue(queue, { backoff })).not.toThrow();
  });

  test('an observer carrying what JSON cannot hold loses that entry, not the delivery', async () => {
    const carrying = (write: (meta: Record<string, unknown>) => void): DeliveryObserver => ({
      begin: () => ({ carry: write }),
    });
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const observers = [
      carrying((meta) => {
        meta.sentAt = process.hrtime.bigint();
      }),
      carrying((meta) => {
        meta.cycle = cycle;
        meta.tenant = 'acme';
      }),
      carrying((meta) => {
        Object.defineProperty(meta, 'getter', {
          enumerable: true,
          get() {
            throw new Error('unreadable');
          },
        });
        meta.toJSON = () => {
          throw new Error('no JSON');
        };
        meta.attempt = { n: 1 };
      }),
    ];
    const { app } = createApp(expressVersions[1][1], { queue: bullmqQueue(queue), observers });
    const event = textEvent();
    await request(app).post('/webhook').set(credentials).send(event).expect(200);
    const job = await queue.getJob(jobIdOf(event.id as string));
    expect(job?.data).toEqual({ event, meta: { tenant: 'acme', attempt: { n: 1 } } });
    const handled: string[] = [];
    startWorker({ on: { [TEXT]: (e) => void handled.push(e.id) } });
    await until(() => handled.length === 1, 'the handler');
  });

  test('a job without a handler completes, as the middleware acknowledges such an event, and says so', async () => {
    const lines: string[] = [];
    await withDebugLines(lines, async () => {
      const known = textEvent();
      const unknown: Record<string, unknown> = { ...textEvent(), type: 'whatsapp_brand_new_event' };
      const hand = bullmqQueue(queue);
      await hand.enqueue(known as never);
      await hand.enqueue(unknown as never);
      const { lines: logged, logger } = lineSink();
      startWorker({ logger, on: { whatsapp_message_status_updated: () => undefined } });
      await until(async () => (await queue.getJobCounts('completed')).completed === 2, 'both jobs');
      for (const event of [known, unknown]) {
        expect(lines.join('\n')).toContain(
          `job ${String(event.id)}: no handler for type ${String(event.type)}, completed without running one`,
        );
        expect(logged.find((line) => line.eventId === event.id && line.msg === 'no handler for this type')).toBeDefined();
      }
    });
  });
});
