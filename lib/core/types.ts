import type { IncomingMessage } from 'node:http';
import type { Credentials } from '../stages/credentials';
import type { EventQueue } from '../delivery/queue';
import type { DedupeStore } from '../delivery/types';
import type { HandlerContext } from './dispatch';
import type { LoggerLike } from './logger';
import type { DeliveryObserver } from './observer';
import type { InnopaasWebhookError, ValidationProblem } from './errors';
import type { EventMap, EventType, UnknownEvent, WebhookEvent } from '../events';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /**
       * The validated InnoPaaS event, set by `innopaasWebhook()` before any handler runs. Comparing its
       * `type` with a catalogue name narrows it: `if (ev?.type === 'whatsapp_mo_message_received') ev.body.from`.
       */
      innopaasEvent?: WebhookEvent;
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
 * the receiver closes). It may be sync or async and return anything: a promise (or any thenable) is
 * awaited and its rejection is a failure, so `(event) => db.query(…)` needs no braces.
 */
export type EventHandler<E, Req = WebhookRequest> = (event: E, req: Req, context: HandlerContext) => unknown;

/** One optional handler per event type, each typed with its own event. */
export type EventHandlers<Req = WebhookRequest> = { [K in EventType]?: EventHandler<EventMap[K], Req> | undefined };

/** What `onInvalidEvent` receives about a rejected delivery. */
export interface InvalidEventInfo {
  /** The error the middleware answers with (`invalid_envelope`, `invalid_event`, `batch_not_supported`…). */
  error: InnopaasWebhookError;
  /**
   * The failed checks by JSON path: empty for a batch (an array) and for an event too old; a payload that
   * is not an object gives one problem at path `''`.
   */
  problems: ValidationProblem[];
  /** The parsed JSON as received. Handle with care: it failed validation. */
  payload: unknown;
}

/** `onError`: what to do with a failure the answer alone would not show. */
export type ErrorHook<Req = WebhookRequest> = (error: InnopaasWebhookError, context: ErrorContext<Req>) => void;

/** Context given to `onError`. */
export interface ErrorContext<Req = WebhookRequest> {
  req: Req;
  /** The event being handled, when the error happened after validation. */
  event?: WebhookEvent;
}

export interface DedupeOptions {
  /** Where claims and completion marks live. Defaults to a `MemoryStore` (per process). */
  store?: DedupeStore | undefined;
  /** How long a completed event is remembered. Defaults to 24 hours. */
  ttlMs?: number | undefined;
  /**
   * How long a claim lives unless renewed; a crashed instance's claim expires after it. A running
   * handler renews its claim every third of it when the store can (`RedisStore` does). Defaults to
   * 15 seconds, or `handlerTimeoutMs` + 5 seconds when that is longer.
   */
  claimTtlMs?: number | undefined;
  /** Entries of the default in-memory store. Defaults to 100,000. Ignored when `store` is given. */
  maxEntries?: number | undefined;
  /**
   * The dedupe key of an event: synchronous (an `async` function is refused at creation), a non-empty
   * string. A key that is not one, is blank, or is `'undefined'`, `'null'`, `'NaN'` or `'[object …]'` (what a
   * bug makes of a missing value), answers 503 `dedupe_unavailable` and is reported to `onError`: nothing is
   * claimed, and the sender retries. Defaults to the envelope `id`.
   */
  key?: ((event: WebhookEvent) => string) | undefined;
  /**
   * What to do when the store fails or exceeds `timeoutMs`: `'closed'` answers 503 (InnoPaaS retries
   * later), `'open'` handles the event without dedupe. Both report through `onError`. Defaults to `'closed'`.
   */
  failMode?: 'closed' | 'open' | undefined;
  /** Longest wait for one store operation. Defaults to 2,000 ms. */
  timeoutMs?: number | undefined;
}

