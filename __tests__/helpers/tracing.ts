import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { RequestHandler } from 'express';

/**
 * The OpenTelemetry SDK as an app registers it (context on AsyncLocalStorage, W3C propagation), with
 * finished spans kept in memory. Registered for the calling test file's lifetime.
 */
export function useInMemoryTracing() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const appTracer = provider.getTracer('the-app');
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(provider);
  });
  afterAll(async () => {
    await provider.shutdown();
    context.disable();
    propagation.disable();
    trace.disable();
  });
  beforeEach(() => {
    exporter.reset();
  });

  const spans = () => exporter.getFinishedSpans();
  const named = (name: string) => spans().filter((span) => span.name === name);
  const only = (name: string): ReadableSpan => {
    const found = named(name);
    if (found.length !== 1)
      throw new Error(
        `expected one span ${name}, got ${
          spans()
            .map((s) => s.name)
            .join(', ') || 'none'
        }`,
      );
    return found[0] as ReadableSpan;
  };

  /** What the HTTP instrumentation does for every request: a server span, active while the app runs. */
  const serverSpan: RequestHandler = (_req, res, next) => {
    const span = appTracer.startSpan('POST /webhook', { kind: SpanKind.SERVER });
    res.once('finish', () => {
      span.end();
    });
    context.with(trace.setSpan(context.active(), span), next);
  };

  return { exporter, provider, appTracer, spans, named, only, serverSpan };
}

export const childOf = (child: ReadableSpan, parent: ReadableSpan) =>
  child.spanContext().traceId === parent.spanContext().traceId && child.parentSpanContext?.spanId === parent.spanContext().spanId;
