import {
  type Attributes,
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import type { DedupeOutcome, DeliveryAnswer, DeliveryObservation, DeliveryObserver, DeliveryStart } from '../core/observer';
import type { InnopaasWebhookError } from '../core/errors';
import { fail, rejectUnknownKeys, show } from '../core/option-checks';

export interface OpenTelemetryOptions {
  /** The tracer to start spans with. Defaults to the global provider's `innopaas-webhook` tracer. */
  tracer?: Tracer;
}

/** A plain object that travels with a queued job (BullMQ job data): W3C `traceparent` and `tracestate`. */
export type TraceCarrier = Record<string, unknown>;

/**
 * Writes the trace context (by default the active one) into `meta` with the globally registered
 * propagator (W3C Trace Context with the OpenTelemetry SDK's defaults), and returns `meta`.
 */
export function injectTraceContext<T extends TraceCarrier>(meta: T, from: Context = context.active()): T {
  propagation.inject(from, meta);
  return meta;
}

/** The context `meta` carries (see {@link injectTraceContext}), on top of the active one. */
export function extractTraceContext(meta: Readonly<TraceCarrier> | undefined, into: Context = context.active()): Context {
  return meta && typeof meta === 'object' ? propagation.extract(into, meta) : into;
}

/**
 * Traces for the `observers` option (and the queue worker's): one span per event, following
 * OpenTelemetry's messaging conventions. In the middleware it is a `process` consumer span, a child
 * of whatever span is active when the request reaches it (the HTTP server span of the HTTP
 * instrumentation); with a queue it is a `send` producer span, whose context travels with the job
 * (`meta`), and the worker's `process` span continues that trace. The handler runs inside the span,
 * so that spans it starts are its children. A failure sets `error.type` to the problem code.
 */
export function openTelemetry(options: OpenTelemetryOptions = {}): DeliveryObserver {
  if (typeof options !== 'object' || options === null)
    fail('options', `must be an object (got ${show(options)})`, 'Pass `{ tracer }` or nothing.');
  rejectUnknownKeys('', options, ['tracer']);
  if (options.tracer !== undefined && typeof (options.tracer as Partial<Tracer> | null)?.startSpan !== 'function')
    fail(
      'tracer',
      `must be an OpenTelemetry Tracer (got ${show(options.tracer)})`,
      "Pass `trace.getTracer('my-app')`, or leave it out.",
    );
  // Asked for once: the global provider hands out a proxy that follows an SDK registered later.
  const tracer = options.tracer ?? trace.getTracer('innopaas-webhook');
  return {
    begin(start) {
      // The parent is read now, in the request's own context: by the time the body has been read,
      // the active context is the socket's, not the request's.
      // A job's parent is only what travelled with it: the context active in the worker is the one of
      // whatever ran when it was created, and would make every job a child of that span.
      const parent = start.source === 'job' ? extractTraceContext(start.meta, ROOT_CONTEXT) : context.active();
      return new TracedDelivery(tracer, start, parent);
    },
  };
}

class TracedDelivery implements DeliveryObservation {
  private span: Span | undefined;
  private spanContext: Context | undefined;
  private handledYet = false;
  private answeredYet = false;
  private failed = false;

  constructor(
    private readonly tracer: Tracer,
    private readonly start: DeliveryStart,
    private readonly parent: Context,
  ) {}

  event(event: { id: string; type: unknown }, _type: string, lagMs: number | undefined): void {
    const send = this.start.handsOff;
    const operation = send ? 'send' : 'process';
    const attributes: Attributes = {
      'messaging.system': 'innopaas',
      'messaging.operation.name': operation,
      'messaging.operation.type': operation,
      'messaging.message.id': event.id,
      'innopaas.event.type': String(event.type),
    };
    if (lagMs !== undefined) attributes['innopaas.event.lag_ms'] = lagMs;
    this.span = this.tracer.startSpan(
      // Low-cardinality names: the operation and the catalogue type.
      `${operation} ${_type}`,
      { kind: send ? SpanKind.PRODUCER : SpanKind.CONSUMER, attributes, startTime: this.start.receivedAt },
      this.parent,
    );
    this.spanContext = trace.setSpan(this.parent, this.span);
  }

  dedupe(outcome: DedupeOutcome): void {
    this.span?.setAttribute('innopaas.dedupe.outcome', outcome);
  }

  carry(meta: Record<string, unknown>): void {
    if (this.spanContext) propagation.inject(this.spanContext, meta);
  }

  run<T>(work: () => T): T {
    if (!this.spanContext) return work();
    return context.with(this.spanContext, work);
  }

  handled(failure: InnopaasWebhookError | undefined): void {
    this.handledYet = true;
    if (failure) this.fail(failure.code, failure.message);
    if (this.answeredYet) this.span?.end();
  }

  answered(answer: DeliveryAnswer): void {
    this.answeredYet = true;
    const span = this.span;
    if (!span) return;
    span.setAttribute('innopaas.response.status', answer.status);
    if (answer.error && !this.failed) this.fail(answer.code, answer.error.message);
    // A 200 before the handler settled is `ack: 'immediately'`: the handler's end ends the span.
    if (answer.code === 'received' && !this.handledYet && !this.start.handsOff) return;
    span.end();
  }

  private fail(code: string, message: string): void {
    this.failed = true;
    // The message is the library's (a handler's error redacted of the credentials), never the raw cause.
    this.span?.setAttribute('error.type', code);
    this.span?.setStatus({ code: SpanStatusCode.ERROR, message });
  }
}
