import type { IncomingHttpHeaders } from 'node:http';
import createDebug from 'debug';
import { canonicalEventType, type EventType } from '../events';
import { parseInnopaasTime } from '../events/time';
import type { BodyCallback } from '../stages/body';
import type { DedupeClaim } from '../delivery/deduper';
import type { EnqueueResult, EventQueue } from '../delivery/queue';
import { dropResult, isThenable } from './async';
import type { AnyEvent, AnyHandler, Dispatcher, HandlerOutcome, HandlerRun } from './dispatch';
import { describeThrown, type InnopaasWebhookError, type ProblemCode } from './errors';
import { fail, show } from './option-checks';
import { CONNECTIVITY, DUPLICATE, INVALID_ACKNOWLEDGED, type Outcome, problemOutcome, RECEIVED } from './outcome';
import type { ReceiverRequest } from './receiver';

const log = createDebug('innopaas-webhook');

/**
 * Telemetry subscribes to what the receiver reports through this interface, so the core never loads
 * prom-client or OpenTelemetry. `innopaas-webhook/metrics` and `innopaas-webhook/otel` implement it,
 * and so does the `logger` option; an app may write its own.
 */
export interface DeliveryObserver {
  /**
   * A request (or a queue job) begins. Returns what follows this one delivery, or `undefined` to let it
   * pass unobserved. Called on the request path: keep it cheap.
   */
  begin(start: DeliveryStart): DeliveryObservation | undefined;
}

export interface DeliveryStart {
  /** `request`: an HTTP delivery to the middleware; `job`: an event taken from a queue by a worker. */
  readonly source: 'request' | 'job';
  /** `Date.now()` when it arrived. */
  readonly receivedAt: number;
  /** For a job: what travelled with it (the trace context among others). */
  readonly meta?: Readonly<Record<string, unknown>>;
  /** With a queue, the middleware hands events on instead of handling them. */
  readonly handsOff: boolean;
}

/** How the dedupe claim of an event went. */
export type DedupeOutcome = 'claimed' | 'duplicate' | 'in_progress' | 'store_failure';

/** Names of the answers that are not errors; an error answer is named by its problem code. */
export type AnswerCode = 'received' | 'duplicate' | 'connectivity_test' | 'invalid_acknowledged' | 'passed_on' | ProblemCode;

/** The answer to one delivery. */
export interface DeliveryAnswer {
  /** The HTTP status; with `forwardErrors`/`passThrough`, the one the middleware stands for (`next()` is 200). */
  readonly status: number;
  readonly code: AnswerCode;
  /** The error behind an error answer. */
  readonly error: InnopaasWebhookError | undefined;
}

/**
 * One delivery, followed from its start to its answer. Every member is optional; none may throw into
 * the request (a throw is caught and logged with `debug`).
 */
export interface DeliveryObservation {
  // Each member may throw or return a promise that rejects: the request goes on, and the failure is a
  // `DEBUG` line. Nothing an observer returns is awaited.
  /**
   * The event passed validation. `type` is its catalogue type (aliases resolved), `'unknown'` for any
   * other; `lagMs` is the arrival time minus `eventTime`, undefined when `eventTime` is unreadable.
   */
  event?(event: AnyEvent, type: EventType | 'unknown', lagMs: number | undefined): void;
  /** The outcome of the dedupe claim, when dedupe is on. */
  dedupe?(outcome: DedupeOutcome): void;
  /**
   * With a queue: writes what must travel with the job to the worker (the trace context) into `meta`,
   * which the queue stores beside the event and the worker hands to `begin()`.
   */
  carry?(meta: Record<string, unknown>): unknown;
  /**
   * Runs the handler (or, with a queue, the `enqueue`) and returns what `work()` returns, so that an
   * observer may run it inside a context of its own (a tracing span). Must call `work` exactly once.
   */
  run?<T>(work: () => T): T;
  /**
   * The handler settled: `failure` is undefined on success; `durationMs` is undefined when the type has
   * no handler. Comes before the answer, except with `ack: 'immediately'`, where the 200 goes first.
   */
  handled?(failure: InnopaasWebhookError | undefined, durationMs: number | undefined): void;
  /** The answer went out (or was handed to `next`). Called once, last for a request. */
  answered?(answer: DeliveryAnswer): void;
}

/**
 * A request as the receiver sees it when observers are configured: the adapter's request, with the
 * answer reported to the observations on its way out. Made only then: an unobserved request costs nothing.
 */
