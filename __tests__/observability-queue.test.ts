import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Queue } from 'bullmq';
import { Registry } from 'prom-client';
import request from 'supertest';
import { bullmqQueue, createWorker, jobIdOf } from '../lib/integrations/bullmq';
import { prometheusMetrics } from '../lib/integrations/metrics';
import { openTelemetry } from '../lib/integrations/otel';
import { createApp, credentials, expressVersions, textEvent } from './helpers/app';
import { scrape } from './helpers/prometheus';
import { childOf, useInMemoryTracing } from './helpers/tracing';
import { useQueueOnRedis } from './helpers/bullmq-queue';
import { describeWithRedis, redisCommand, type RedisServer } from './helpers/redis-server';
import { lineSink } from './helpers/logs';
import { until } from './helpers/wait';

// The web tier and the worker through a real BullMQ queue on a real Redis: the worker's metrics, its
// spans (continuing the web tier's trace from what travelled with the job) and its log lines.
const TEXT = 'whatsapp_mo_message_received';
const { appTracer, spans, only, serverSpan } = useInMemoryTracing();

describeWithRedis('observability through a BullMQ queue', () => {
  let redis: RedisServer;
  let queue: Queue;
  let name: string;
  const { startWorker } = useQueueOnRedis((env) => ({ redis, queue, name } = env), { onError: () => undefined });

  describe.each(expressVersions)('%s', (_label, express) => {
    test("the worker's process span continues the web tier's send span; the handler's spans are its children", async () => {
      const { app } = createApp(express, { queue: bullmqQueue(queue), observers: [openTelemetry()] }, { before: [serverSpan] });
      let handled = 0;
      startWorker({
        observers: [openTelemetry()],
        on: {
          [TEXT]: () => {
            appTracer.startSpan('send the reply').end();
            handled += 1;
          },
        },
      });
      await request(app).post('/webhook').set(credentials).send(textEvent()).expect(200);
      await until(() => spans().some((span) => span.name === `process ${TEXT}`), 'the worker span');
      expect(handled).toBe(1);
      const send = only(`send ${TEXT}`);
      const processed = only(`process ${TEXT}`);
      expect(childOf(send, only('POST /webhook'))).toBe(true);
      expect(processed.kind).toBe(SpanKind.CONSUMER);
      expect(childOf(processed, send)).toBe(true);
      expect(childOf(only('send the reply'), processed)).toBe(true);
      expect(processed.attributes['messaging.operation.type']).toBe('process');
      expect(processed.status.code).toBe(SpanStatusCode.UNSET);
    });
  });

  test("a job that carries no trace context starts a trace of its own, not a child of the worker's creation", async () => {
    // The web tier traces nothing, so its jobs carry no context.
    const { app } = createApp(expressVersions[1][1], { queue: bullmqQueue(queue) });
    // The app creates its worker inside a span of its own (a start-up span, an instrumented bootstrap).
    const startup = appTracer.startSpan('app start-up');
    context.with(trace.setSpan(ROOT_CONTEXT, startup), () => {
      startWorker({ observers: [openTelemetry()], on: { [TEXT]: () => undefined } });
    });
    startup.end();
    await request(app).post('/webhook').set(credentials).send(textEvent()).expect(200);
    await request(app).post('/webhook').set(credentials).send(textEvent()).expect(200);
    await until(() => spans().filter((span) => span.name === `process ${TEXT}`).length === 2, 'two worker spans');
    const processed = spans().filter((span) => span.name === `process ${TEXT}`);
    for (const span of processed) {
      expect(span.parentSpanContext).toBeUndefined();
      expect(span.spanContext().traceId).not.toBe(startup.spanContext().traceId);
    }
    expect(processed[0]?.spanContext().traceId).not.toBe(processed[1]?.spanContext().traceId);
  });

  test('a failing try marks its span with error.type; the retry that succeeds is a span of the same trace', async () => {
    const { app } = createApp(expressVersions[1][1], {
      queue: bullmqQueue(queue, { attempts: 2, backoff: { type: 'fixed', delay: 20 } }),
      observers: [openTelemetry()],
    });
    let calls = 0;
    startWorker({
      observers: [openTelemetry()],
      on: {
        [TEXT]: () => {
          calls += 1;
          if (calls === 1) throw new Error('boom');
        },
      },
    });
    await request(app).post('/webhook').set(credentials).send(textEvent()).expect(200);
    await until(() => spans().filter((span) => span.name === `process ${TEXT}`).length === 2, 'two tries');
    const send = only(`send ${TEXT}`);
    const [first, second] = spans().filter((span) => span.name === `process ${TEXT}`) as [ReadableSpan, ReadableSpan];
    expect(first.status.code).toBe(SpanStatusCode.ERROR);
    expect(first.attributes['error.type']).toBe('handler_failed');
    expect(second.status.code).toBe(SpanStatusCode.UNSET);
    expect(childOf(first, send) && childOf(second, send)).toBe(true);
  });

  test('a Redis that stops answering does not stall the scrape: the queue depth keeps its last values', async () => {
    const registry = new Registry();
    const metrics = prometheusMetrics({ registry, queueCountsTimeoutMs: 200 });
    metrics.watchQueue(queue, name);
    await bullmqQueue(queue).enqueue(textEvent() as never);
    expect((await scrape(registry)).value('innopaas_webhook_queue_jobs', { queue: name, state: 'waiting' })).toBe(1);
    // Every client's commands (a new client's too) wait for 1.5 s: BullMQ's count cannot answer in time.
    await redisCommand(redis.port, ['CLIENT', 'PAUSE', '1500', 'ALL']);
    const paused = Date.now();
    try {
      const stalled = new Promise<'stalled'>((resolve) => setTimeout(() => resolve('stalled'), 1_000));
      const scraped = await Promise.race([scrape(registry), stalled]);
      expect(scraped).not.toBe('stalled');
      if (scraped === 'stalled') return;
      expect(scraped.value('innopaas_webhook_queue_jobs', { queue: name, state: 'waiting' })).toBe(1);
      expect(scraped.text).toContain('innopaas_webhook_responses_total');
    } finally {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, paused + 1_600 - Date.now())));
    }
  });

  test('a try whose job BullMQ could not complete (its lock lost) is not counted or logged as completed', async () => {
    const registry = new Registry();
    const log = lineSink();
    const errors: string[] = [];
    let calls = 0;
    startWorker({
      // A lock of 300 ms, and no stall check within the test: the job stays active once its lock is lost.
      lockDurationMs: 300,
      stalledIntervalMs: 60_000,
      observers: [prometheusMetrics({ registry })],
      logger: log.logger,
      onError: (error) => void errors.push(error.message),
      on: {
        [TEXT]: () => {
          calls += 1;
          // Holds the event loop past the lock (the documented hazard): BullMQ cannot renew it.
          for (const end = Date.now() + 1_000; Date.now() < end;);
        },
      },
    });
    const event = textEvent();
    await bullmqQueue(queue).enqueue(event as never);
    await until(() => errors.some((message) => /Missing lock/.test(message)), 'the lost lock reported');
    expect(calls).toBe(1);
    expect(await queue.getJobState(jobIdOf(event.id as string))).toBe('active');
    const { value } = await scrape(registry);
    expect(value('innopaas_webhook_jobs_total', { outcome: 'completed' })).toBe(0);
    expect(log.lines.filter((line) => line.msg === 'job completed')).toEqual([]);
  });

  test('prometheusMetrics counts jobs by type and outcome, times handlers, and reports queue depth', async () => {
    const registry = new Registry();
    const metrics = prometheusMetrics({ registry });
    metrics.watchQueue(queue, name);
    const { app } = createApp(expressVersions[1][1], {
      queue: bullmqQueue(queue, { attempts: 1 }),
      observers: [metrics],
    });
    const failing = textEvent('fail');
    const ok = textEvent('ok');
    await request(app).post('/webhook').set(credentials).send(ok).expect(200);
    await request(app).post('/webhook').set(credentials).send(failing).expect(200);
    // Both jobs wait: no worker yet.
    expect((await scrape(registry)).value('innopaas_webhook_queue_jobs', { queue: name, state: 'waiting' })).toBe(2);

    startWorker({
      observers: [metrics],
      on: {
        [TEXT]: (event) => {
          if (event.body.type === 'text' && event.body.text.body === 'fail') throw new Error('no');
        },
      },
    });
    await until(async () => (await queue.getJobCounts('completed', 'failed')).failed === 1, 'the failed job');
    await until(async () => (await queue.getJobCounts('completed')).completed === 1, 'the completed job');
    const read = await scrape(registry);
    expect(read.value('innopaas_webhook_jobs_total', { type: TEXT, outcome: 'completed' })).toBe(1);
    expect(read.value('innopaas_webhook_jobs_total', { type: TEXT, outcome: 'handler_failed' })).toBe(1);
    expect(read.value('innopaas_webhook_handler_duration_seconds_count', { type: TEXT, outcome: 'success' })).toBe(1);
    expect(read.value('innopaas_webhook_handler_duration_seconds_count', { type: TEXT, outcome: 'handler_failed' })).toBe(1);
    // The web tier's answers, beside the worker's jobs: the same registry, no series counted twice.
    expect(read.value('innopaas_webhook_responses_total', { status: '200', code: 'received' })).toBe(2);
    expect(read.value('innopaas_webhook_queue_jobs', { queue: name, state: 'failed' })).toBe(1);
    expect(read.value('innopaas_webhook_queue_jobs', { queue: name, state: 'waiting' })).toBe(0);
    // A job is not a delivery: the event lag is measured once, by the web tier.
    expect(read.value('innopaas_webhook_event_lag_seconds_count')).toBe(2);
  });

  test('a job whose payload is invalid is counted by its problem code', async () => {
    const registry = new Registry();
    await queue.add(TEXT, { event: { id: 'x', type: TEXT }, meta: {} }, { jobId: 'x' });
    startWorker({ observers: [prometheusMetrics({ registry })], on: { [TEXT]: () => undefined } });
    await until(async () => (await queue.getJobState('x')) === 'failed', 'the invalid job');
    const read = await scrape(registry);
    // No envelope, so no type: the bounded label `unknown`.
    expect(read.value('innopaas_webhook_jobs_total', { type: 'unknown', outcome: 'invalid_envelope' })).toBe(1);
  });

  test('a job stopped by close() is counted as shutting_down, and is back in the queue', async () => {
    const registry = new Registry();
    const event = textEvent();
    await bullmqQueue(queue).enqueue(event as never);
    let started = false;
    const worker = startWorker({
      observers: [prometheusMetrics({ registry })],
      on: {
        [TEXT]: (_event, { signal }) =>
          new Promise<void>((_resolve, reject) => {
            started = true;
            signal.addEventListener('abort', () => {
              reject(signal.reason);
            });
          }),
      },
    });
    await until(() => started, 'the handler');
    await worker.close();
    expect(await queue.getJobState(String(event.id))).toBe('waiting');
    const read = await scrape(registry);
    expect(read.value('innopaas_webhook_jobs_total', { type: TEXT, outcome: 'shutting_down' })).toBe(1);
    expect(read.value('innopaas_webhook_jobs_total', { outcome: 'handler_failed' })).toBe(0);
  });

  test('the logger gets a line per job, bound to the event, with credentials-free errors', async () => {
    const { lines, logger } = lineSink();
    const ok = textEvent('ok');
    const failing = textEvent('fail');
    const hand = bullmqQueue(queue, { attempts: 1 });
    await hand.enqueue(ok as never);
    await hand.enqueue(failing as never);
    startWorker({
      logger,
      on: {
        [TEXT]: (event) => {
          if (event.body.type === 'text' && event.body.text.body === 'fail') throw new Error('database down');
        },
      },
    });
    await until(() => lines.filter((line) => String(line.msg).startsWith('job ')).length === 2, 'two job lines');
    const completed = lines.find((line) => line.msg === 'job completed');
    expect(completed).toMatchObject({ eventId: ok.id, eventType: TEXT, level: 30 });
    const failedHandler = lines.find((line) => line.msg === 'handler failed');
    expect(failedHandler).toMatchObject({ eventId: failing.id, level: 50, err: { code: 'handler_failed' } });
    expect(String((failedHandler?.err as { cause?: string } | undefined)?.cause)).toContain('database down');
    expect(lines.find((line) => line.msg === 'job failed')).toMatchObject({
      eventId: failing.id,
      code: 'handler_failed',
      level: 40,
    });
  });

  test('observer and logger options are checked at creation', () => {
    expect(() => createWorker({ queueName: name, connection: { url: redis.url }, observers: {} as never })).toThrow(/observers/);
    expect(() => createWorker({ queueName: name, connection: { url: redis.url }, logger: {} as never })).toThrow(/logger/);
  });
});
