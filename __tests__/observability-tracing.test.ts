import { context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Registry } from 'prom-client';
import request from 'supertest';
import type { EventQueue } from '../lib';
import { Dispatcher, HandlerRun } from '../lib/core/dispatch';
import { resolveObservers } from '../lib/core/observer';
import { prometheusMetrics } from '../lib/integrations/metrics';
import { extractTraceContext, injectTraceContext, openTelemetry } from '../lib/integrations/otel';
import { AUTH, createApp, credentials, expressVersions, textEvent } from './helpers/app';
import { scrape } from './helpers/prometheus';
import { childOf, useInMemoryTracing } from './helpers/tracing';

const TEXT = 'whatsapp_mo_message_received';
const { provider, appTracer, spans, named, only, serverSpan } = useInMemoryTracing();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(expressVersions)('OpenTelemetry spans (%s)', (_name, express) => {
  test('one consumer span per event, with the messaging attributes, a child of the HTTP server span', async () => {
    const { app } = createApp(
      express,
      { observers: [openTelemetry()], on: { [TEXT]: async () => {} } },
      { before: [serverSpan] },
    );
    const event = textEvent();
    await request(app).post('/webhook').set(credentials).send(event).expect(200);
    const span = only(`process ${TEXT}`);
    expect(span.kind).toBe(SpanKind.CONSUMER);
    expect(span.attributes).toMatchObject({
      'messaging.system': 'innopaas',
      'messaging.operation.name': 'process',
      'messaging.operation.type': 'process',
      'messaging.message.id': event.id,
      'innopaas.event.type': TEXT,
      'innopaas.dedupe.outcome': 'claimed',
      'innopaas.response.status': 200,
    });
    expect(span.attributes['error.type']).toBeUndefined();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(childOf(span, only('POST /webhook'))).toBe(true);
  });

  test("spans the handler starts are children of the event's span, across awaits", async () => {
    const { app } = createApp(
      express,
      {
        observers: [openTelemetry()],
        on: {
          [TEXT]: async () => {
            await sleep(5);
            await appTracer.startActiveSpan('save to database', async (span: Span) => {
              await sleep(5);
              span.end();
            });
          },
        },
      },
      { before: [serverSpan] },
    );
    await request(app).post('/webhook').set(credentials).send(textEvent()).expect(200);
    expect(childOf(only('save to database'), only(`process ${TEXT}`))).toBe(true);
  });

  test('without an active span the event span is a root; requests refused before validation make none', async () => {
    const { app } = createApp(express, { observers: [openTelemetry({ tracer: provider.getTracer('given') })] });
    await request(app).post('/webhook').send(textEvent()).expect(401);
    await request(app).post('/webhook').set(credentials).send({}).expect(200);
    expect(spans()).toEqual([]);
    await request(app).post('/webhook').set(credentials).send(textEvent()).expect(200);
    const span = only(`process ${TEXT}`);
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.instrumentationScope.name).toBe('given');
  });

  test('a failing handler: status ERROR, error.type handler_failed, and no credential in the span', async () => {
    const { app } = createApp(express, {
      observers: [openTelemetry()],
      on: {
        [TEXT]: () => {
          throw new Error(`could not log in with ${AUTH}`);
        },
      },
    });
    await request(app).post('/webhook').set(credentials).send(textEvent()).expect(500);
    const span = only(`process ${TEXT}`);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('handler_failed');
    expect(span.status.message).toContain('could not log in with [redacted]');
    expect(JSON.stringify([span.attributes, span.status, span.events])).not.toContain(AUTH);
  });

  test('a redelivery is marked duplicate and is no error; unknown types get a bounded span name', async () => {
    const { app } = createApp(express, { observers: [openTelemetry()] });
    const event = textEvent();
    await request(app).post('/webhook').set(credentials).send(event).expect(200);
    await request(app).post('/webhook').set(credentials).send(event).expect(200);
    const [, second] = named(`process ${TEXT}`);
    expect(second?.attributes['innopaas.dedupe.outcome']).toBe('duplicate');
    expect(second?.status.code).toBe(SpanStatusCode.UNSET);
    await request(app)
      .post('/webhook')
      .set(credentials)
      .send({ ...textEvent(), type: 'some_new_type' })
      .expect(200);
    expect(only('process unknown').attributes['innopaas.event.type']).toBe('some_new_type');
  });

  test("with ack: 'immediately' the span ends when the handler does, not at the answer", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { app, webhook } = createApp(express, {
      ack: 'immediately',
      observers: [openTelemetry()],
      on: { [TEXT]: () => gate },
    });
    await request(app).post('/webhook').set(credentials).send(textEvent()).expect(200);
    expect(spans()).toEqual([]);
    release();
    await webhook.drain();
    expect(only(`process ${TEXT}`).status.code).toBe(SpanStatusCode.UNSET);
  });

  test('through a queue: a send span whose context travels in meta, continued by the worker', async () => {
    const jobs: { event: unknown; meta: Record<string, unknown> | undefined }[] = [];
    const queue: EventQueue = {
      enqueue: (event, meta) => {
        // What BullMQ stores: plain JSON.
        jobs.push(JSON.parse(JSON.stringify({ event, meta })));
        return { status: 'queued' };
      },
    };
    const { app } = createApp(express, { queue, observers: [openTelemetry()] }, { before: [serverSpan] });
    await request(app).post('/webhook').set(credentials).send(textEvent()).expect(200);
    const send = only(`send ${TEXT}`);
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(send.attributes['messaging.operation.type']).toBe('send');
    expect(childOf(send, only('POST /webhook'))).toBe(true);
    const [job] = jobs;
    expect(job?.meta?.traceparent).toBe(`00-${send.spanContext().traceId}-${send.spanContext().spanId}-01`);

    // The worker (another process in production): the same observers, driven as createWorker drives them.
    const observers = resolveObservers([openTelemetry()], undefined, false);
    if (!observers) throw new Error('observers expected');
    const dispatcher = new Dispatcher({
      handlers: new Map([
        [
          TEXT,
          (() => {
            appTracer.startSpan('send the reply').end();
          }) as never,
        ],
      ]),
      onUnknownEvent: undefined,
      timeZone: 'UTC',
      handlerTimeoutMs: 1000,
    });
    const observed = observers.beginJob(job?.meta);
    const { event, known } = dispatcher.parse(job?.event);
    observers.validated(observed, event);
    const handler = dispatcher.handlerOf(event, known);
    if (!handler) throw new Error('handler expected');
    const failure = await observers.runHandler(observed, dispatcher, handler, event, [], new HandlerRun());
    observers.settled(observed, failure);
    observers.finishJob(observed, failure);

    const processed = only(`process ${TEXT}`);
    expect(processed.kind).toBe(SpanKind.CONSUMER);
    expect(childOf(processed, send)).toBe(true);
    expect(childOf(only('send the reply'), processed)).toBe(true);
  });
});