class ObservedRequest<Req> implements ReceiverRequest<Req> {
  handlerStart = 0;
  private answered = false;

  constructor(
    readonly inner: ReceiverRequest<Req>,
    readonly observations: DeliveryObservation[],
    readonly receivedAt: number,
  ) {}

  get method(): string {
    return this.inner.method;
  }
  get headers(): IncomingHttpHeaders {
    return this.inner.headers;
  }
  get req(): Req {
    return this.inner.req;
  }
  headerValues(name: 'username' | 'authorization'): string | string[] | undefined {
    return this.inner.headerValues(name);
  }
  readBody(done: BodyCallback): void {
    this.inner.readBody(done);
  }
  attachEvent(event: AnyEvent): void {
    this.inner.attachEvent(event);
  }
  waitUntil(work: Promise<unknown>): void {
    this.inner.waitUntil?.(work);
  }
  answerLost(): boolean {
    return this.inner.answerLost?.() === true;
  }
  respond(outcome: Outcome): void {
    this.inner.respond(outcome);
    // Only the first answer counts, as for the adapter: a bug's late 500 after `ack: 'immediately'`.
    if (this.answered) return;
    this.answered = true;
    const answer = describeAnswer(outcome);
    for (const observation of this.observations) guard(observation, 'answered', answer);
  }
}

function describeAnswer(outcome: Outcome): DeliveryAnswer {
  if (outcome.kind === 'next') {
    const { error } = outcome;
    return error ? { status: error.status, code: error.code, error } : { status: 200, code: 'passed_on', error: undefined };
  }
  const code: AnswerCode =
    outcome.code ??
    (outcome === DUPLICATE
      ? 'duplicate'
      : outcome === CONNECTIVITY
        ? 'connectivity_test'
        : outcome === INVALID_ACKNOWLEDGED
          ? 'invalid_acknowledged'
          : 'received');
  return { status: outcome.status, code, error: outcome.error };
}

/** Calls one member of an observation; a throw is the observer's bug, never the request's. */
function guard<K extends 'event' | 'dedupe' | 'handled' | 'answered'>(
  observation: DeliveryObservation,
  name: K,
  ...args: Parameters<NonNullable<DeliveryObservation[K]>>
): void {
  try {
    // Read inside the try too: a getter can throw as well as a method.
    const member = observation[name] as ((...all: unknown[]) => unknown) | undefined;
    if (typeof member !== 'function') return;
    dropResult(member.apply(observation, args), (error) => {
      log('observer %s() rejected: %s', name, describeThrown(error));
    });
  } catch (error) {
    log('observer %s() threw: %s', name, describeThrown(error));
  }
}

const DEDUPE_OUTCOMES: Record<DedupeClaim['status'], DedupeOutcome> = {
  claimed: 'claimed',
  completed: 'duplicate',
  'in-progress': 'in_progress',
  unavailable: 'store_failure',
};

/**
 * Every configured observer, as one. The receiver calls it only when observers are configured, at a few
 * places: `wrap` when a request begins, `validated`, `deduped`, `run` around the handler and the
 * enqueue, `settled`. A queue worker follows a job with `beginJob` and the same calls.
 */
export class Observers {
  constructor(
    private readonly observers: readonly DeliveryObserver[],
    private readonly handsOff: boolean,
    private readonly timeZone: string,
  ) {}

  private begin(start: DeliveryStart): DeliveryObservation[] {
    const observations: DeliveryObservation[] = [];
    for (const observer of this.observers) {
      try {
        const observation: unknown = observer.begin(start);
        if (isThenable(observation)) {
          // An observation must be there before the request goes on: a promise of one is not used.
          dropResult(observation, (error) => {
            log('observer begin() rejected: %s', describeThrown(error));
          });
          log('observer begin() returned a promise: it must return its observation synchronously');
        } else if (typeof observation === 'object' && observation !== null) observations.push(observation);
      } catch (error) {
        log('observer begin() threw: %s', describeThrown(error));
      }
    }
    return observations;
  }

  /** Called first for every request: the returned request reports its answer to the observers. */
  wrap<Req, R extends ReceiverRequest<Req>>(request: R): R {
    const receivedAt = Date.now();
    const observations = this.begin({ source: 'request', receivedAt, handsOff: this.handsOff });
    return new ObservedRequest<Req>(request, observations, receivedAt) as unknown as R;
  }

