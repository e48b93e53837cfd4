import type { IncomingMessage } from 'node:http';
import type { Credentials } from '../stages/credentials';
import type { EventQueue } from '../delivery/queue';
import type { DedupeStore } from '../delivery/types';
import type { HandlerContext } from './dispatch';
import type { LoggerLike } from './logger';
import type { DeliveryObserver } from './observer';
import type { InnopaasWebhookError, ValidationProblem } from './errors';
import type { EventMap, EventType, InnopaasEvent, UnknownEvent } from '../events';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The validated InnoPaaS event, set by `innopaasWebhook()` before any handler runs. */
      innopaasEvent?: InnopaasEvent | UnknownEvent;
    }
  }
}

/**
 * The request as handlers see it: Node's `IncomingMessage` plus whatever the app's `Express.Request`
 * declares (with Express types installed, every augmentation of `req`, `innopaasEvent` included).
 */
export type WebhookRequest = IncomingMessage & Express.Request;

/**
 * A handler: the event, the request it came in, and its context (`signal` fires when its time is up or
 * the receiver closes). It may be sync or async.
 */
export type EventHandler<E, Req = WebhookRequest> = (event: E, req: Req, context: HandlerContext) => void | Promise<void>;

/** One optional handler per event type, each typed with its own event. */
export type EventHandlers<Req = WebhookRequest> = { [K in EventType]?: EventHandler<EventMap[K], Req> };

/** What `onInvalidEvent` receives about a rejected delivery. */
export interface InvalidEventInfo {
  /** The error the middleware answers with (`invalid_envelope`, `invalid_event`, `batch_not_supported`…). */
  error: InnopaasWebhookError;
  /** JSON paths that failed, empty when the payload was not an object at all. */
  problems: ValidationProblem[];
  /** The parsed JSON as received. Handle with care: it failed validation. */
  payload: unknown;
}

/** Context given to `onError`. */
export interface ErrorContext<Req = WebhookRequest> {
  req: Req;
  /** The event being handled, when the error happened after validation. */
  event?: InnopaasEvent | UnknownEvent;
}

export interface DedupeOptions {
  /** Where claims and completion marks live. Defaults to a `MemoryStore` (per process). */
  store?: DedupeStore;
  /** How long a completed event is remembered. Defaults to 24 hours. */
  ttlMs?: number;
  /**
   * How long a claim lives unless renewed; a crashed instance's claim expires after it. A running
   * handler renews its claim every third of it when the store can (`RedisStore` does). Defaults to
   * 15 seconds, or `handlerTimeoutMs` + 5 seconds when that is longer.
   */
  claimTtlMs?: number;
  /** Entries of the default in-memory store. Defaults to 100,000. Ignored when `store` is given. */
  maxEntries?: number;
  /** The dedupe key of an event. Defaults to the envelope `id`. */
  key?: (event: InnopaasEvent | UnknownEvent) => string;
  /**
   * What to do when the store fails or exceeds `timeoutMs`: `'closed'` answers 503 (InnoPaaS retries
   * later), `'open'` handles the event without dedupe. Both report through `onError`. Defaults to `'closed'`.
   */
  failMode?: 'closed' | 'open';
  /** Longest wait for one store operation. Defaults to 2,000 ms. */
  timeoutMs?: number;
}

