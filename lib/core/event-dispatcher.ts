import type { EventMap, EventType, UnknownEvent } from '../events';
import { checkTimeZone } from '../events/time';
import { decodeBody } from '../stages/body';
import { type AnyEvent, Dispatcher, type HandlerContext, HandlerRun } from './dispatch';
import { InnopaasWebhookError } from './errors';
import { fail, optionalFunction, rejectUnknownKeys, show, timerMs } from './option-checks';
import type { ObservedJob, Observers } from './observer';
import { resolveHandlers } from './options';

/** A handler of an event handled without HTTP: the event, then its context. It may return anything, a promise is awaited. */
export type ContextHandler<E, C = object> = (event: E, context: HandlerContext & C) => unknown;

export interface EventDispatcherOptions<C = object> {
  /** Handlers per event type, as for the middleware, but called with `(event, context)`. */
  on?: { [K in EventType]?: ContextHandler<EventMap[K], C> };
  /** Called for a valid envelope whose `type` is not in the catalogue. */
  onUnknownEvent?: ContextHandler<UnknownEvent, C>;
  /** Zone of timestamps written without one. Defaults to `'UTC'`. */
  timeZone?: string;
  /** A handler still running after this long fails with `handler_timeout`. Defaults to 10,000 ms. */
  handlerTimeoutMs?: number;
}

export interface DispatchResult {
  /** The validated event, with its parsed dates. */
  event: AnyEvent;
  /** Whether a handler ran (false for an unknown type without `onUnknownEvent`). */
  handled: boolean;
}

/**
 * Validates and handles one event received some other way than by HTTP: a queue's job, a line of a
 * log being replayed, a payload in a test. The payload is a parsed object, or JSON as a string or bytes.
 */
export type EventDispatch<C = object> = (payload: unknown, context?: C & { signal?: AbortSignal }) => Promise<DispatchResult>;

/**
 * The middleware's pipeline without HTTP: the same validation, dates and handler selection, and the
 * same bounded handler time. The returned function resolves once the handler succeeded, and rejects
 * with an `InnopaasWebhookError`: `invalid_json`, `invalid_encoding` (bytes that are not UTF-8),
 * `invalid_envelope`, `invalid_event`, `batch_not_supported`, `handler_failed` (the handler's error as `cause`) or `handler_timeout`.
 */
export function createEventDispatcher<C = object>(options: EventDispatcherOptions<C> = {}): EventDispatch<C> {
  const dispatch = buildEventDispatch(options, null);
  return (payload, context) => dispatch(payload, context, undefined);
}

/**
 * `createEventDispatcher` for the queue worker: each call may be followed by `observers` as `job`
 * (begun and finished by the worker, which alone knows how the job ends).
 */
export function buildEventDispatch<C = object>(
  options: EventDispatcherOptions<C>,
  observers: Observers | null,
): (
  payload: unknown,
  context: (C & { signal?: AbortSignal }) | undefined,
  job: ObservedJob | undefined,
) => Promise<DispatchResult> {
  if (typeof options !== 'object' || options === null)
    fail('options', `must be an object (got ${show(options)})`, 'Pass e.g. `{ on: { … } }`.');
  rejectUnknownKeys('', options, ['on', 'onUnknownEvent', 'timeZone', 'handlerTimeoutMs']);
  optionalFunction('onUnknownEvent', options.onUnknownEvent);
  const timeZone = options.timeZone ?? 'UTC';
  const zoneProblem = typeof timeZone === 'string' ? checkTimeZone(timeZone) : 'must be a string';
  if (zoneProblem)
    fail('timeZone', `${zoneProblem} (got ${show(timeZone)})`, "Use 'UTC', an offset like '+08:00' or an IANA name.");
  const dispatcher = new Dispatcher({
    handlers: resolveHandlers(options.on),
    onUnknownEvent: options.onUnknownEvent,
    timeZone,
    handlerTimeoutMs: timerMs('handlerTimeoutMs', options.handlerTimeoutMs, 10_000),
  });

  return async function dispatchEvent(payload, context, job) {
    const parsed =
      typeof payload === 'string' || payload instanceof Uint8Array
        ? decodeBody({ bytes: Buffer.from(payload as string) })
        : payload;
    if (parsed === undefined) throw new InnopaasWebhookError('invalid_envelope', { detail: 'The payload is empty.' });
    const { event, known } = dispatcher.parse(parsed);
    if (job && observers) observers.validated(job, event);
    const handler = dispatcher.handlerOf(event, known);
    if (!handler) {
      if (job && observers) observers.settled(job, undefined);
      return { event, handled: false };
    }
    const run = new HandlerRun();
    const outer = context?.signal;
    const onAbort = () => {
      run.abort(outer?.reason);
    };
    if (outer?.aborted) onAbort();
    else outer?.addEventListener('abort', onAbort, { once: true });
    try {
      const args = [{ ...context, signal: run.signal } as HandlerContext & C];
      const failure = await (job && observers
        ? observers.runHandler(job, dispatcher, handler, event, args, run)
        : dispatcher.run(handler, event, args, run));
      if (job && observers) observers.settled(job, failure);
      if (failure) throw failure;
      return { event, handled: true };
    } finally {
      outer?.removeEventListener('abort', onAbort);
    }
  };
}