  /**
   * For a queue worker: one job begins, with the `meta` that travelled with it. Then `validated`,
   * `runHandler` and `settled` as for a request, and `finishJob` once.
   */
  beginJob(meta: Readonly<Record<string, unknown>> | undefined): ObservedJob {
    const receivedAt = Date.now();
    const observations = this.begin({ source: 'job', receivedAt, meta, handsOff: false });
    return new ObservedRequest<undefined>(JOB, observations, receivedAt);
  }

  /** Ends a job: answered as the middleware would have answered its request (200, or the failure). */
  finishJob(job: ObservedJob, failure: InnopaasWebhookError | undefined): void {
    job.respond(failure ? problemOutcome(failure) : RECEIVED);
  }

  /** The event is valid and attached; its type and lag are worked out once for every observer. */
  validated(request: object, event: AnyEvent): void {
    const observed = request as ObservedRequest<unknown>;
    const type = canonicalEventType(String(event.type)) ?? 'unknown';
    const time = eventTimeMs(event.eventTime, this.timeZone);
    const lagMs = time === undefined ? undefined : observed.receivedAt - time;
    for (const observation of observed.observations) guard(observation, 'event', event, type, lagMs);
  }

  deduped(request: object, claim: DedupeClaim): void {
    // A store that failed with `failMode: 'open'` answers "claimed" without a key.
    const outcome = claim.status === 'claimed' && claim.key === undefined ? 'store_failure' : DEDUPE_OUTCOMES[claim.status];
    for (const observation of (request as ObservedRequest<unknown>).observations) guard(observation, 'dedupe', outcome);
  }

  /** What travels with a queued job: filled by the observers (`carry`), handed to `enqueue`. */
  carry(request: object): Record<string, unknown> {
    const meta: Record<string, unknown> = {};
    for (const observation of (request as ObservedRequest<unknown>).observations) {
      try {
        if (typeof observation.carry !== 'function') continue;
        dropResult(observation.carry(meta), (error) => {
          log('observer carry() rejected: %s', describeThrown(error));
        });
      } catch (error) {
        log('observer carry() threw: %s', describeThrown(error));
      }
    }
    return serializable(meta);
  }

  /**
   * Runs the handler inside every observer's context, and starts its clock. Takes the dispatcher's
   * arguments rather than a closure, so that the receiver's unobserved path captures nothing.
   */
  runHandler(
    request: object,
    dispatcher: Dispatcher,
    handler: AnyHandler,
    event: AnyEvent,
    args: readonly unknown[],
    run: HandlerRun,
  ): HandlerOutcome | Promise<HandlerOutcome> {
    (request as ObservedRequest<unknown>).handlerStart = performance.now();
    return this.run(request, () => dispatcher.run(handler, event, args, run));
  }

  /** Hands the event to the queue inside every observer's context, with what must travel with it. */
  enqueue(request: object, queue: EventQueue, event: AnyEvent): EnqueueResult | PromiseLike<EnqueueResult> {
    return this.run(request, () => queue.enqueue(event, this.carry(request)));
  }

  /** Runs `work` inside every observer's context (the innermost is the last observer's). */
  run<T>(request: object, work: () => T): T {
    let run = work;
    for (const observation of (request as ObservedRequest<unknown>).observations) {
      let member: unknown;
      try {
        // Called with the observation as `this`, in withContext.
        // eslint-disable-next-line @typescript-eslint/unbound-method
        member = observation.run;
      } catch (error) {
        log('observer run threw: %s', describeThrown(error));
        continue;
      }
      if (typeof member === 'function') run = withContext(observation, member as NonNullable<DeliveryObservation['run']>, run);
    }
    return run();
  }

  settled(request: object, failure: InnopaasWebhookError | undefined): void {
    const observed = request as ObservedRequest<unknown>;
    // No handler ran (none for the type): nothing to time.
    const durationMs = observed.handlerStart === 0 ? undefined : performance.now() - observed.handlerStart;
    for (const observation of observed.observations) guard(observation, 'handled', failure, durationMs);
  }
}

/**
 * What the observers carried, without the entries JSON cannot hold (a BigInt, a cycle, a throwing
 * getter): the queue stores `meta` as JSON, and one such value would fail every enqueue. A copy, so
 * that a late write to `meta` (a `carry` that returned a promise) changes nothing; strings, the trace
 * context among them, are kept without a check.
 */