describe('metrics, tracing and the logger at once', () => {
  test('each sees the same delivery; the log line can carry the trace id', async () => {
    const registry = new Registry();
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'info', mixin: () => ({ traceId: trace.getSpanContext(context.active())?.traceId }) },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
          done();
        },
      }),
    );
    const [, express] = expressVersions[1];
    const { app } = createApp(express, {
      observers: [prometheusMetrics({ registry }), openTelemetry()],
      logger,
      on: {
        [TEXT]: () => {
          logger.info('inside the handler');
        },
      },
    });
    const event = textEvent();
    await request(app).post('/webhook').set(credentials).send(event).expect(200);
    const span = only(`process ${TEXT}`);
    expect((await scrape(registry)).value('innopaas_webhook_events_total', { type: TEXT, outcome: 'received' })).toBe(1);
    expect(lines.map((line) => line.msg)).toEqual(['inside the handler', 'answered']);
    // The handler runs inside the event's span: a logger that reads the active context links its lines to it.
    expect(lines[0]?.traceId).toBe(span.spanContext().traceId);
    expect(lines[1]).toMatchObject({ eventId: event.id, eventType: TEXT, status: 200 });
  });
});

describe('trace context helpers for a job', () => {
  test('injectTraceContext writes W3C traceparent into a plain object; extractTraceContext reads it back', () => {
    const span = appTracer.startSpan('enqueue');
    const meta = injectTraceContext({}, trace.setSpan(context.active(), span));
    span.end();
    expect(meta).toEqual({ traceparent: `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01` });
    expect(trace.getSpanContext(extractTraceContext(meta))).toMatchObject({
      traceId: span.spanContext().traceId,
      spanId: span.spanContext().spanId,
      isRemote: true,
    });
    // No meta, or meta without a trace: the context given is returned as it is.
    expect(trace.getSpanContext(extractTraceContext(undefined))).toBeUndefined();
    expect(trace.getSpanContext(extractTraceContext({ other: 'x' }))).toBeUndefined();
  });

  test('bad options are refused with the fix', () => {
    expect(() => openTelemetry({ tracer: {} as never })).toThrow(/option `tracer` must be an OpenTelemetry Tracer/);
    expect(() => openTelemetry({ tracerProvider: provider } as never)).toThrow(/`tracerProvider` is not an option/);
  });
});