export interface InnopaasWebhookOptions<Req = WebhookRequest> {
  /** Expected `UserName` header (as typed in the InnoPaaS console). Pair it with `authorization`. */
  userName?: string | undefined;
  /** Expected `Authorization` header, compared verbatim (no `Bearer`/`Basic` scheme is assumed). */
  authorization?: string | undefined;
  /** Several accepted pairs, for rotating credentials without downtime. */
  credentials?: readonly Credentials[] | undefined;
  /** Accept requests without checking credentials. Defaults to false; only for local experiments. */
  insecureNoAuth?: boolean | undefined;
  /** Handlers per event type. */
  on?: EventHandlers<Req> | undefined;
  /** Called for a valid envelope whose `type` is not in the catalogue. Its failure is a handler failure. */
  onUnknownEvent?: EventHandler<UnknownEvent, Req> | undefined;
  /** Called for every delivery rejected by validation (nothing is dropped silently). */
  onInvalidEvent?: ((info: InvalidEventInfo, req: Req) => unknown) | undefined;
  /**
   * Called when an already handled event arrives again (handlers are not called); with `queue`, when the
   * queue answers that it already holds the event.
   */
  onDuplicate?: ((event: WebhookEvent, req: Req) => void) | undefined;
  /**
   * Called for handler failures, timeouts, dedupe store failures and hook failures; a handler's own
   * error is `error.cause`. Defaults to printing each one on stderr (`console.error`), message then the
   * cause's stack; `false` prints nothing.
   */
  onError?: ErrorHook<Req> | false | undefined;
  /** Accepted HTTP methods. Defaults to `['POST']`. */
  methods?: readonly string[] | undefined;
  /**
   * Largest accepted body: a number of bytes, or a size in `b`, `kb`, `mb` or `gb` such as `'512kb'` (any
   * other unit throws, `'1m'` included). Defaults to `'1mb'`.
   */
  limit?: number | string | undefined;
  /** Longest time to receive the body before answering 408. Defaults to 10,000 ms. */
  bodyTimeoutMs?: number | undefined;
  /**
   * `'reject'` answers an invalid event with 400 (a sender that retries will retry); `'acknowledge'`
   * answers 200 so InnoPaaS does not retry. `onInvalidEvent` is called either way. Defaults to `'reject'`.
   */
  invalidEvents?: 'reject' | 'acknowledge' | undefined;
  /**
   * `'none'`: the middleware answers every error itself. `'handler'`: handler failures go to
   * `next(err)`, for the app's error handler. `'all'`: every rejection goes to `next(err)`. Defaults to `'none'`.
   */
  forwardErrors?: 'none' | 'handler' | 'all' | undefined;
  /** Call `next()` after the handlers succeed, so a later route answers. Defaults to false. */
  passThrough?: boolean | undefined;
  /**
   * `'after-handlers'`: answer once the handlers resolved (a failure becomes a 5xx and a redelivery).
   * `'immediately'`: answer 200 once the event is validated and claimed, run handlers in the
   * background (await them with `drain()`). Defaults to `'after-handlers'`.
   */
  ack?: 'after-handlers' | 'immediately' | undefined;
  /**
   * A handler still running after this long fails with `handler_timeout` (503, claim released) and its
   * `context.signal` fires; `onInvalidEvent` is bounded by it too. Defaults to 10,000 ms.
   */
  handlerTimeoutMs?: number | undefined;
  /**
   * Durable hand-off: once authenticated and validated, the event is written to this queue and only
   * then answered 200 (503 when the queue fails or times out). Handlers then run in the queue's worker,
   * so `on`, `onUnknownEvent`, `dedupe`, `ack` and `passThrough` are not accepted with it. Defaults to none.
   */
  queue?: EventQueue | undefined;
  /** Longest wait for `queue.enqueue()` before answering 503. Defaults to 2,000 ms. */
  queueTimeoutMs?: number | undefined;
  /** Dedupe by event id; `false` turns it off. Defaults to an in-memory store. */
  dedupe?: false | DedupeOptions | undefined;
  /** Zone of timestamps written without one (`2023-02-22 12:00:00`): `'UTC'`, `'+08:00'` or an IANA name. Defaults to `'UTC'`. */
  timeZone?: string | undefined;
  /** Reject events whose `eventTime` is older than this, or unreadable (replay protection). Defaults to none. */
  maxEventAgeMs?: number | undefined;
  /**
   * Extra gate run before the credentials, e.g. an IP allow-list: `true` lets the request on, anything
   * else (or a throw) answers 403. It may be async (awaited, bounded by `handlerTimeoutMs`). Defaults to none.
   */
  allowRequest?: ((req: Req) => boolean | PromiseLike<boolean>) | undefined;
  /**
   * Metrics and traces: `prometheusMetrics({ registry })` from `innopaas-webhook/metrics`,
   * `openTelemetry()` from `innopaas-webhook/otel`, or your own `DeliveryObserver`s. Defaults to none.
   */
  observers?: readonly DeliveryObserver[] | undefined;
  /**
   * A pino-compatible logger (levels and `child`): one line per delivery, with the event's id and type
   * bound, credentials redacted. Defaults to none (`DEBUG=innopaas-webhook` still traces the library).
   */
  logger?: LoggerLike | undefined;
}
