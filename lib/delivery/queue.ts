import type { InnopaasEvent, UnknownEvent } from '../events';

/**
 * Where the middleware hands events off when it is given a `queue`: it answers 200 only once
 * `enqueue` has resolved, and 503 (so the sender retries) when it throws, rejects, times out or answers
 * anything else. Implement it to put events in SQS, pg-boss, a database outbox…; `bullmqQueue()` from
 * `innopaas-webhook/bullmq` is the one this package ships.
 */
export interface EventQueue {
  /**
   * Writes the event durably. The event is the payload as received and validated (`JSON.stringify`
   * gives it back; the parsed dates are not part of it). Two calls with the same `event.id` must queue
   * it once: answer `{ status: 'duplicate' }` for the second while the first is kept.
   *
   * `meta` is given when observers are configured: what must travel with the job to the worker (the
   * trace context of `innopaas-webhook/otel`). Store it beside the event; plain strings, JSON-safe.
   */
  enqueue(event: InnopaasEvent | UnknownEvent, meta?: Record<string, unknown>): EnqueueResult | PromiseLike<EnqueueResult>;
}

export type EnqueueResult = { readonly status: 'queued' } | { readonly status: 'duplicate' };