function serializable(meta: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const key of Object.keys(meta)) {
    try {
      const value = meta[key];
      // Wrapped: a `toJSON` entry is called by JSON.stringify on `meta` itself.
      if (typeof value !== 'string') JSON.stringify({ [key]: value });
      kept[key] = value;
    } catch (error) {
      log('observer carry() wrote %s, which JSON cannot hold: left out (%s)', JSON.stringify(key), describeThrown(error));
    }
  }
  return kept;
}

/** A job followed by a worker, for the calls of {@link Observers}. */
export type ObservedJob = object & Pick<ReceiverRequest<undefined>, 'respond'>;

const JOB: ReceiverRequest<undefined> = {
  method: 'JOB',
  headers: {},
  headerValues: () => undefined,
  readBody: () => undefined,
  req: undefined,
  attachEvent: () => undefined,
  respond: () => undefined,
};

/**
 * `work` run by one observer's `run`: whatever the observer does, `work` runs exactly once and its own
 * result or throw is what the receiver gets.
 */
function withContext<T>(
  observation: DeliveryObservation,
  runIn: NonNullable<DeliveryObservation['run']>,
  work: () => T,
): () => T {
  return () => {
    let called = false;
    let result = undefined as T;
    let threw = false;
    let thrown: unknown;
    const inner = () => {
      // A second call gets the first one's result: the handler runs once whatever the observer does.
      if (called) return result;
      called = true;
      try {
        result = work();
      } catch (error) {
        threw = true;
        thrown = error;
        throw error;
      }
      return result;
    };
    try {
      const returned: unknown = runIn.call(observation, inner);
      // What `work` returned is the receiver's to handle; anything else the observer made, ours.
      if (returned !== result) {
        dropResult(returned, (error) => {
          log('observer run() rejected: %s', describeThrown(error));
        });
      }
    } catch (error) {
      if (!called || !threw) log('observer run() threw: %s', describeThrown(error));
    }
    // An observer that did not call it (or means to, later): it runs now, and only now.
    if (!called) return inner();
    if (threw) throw thrown;
    return result;
  };
}

/**
 * `eventTime` in epoch milliseconds, without the event's lazy `eventDate` getter: replacing it by its
 * value reshapes the event, which cost a request more than all the observers together. ISO-8601 in UTC
 * (every example InnoPaaS publishes) goes to the engine's parser; the rest, a time without a zone among
 * them, to parseInnopaasTime.
 */
function eventTimeMs(time: unknown, timeZone: string): number | undefined {
  if (typeof time !== 'string') return undefined;
  if (time.length >= 20 && time.length <= 30 && time.charCodeAt(10) === 84 && time.charCodeAt(time.length - 1) === 90) {
    const ms = Date.parse(time);
    if (Number.isNaN(ms)) return undefined;
    // The engine rolls 30 February over to March and takes 24:00 as the next midnight, where the event's
    // own parser finds no date: such a time has no lag either.
    const date = new Date(ms);
    return date.getUTCDate() === Number(time.slice(8, 10)) && date.getUTCHours() === Number(time.slice(11, 13)) ? ms : undefined;
  }
  return parseInnopaasTime(time, timeZone)?.getTime();
}

/** Checks the `observers` option and builds the one object the receiver calls; null when there are none. */
export function resolveObservers(
  observers: unknown,
  extra: DeliveryObserver | undefined,
  handsOff: boolean,
  timeZone = 'UTC',
): Observers | null {
  if (observers !== undefined && !Array.isArray(observers)) {
    fail(
      'observers',
      `must be an array (got ${show(observers)})`,
      'Pass e.g. `observers: [prometheusMetrics({ registry })]` from innopaas-webhook/metrics.',
    );
  }
  const all = [...((observers as unknown[] | undefined) ?? [])];
  all.forEach((observer, i) => {
    if (typeof (observer as Partial<DeliveryObserver> | null)?.begin !== 'function') {
      fail(
        `observers[${i}]`,
        `has no \`begin()\` method (got ${show(observer)})`,
        'Pass what prometheusMetrics() or openTelemetry() return, or an object implementing DeliveryObserver.',
      );
    }
  });
  if (extra) all.push(extra);
  return all.length > 0 ? new Observers(all as DeliveryObserver[], handsOff, timeZone) : null;
}