export interface InnopaasWebhookOptions<Req = WebhookRequest> {
  /** Expected `UserName` header (as typed in the InnoPaaS console). Pair it with `authorization`. */
  userName?: string;
  /** Expected `Authorization` header, compared verbatim (no `Bearer`/`Basic` scheme is assumed). */
  authorization?: string;
  /** Several accepted pairs, for rotating credentials without downtime. */
  credentials?: readonly Credentials[];
  /** Accept requests without checking credentials. Defaults to false; only for local experiments. */
  insecureNoAuth?: boolean;
  /** Handlers per event type. */
  on?: EventHandlers<Req>;
  /** Called for a valid envelope whose `type` is not in the catalogue. Its failure is a handler failure. */
  onUnknownEvent?: EventHandler<UnknownEvent, Req>;
  /** Called for every delivery rejected by validation (nothing is dropped silently). */
  onInvalidEvent?: (info: InvalidEventInfo, req: Req) => void | Promise<void>;
  /** Called when an already handled event arrives again (handlers are not called). */
  onDuplicate?: (event: InnopaasEvent | UnknownEvent, req: Req) => void;
  /** Called for handler failures, timeouts, dedupe store failures and hook failures. */
  onError?: (error: InnopaasWebhookError, context: ErrorContext<Req>) => void;
  /** Accepted HTTP methods. Defaults to `['POST']`. */
  methods?: readonly string[];
  /** Largest accepted body, in bytes or as a string such as `'512kb'`. Defaults to `'1mb'`. */
  limit?: number | string;
  /** Longest time to receive the body before answering 408. Defaults to 10,000 ms. */
  bodyTimeoutMs?: number;
  /**
   * `'reject'` answers an invalid event with 400 (a sender that retries will retry); `'acknowledge'`
   * answers 200 so InnoPaaS does not retry. `onInvalidEvent` is called either way. Defaults to `'reject'`.
   */
  invalidEvents?: 'reject' | 'acknowledge';
  /**
   * `'none'`: the middleware answers every error itself. `'handler'`: handler failures go to
   * `next(err)`, for the app's error handler. `'all'`: every rejection goes to `next(err)`. Defaults to `'none'`.
   */
  forwardErrors?: 'none' | 'handler' | 'all';
  /** Call `next()` after the handlers succeed, so a later route answers. Defaults to false. */
  passThrough?: boolean;
  /**
   * `'after-handlers'`: answer once the handlers resolved (a failure becomes a 5xx and a redelivery).
   * `'immediately'`: answer 200 once the event is validated and claimed, run handlers in the
   * background (await them with `drain()`). Defaults to `'after-handlers'`.
   */
  ack?: 'after-handlers' | 'immediately';
  /**
   * A handler still running after this long fails with `handler_timeout` (503, claim released) and its
   * `context.signal` fires; `onInvalidEvent` is bounded by it too. Defaults to 10,000 ms.
   */
  handlerTimeoutMs?: number;
  /**
   * Durable hand-off: once authenticated and validated, the event is written to this queue and only
   * then answered 200 (503 when the queue fails or times out). Handlers then run in the queue's worker,
   * so `on`, `onUnknownEvent`, `dedupe`, `ack` and `passThrough` are not accepted with it. Defaults to none.
   */
  queue?: EventQueue;
  /** Longest wait for `queue.enqueue()` before answering 503. Defaults to 2,000 ms. */
  queueTimeoutMs?: number;
  /** Dedupe by event id; `false` turns it off. Defaults to an in-memory store. */
  dedupe?: false | DedupeOptions;
  /** Zone of timestamps written without one (`2023-02-22 12:00:00`): `'UTC'`, `'+08:00'` or an IANA name. Defaults to `'UTC'`. */
  timeZone?: string;
  /** Reject events whose `eventTime` is older than this (replay protection). Defaults to none. */
  maxEventAgeMs?: number;
  /** Extra gate run before the credentials, e.g. an IP allow-list; `false` answers 403. Defaults to none. */
  allowRequest?: (req: Req) => boolean;
  /**
   * Metrics and traces: `prometheusMetrics({ registry })` from `innopaas-webhook/metrics`,
   * `openTelemetry()` from `innopaas-webhook/otel`, or your own `DeliveryObserver`s. Defaults to none.
   */
  observers?: readonly DeliveryObserver[];
  /**
   * A pino-compatible logger (levels and `child`): one line per delivery, with the event's id and type
   * bound, credentials redacted. Defaults to none (`DEBUG=innopaas-webhook` still traces the library).
   */
  logger?: LoggerLike;
}
