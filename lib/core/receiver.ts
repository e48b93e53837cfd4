import type { IncomingHttpHeaders } from 'node:http';
import createDebug from 'debug';
import { type BodyCallback, type BodyInput, checkContentType, checkDeclaredLength, decodeBody } from '../stages/body';
import { createCredentialCheck } from '../stages/credentials';
import { type DedupeClaim, Deduper } from '../delivery/deduper';
import type { EnqueueResult } from '../delivery/queue';
import { catchResult, isThenable, withTimeout } from './async';
import { type AnyEvent, type AnyHandler, Dispatcher, type HandlerOutcome, HandlerRun } from './dispatch';
import { describeThrown, escapeText, InnopaasWebhookError, isInnopaasWebhookError, type ValidationProblem } from './errors';
import type { ResolvedConfig } from './options';
import { CONNECTIVITY, DUPLICATE, INVALID_ACKNOWLEDGED, NEXT, type Outcome, problemOutcome, RECEIVED } from './outcome';

const log = createDebug('innopaas-webhook');

/**
 * What an adapter (Express/`node:http`, Fetch) gives the receiver for one request, and how the receiver
 * answers it. Every required member is used on every request that gets that far.
 */
export interface ReceiverRequest<Req> {
  method: string;
  /** Lower-cased header names. */
  headers: IncomingHttpHeaders;
  /**
   * Every value of a credential header: a repeated `Authorization` must not pass because Node keeps
   * only its first line in `headers`.
   */
  headerValues(name: 'username' | 'authorization'): string | string[] | undefined;
  /** Reads the body and calls back once, with it or with the error that answers the request. */
  readBody(done: BodyCallback): void;
  /** Handed to handlers and hooks as their `req`. */
  req: Req;
  /** Called with the validated event before any handler runs (`req.innopaasEvent`). */
  attachEvent(event: AnyEvent): void;
  /** Answers the request, or hands it on (`next`). Called exactly once per request. */
  respond(outcome: Outcome): void;
  /**
   * Optional: keeps the platform alive for work that outlasts the answer (`ack: 'immediately'`), such
   * as a Workers `ctx.waitUntil`. Adapters whose process lives on leave it out.
   */
  waitUntil?(work: Promise<unknown>): void;
  /**
   * Optional: true once the answer could no longer reach the client, because an earlier answer on the
   * same connection closes it (a request pipelined behind a 401). Nothing then runs for this request.
   */
  answerLost?(): boolean;
}

/** Everything the receiver knows about one delivery once its event is validated. */
class Delivery<Req> {
  /** The dedupe claim, once held. */
  key: string | undefined;
  token: string | undefined;
  /** The handler's cancellation, handed to it as its context. */
  readonly run = new HandlerRun();

  constructor(
    readonly request: ReceiverRequest<Req>,
    readonly event: AnyEvent,
    readonly known: boolean,
  ) {}

  get req(): Req {
    return this.request.req;
  }
}

/** A fresh error per answer: `onError` and observers may keep what they are given. */
const shuttingDown = (): InnopaasWebhookError =>
  new InnopaasWebhookError('shutting_down', { detail: 'The receiver is shutting down; retry later.' });
const connectionClosing = (): InnopaasWebhookError =>
  new InnopaasWebhookError('connection_closing', {
    detail: 'An earlier answer on this connection closes it: this request was not handled. Send it again.',
  });

function isEmptyObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const _ in value) return false;
  return true;
}

/**
 * The framework-neutral core: one request's facts in, one outcome out. Stages, in order:
 *
 *   method → allowRequest → credentials → content type / declared size → body → JSON
 *   → envelope and event schema (Dispatcher) → age → req.innopaasEvent
 *   → queue: enqueue → answer
 *   → else: dedupe claim → handler → complete / release → answer (or next())
 *
 * Each stage hands on or stops with one answer. Written with continuations rather than `async`: a
 * stage goes on synchronously when it can, so with the memory store the only promise of a request is
 * the one its handler returns.
 */
export class Receiver<Req> {
  private readonly checkCredentials;
  private readonly dispatcher: Dispatcher;
  private readonly deduper: Deduper<Req> | null;
  /** Deliveries whose handler or hand-off is still running, for `drain()` and `close()`. */
  private readonly running = new Set<Delivery<Req>>();
  /** `drain()` calls waiting for `running` to empty. */
  private idle: (() => void)[] = [];
  /**
   * The adapter's request by `req`, for the requests that have a `waitUntil` (Workers): a hook's promise
   * (`onError`, `onDuplicate`) is reported with `req` alone, and must outlive the answer there too.
   */
  private readonly platformOf = new WeakMap<object, ReceiverRequest<Req>>();
  private closing = false;

  constructor(private readonly config: ResolvedConfig<Req>) {
    this.checkCredentials = config.credentials ? createCredentialCheck(config.credentials) : null;
    // Handlers' error messages reach onError, the default stderr report and DEBUG: never a credential.
    this.dispatcher = new Dispatcher(config);
    this.deduper = config.dedupe
      ? new Deduper<Req>(config.dedupe, (error, req, event) => {
          this.report(error, req, event);
        })
      : null;
  }

  /** Deliveries still running: handlers, queue hand-offs, and claims on their way to the store. */
  get inFlight(): number {
    return this.running.size;
  }

  /** Resolves once every running handler has settled and its claim is completed or released. */
  async drain(): Promise<void> {
    if (this.running.size === 0) return;
    await new Promise<void>((resolve) => {
      this.idle.push(resolve);
    });
  }

  /**
   * Stops taking deliveries (503, so the sender retries elsewhere), aborts the signal of every running
   * handler, and resolves once they have settled and released their claims.
   */
  async close(): Promise<void> {
    this.closing = true;
    const reason = shuttingDown();
    for (const delivery of this.running) delivery.run.abort(reason);
    await this.drain();
  }

  // --- Stage 1: before the body ---

  /** Runs one request through the pipeline; `request.respond` is called once with the outcome. */
  handle(request: ReceiverRequest<Req>): void {
    if (request.waitUntil && typeof request.req === 'object' && request.req !== null) this.platformOf.set(request.req, request);
    if (this.config.observers) request = this.config.observers.wrap(request);
    const early = this.checkMethod(request);
    if (early) {
      request.respond(early);
      return;
    }
    if (!this.config.allowRequest) {
      this.afterGate(request);
      return;
    }
    const allowed = this.runGate(request.req);
    if (typeof allowed === 'boolean') {
      if (allowed) this.afterGate(request);
      else request.respond(this.forbidden());
      return;
    }
    // An async gate (a rate limiter in Redis…): awaited, bounded like a handler.
    const { handlerTimeoutMs } = this.config;
    withTimeout(allowed, handlerTimeoutMs, () => new Error(`allowRequest did not answer within ${handlerTimeoutMs} ms`))
      .then(
        (answer) => {
          if (answer === true) {
            this.afterGate(request);
            return;
          }
          if (answer !== false)
            this.gateFailed(undefined, request.req, `resolved to ${describeThrown(answer)}, not true or false`);
          request.respond(this.forbidden());
        },
        (error: unknown) => {
          this.gateFailed(error, request.req, 'rejected');
          request.respond(this.forbidden());
        },
      )
      // Unreachable by design, as in the body callback below: a bug answers 500, never an unhandled rejection.
      .then(undefined, (bug: unknown) => {
        request.respond(this.internalError(bug, request.req));
      });
  }

  /** Credentials, content type, declared size, then the body. */
  private afterGate(request: ReceiverRequest<Req>): void {
    const early = this.checkRequest(request);
    if (early) {
      request.respond(early);
      return;
    }
    request.readBody((error, input) => {
      if (error) {
        request.respond(this.rejectUnexpected(error));
        return;
      }
      try {
        this.receive(request, input as BodyInput);
      } catch (bug) {
        // Unreachable by design (every stage catches its own errors): a bug answers 500, never hangs.
        request.respond(this.internalError(bug, request.req));
      }
    });
  }

  private checkMethod(request: ReceiverRequest<Req>): Outcome | undefined {
    const { config } = this;
    if (!config.methods.has(request.method)) {
      if (log.enabled) log('405 %s: method not allowed', describeThrown(request.method));
      return this.reject(
        new InnopaasWebhookError('method_not_allowed', {
          detail: `Use ${config.allowHeader}.`,
          headers: { Allow: config.allowHeader },
        }),
      );
    }
    if (this.closing) {
      return this.reject(shuttingDown());
    }
    if (request.answerLost?.() === true) return this.reject(connectionClosing());
    return undefined;
  }

  private forbidden(): Outcome {
    log('403: allowRequest refused the request');
    return this.reject(new InnopaasWebhookError('forbidden'));
  }

  /** Credentials, content type and declared size: all decided before the body is read. */
  private checkRequest(request: ReceiverRequest<Req>): Outcome | undefined {
    const { config } = this;
    if (
      this.checkCredentials &&
      !this.checkCredentials(request.headerValues('username'), request.headerValues('authorization'))
    ) {
      // Which header was wrong is neither logged nor answered.
      log('401: credentials missing or wrong');
      return this.reject(
        new InnopaasWebhookError('unauthorized', {
          detail: 'The UserName and Authorization headers do not match the configured credentials.',
        }),
      );
    }
    const early = checkContentType(request.headers) ?? checkDeclaredLength(request.headers, config.limit);
    if (early) {
      if (log.enabled) log('%d %s', early.status, early.code);
      return this.reject(early);
    }
    return undefined;
  }

  // --- Stage 2: the payload ---

  /** JSON, the connectivity test, envelope and schema, age; then the hand-off or the handler. */
  private receive(request: ReceiverRequest<Req>, input: BodyInput): void {
    let payload: unknown;
    try {
      payload = decodeBody(input);
    } catch (error) {
      request.respond(this.rejectUnexpected(error));
      return;
    }
    // The console's connectivity test posts an empty body or `{}` (docs/events.md#connectivity-test).
    if (payload === undefined || isEmptyObject(payload)) {
      log('200: empty body (connectivity test)');
      request.respond(CONNECTIVITY);
      return;
    }

    let delivery: Delivery<Req>;
    try {
      const { event, known } = this.dispatcher.parse(payload);
      this.checkAge(event);
      delivery = new Delivery(request, event, known);
    } catch (error) {
      this.rejectInvalid(error, payload, request);
      return;
    }
    const { event } = delivery;
    if (log.enabled)
      log('event %s id=%s%s', describeThrown(event.type), describeThrown(event.id), delivery.known ? '' : ' (unknown type)');
    request.attachEvent(event);
    if (this.config.observers) this.config.observers.validated(request, event);
    // close() began while the body was on its way: nothing starts now (the sender retries elsewhere).
    if (this.closing) {
      request.respond(this.reject(shuttingDown()));
      return;
    }
    // An answer of an earlier request on the connection closed it while this body was read.
    if (request.answerLost?.() === true) {
      request.respond(this.reject(connectionClosing()));
      return;
    }

    if (this.config.queue) {
      this.enqueue(delivery);
      return;
    }
    if (!this.deduper) {
      this.runHandler(delivery);
      return;
    }
    const claim = this.deduper.claim(event, request.req);
    if (isThenable(claim)) {
      // A claim on its way keeps drain() and close() waiting: its handler may be about to start.
      this.running.add(delivery);
      claim.then(
        (result) => {
          this.running.delete(delivery);
          try {
            this.afterClaim(result, delivery);
          } catch (bug) {
            request.respond(this.internalError(bug, request.req));
          } finally {
            this.notifyIdle();
          }
        },
        (bug: unknown) => {
          this.untrack(delivery);
          request.respond(this.internalError(bug, request.req));
        },
      );
    } else this.afterClaim(claim, delivery);
  }

  private checkAge(event: AnyEvent): void {
    const maxAge = this.config.maxEventAgeMs;
    if (maxAge === undefined) return;
    const date: unknown = event.eventDate;
    if (!(date instanceof Date) || !(Date.now() - date.getTime() <= maxAge)) {
      throw new InnopaasWebhookError('event_too_old', {
        detail: `eventTime is missing, unreadable or older than ${maxAge} ms.`,
      });
    }
  }

  // --- Stage 3a: durable hand-off ---

  /** Writes the event to the queue, and only then answers 200; a queue that fails answers 503. */
  private enqueue(delivery: Delivery<Req>): void {
    const { queue, queueTimeoutMs } = this.config;
    let pending: EnqueueResult | PromiseLike<EnqueueResult>;
    try {
      const { observers } = this.config;
      pending = observers
        ? observers.enqueue(delivery.request, queue as NonNullable<typeof queue>, delivery.event)
        : (queue as NonNullable<typeof queue>).enqueue(delivery.event);
      if (!isThenable(pending)) {
        this.afterEnqueue(pending, delivery);
        return;
      }
    } catch (error) {
      this.enqueueFailed(error, delivery);
      return;
    }
    const done = withTimeout(
      pending,
      queueTimeoutMs,
      () => new Error(`the queue did not answer within ${queueTimeoutMs} ms`),
    ).then(
      (result) => {
        this.afterEnqueue(result, delivery);
      },
      (error: unknown) => {
        this.enqueueFailed(error, delivery);
      },
    );
    this.track(delivery, done);
  }

  private afterEnqueue(result: unknown, delivery: Delivery<Req>): void {
    const status = readStatus(result);
    if (status === 'queued' || status === 'duplicate') {
      if (log.enabled) log('200 id=%s: %s', describeThrown(delivery.event.id), status);
      if (status === 'duplicate') {
        const { event, req } = delivery;
        this.callHook('onDuplicate', () => this.config.onDuplicate?.(event, req), delivery);
      }
      delivery.request.respond(status === 'queued' ? RECEIVED : DUPLICATE);
      return;
    }
    this.enqueueFailed(new TypeError(`the queue answered ${describeThrown(status)}, not 'queued' or 'duplicate'`), delivery);
  }

  private enqueueFailed(cause: unknown, delivery: Delivery<Req>): void {
    const error = new InnopaasWebhookError('queue_unavailable', {
      detail: `The event could not be queued: ${describeThrown(cause)}`,
      cause,
    });
    if (log.enabled) log('503 id=%s: %s', describeThrown(delivery.event.id), error.message);
    this.report(error, delivery.req, delivery.event);
    delivery.request.respond(this.reject(error));
  }

  // --- Stage 3b: in-process handling ---

  private afterClaim(claim: DedupeClaim, delivery: Delivery<Req>): void {
    const { event, request } = delivery;
    if (this.config.observers) this.config.observers.deduped(request, claim);
    switch (claim.status) {
      case 'claimed':
        delivery.key = claim.key;
        delivery.token = claim.token;
        if (this.closing) this.refuseClaimed(delivery);
        else this.runHandler(delivery);
        return;
      case 'completed':
        if (log.enabled) log('200 duplicate id=%s: already handled', describeThrown(event.id));
        this.callHook('onDuplicate', () => this.config.onDuplicate?.(event, request.req), delivery);
        request.respond(DUPLICATE);
        return;
      case 'in-progress':
        if (log.enabled) log('409 id=%s: being handled right now', describeThrown(event.id));
        request.respond(
          this.reject(new InnopaasWebhookError('event_in_progress', { detail: 'This event is being handled; retry later.' })),
        );
        return;
      case 'unavailable':
        request.respond(this.reject(claim.error));
        return;
    }
  }

  /** close() began while the claim was on its way: the claim is released and the sender retries. */
  private refuseClaimed(delivery: Delivery<Req>): void {
    const { key, token, request, event } = delivery;
    const answer = (): void => {
      request.respond(this.reject(shuttingDown()));
    };
    // A claim let through by failMode 'open' holds nothing to release.
    const pending = key === undefined || token === undefined ? undefined : this.deduper?.release(key, token, delivery.req, event);
    if (isThenable(pending)) this.track(delivery, pending.then(answer));
    else answer();
  }

  /**
   * Runs the handler of the event's type. With `ack: 'immediately'` the answer goes out first and the
   * handler's failure is only reported; otherwise the answer waits for the handler and its claim.
   */
  private runHandler(delivery: Delivery<Req>): void {
    const { event, known, request } = delivery;
    const handler = this.dispatcher.handlerOf(event, known);
    if (!handler && !known && log.enabled) {
      log('unknown type %s id=%s: no onUnknownEvent hook, acknowledged', describeThrown(event.type), describeThrown(event.id));
    }
    if (this.config.ackImmediately) {
      if (log.enabled) log('200 id=%s: acknowledged, handler runs in the background', describeThrown(event.id));
      request.respond(RECEIVED);
    }
    const { observers } = this.config;
    const outcome = !handler
      ? undefined
      : observers
        ? observers.runHandler(request, this.dispatcher, handler, event, [request.req, delivery.run], delivery.run)
        : this.dispatcher.run(handler, event, [request.req, delivery.run], delivery.run);
    if (!isThenable(outcome)) {
      const settled = this.settle(outcome, delivery);
      if (settled) this.track(delivery, settled);
      return;
    }
    const stopHeartbeat = this.deduper?.keepAlive(delivery.key, delivery.token, delivery.req, event, delivery.run);
    this.running.add(delivery);
    // One callback settles the claim, answers and ends the tracking: no promise chain per request.
    const done = outcome.then((failure) => {
      if (stopHeartbeat) stopHeartbeat();
      return this.finish(delivery, failure);
    });
    if (this.config.ackImmediately) delivery.request.waitUntil?.(done);
  }

  /** Settles a tracked delivery: `settle`, then out of `running`. A bug answers 500, never rejects. */
  private finish(delivery: Delivery<Req>, failure: HandlerOutcome): Promise<void> | undefined {
    let pending: void | Promise<void>;
    try {
      pending = this.settle(failure, delivery);
    } catch (bug) {
      this.untrack(delivery);
      delivery.request.respond(this.internalError(bug, delivery.req));
      return undefined;
    }
    if (!pending) {
      this.untrack(delivery);
      return undefined;
    }
    return this.untrackAfter(delivery, pending);
  }

  /**
   * Completes the claim (success) or releases it (failure, so that the redelivery runs), then answers:
   * at once when the store is synchronous, else once it has settled.
   */
  private settle(failure: HandlerOutcome, delivery: Delivery<Req>): void | Promise<void> {
    const { event } = delivery;
    if (this.config.observers) this.config.observers.settled(delivery.request, failure);
    if (log.enabled) {
      if (failure) log('handler %s id=%s failed: %s', describeThrown(event.type), describeThrown(event.id), failure.message);
      else log('handler %s id=%s resolved', describeThrown(event.type), describeThrown(event.id));
    }
    const { key, token } = delivery;
    if (!this.deduper || key === undefined || token === undefined) {
      this.answer(failure, delivery);
      return;
    }
    const pending = failure
      ? this.deduper.release(key, token, delivery.req, event)
      : this.deduper.complete(key, token, delivery.req, event);
    if (!isThenable(pending)) {
      this.answer(failure, delivery);
      return;
    }
    return pending.then(() => {
      this.answer(failure, delivery);
    });
  }

  private answer(failure: HandlerOutcome, delivery: Delivery<Req>): void {
    if (failure) this.report(failure, delivery.req, delivery.event);
    // With `ack: 'immediately'` the answer is out already; the adapter ignores a second one.
    if (this.config.ackImmediately) return;
    if (!failure) {
      delivery.request.respond(this.config.passThrough ? NEXT : RECEIVED);
      return;
    }
    delivery.request.respond(this.reject(failure));
  }

  /** Keeps a running delivery visible to `drain()` and `close()` until `done` settles. */
  private track(delivery: Delivery<Req>, done: Promise<void>): void {
    this.running.add(delivery);
    const settled = this.untrackAfter(delivery, done);
    // The answer is out already: a platform that stops once it has answered must wait for the handler.
    if (this.config.ackImmediately) delivery.request.waitUntil?.(settled);
  }

  /** Out of `running` once `done` settles; a rejection, which only a bug makes, answers 500. */
  private untrackAfter(delivery: Delivery<Req>, done: Promise<void>): Promise<void> {
    return done.then(
      () => {
        this.untrack(delivery);
      },
      (bug: unknown) => {
        this.untrack(delivery);
        delivery.request.respond(this.internalError(bug, delivery.req));
      },
    );
  }

  private untrack(delivery: Delivery<Req>): void {
    this.running.delete(delivery);
    this.notifyIdle();
  }

  /** Resolves the `drain()` calls waiting, once nothing runs. */
  private notifyIdle(): void {
    if (this.running.size > 0 || this.idle.length === 0) return;
    const waiting = this.idle;
    this.idle = [];
    for (const resolve of waiting) resolve();
  }

  // --- Rejections and hooks ---

  private rejectInvalid(error: unknown, payload: unknown, request: ReceiverRequest<Req>): void {
    if (!isInnopaasWebhookError(error)) {
      request.respond(this.internalError(error, request.req));
      return;
    }
    if (log.enabled) log('%d %s: %s', error.status, error.code, describeProblems(error.problems));
    const answer = () => {
      request.respond(this.config.acknowledgeInvalid ? INVALID_ACKNOWLEDGED : this.reject(error));
    };
    const hook = this.config.onInvalidEvent;
    if (!hook) {
      answer();
      return;
    }
    const { req } = request;
    const failed = (hookError: unknown) => {
      this.report(new InnopaasWebhookError('internal_error', { detail: 'onInvalidEvent failed.', cause: hookError }), req);
      answer();
    };
    let result: unknown;
    try {
      result = hook({ error, problems: error.problems ?? [], payload }, req);
      if (!isThenable(result)) {
        answer();
        return;
      }
    } catch (hookError) {
      failed(hookError);
      return;
    }
    // Bounded like a handler: a hook that hangs must not hang the answer.
    withTimeout(result, this.config.handlerTimeoutMs, () => new Error('onInvalidEvent timed out')).then(answer, failed);
  }

  private rejectUnexpected(error: unknown): Outcome {
    const known = isInnopaasWebhookError(error) ? error : new InnopaasWebhookError('internal_error', { cause: error });
    if (log.enabled) log('%d %s', known.status, known.code);
    return this.reject(known);
  }

  private internalError(cause: unknown, req: Req): Outcome {
    const error = new InnopaasWebhookError('internal_error', { cause });
    log('internal error: %s', describeThrown(cause));
    this.report(error, req);
    return this.reject(error);
  }

  /** Turns an error into the answer, or into `next(err)` when the app asked for it. */
  private reject(error: InnopaasWebhookError): Outcome {
    const forward = this.config.forwardErrors;
    const fromHandler = error.code === 'handler_failed' || error.code === 'handler_timeout';
    if (forward === 'all' || (forward === 'handler' && fromHandler)) return { kind: 'next', error };
    return problemOutcome(error);
  }

  /** `true` or `false`, or a thenable to wait for; anything else, or a throw, refuses the request. */
  private runGate(req: Req): boolean | PromiseLike<unknown> {
    let answer: unknown;
    try {
      answer = (this.config.allowRequest as NonNullable<ResolvedConfig<Req>['allowRequest']>)(req);
      if (typeof answer === 'boolean') return answer;
      if (isThenable(answer)) return answer;
    } catch (error) {
      this.gateFailed(error, req, 'threw');
      return false;
    }
    this.gateFailed(undefined, req, `returned ${describeThrown(answer)}, not true or false`);
    return false;
  }

  private gateFailed(cause: unknown, req: Req, what: string): void {
    this.report(new InnopaasWebhookError('internal_error', { detail: `allowRequest ${what}.`, cause }), req);
  }

  /** Runs a hook whose result nobody waits for: a throw or a rejection is reported, never lost. */
  private callHook(name: string, call: () => unknown, delivery: Delivery<Req>): void {
    const failed = (error: unknown) => {
      this.report(
        new InnopaasWebhookError('internal_error', { detail: `${name} failed.`, cause: error }),
        delivery.req,
        delivery.event,
      );
    };
    try {
      this.keepUntilSettled(catchResult(call(), failed), delivery.req);
    } catch (error) {
      failed(error);
    }
  }

  /** Hands a hook's pending result to the platform's `waitUntil`, where the request has one. */
  private keepUntilSettled(pending: Promise<unknown> | undefined, req: Req): void {
    if (pending) this.platformOf.get(req as object)?.waitUntil?.(pending);
  }

  /** Hands an error to `onError`; nothing `onError` does (throw, reject, hang) reaches the request. */
  private report(error: InnopaasWebhookError, req: Req, event?: AnyEvent): void {
    const onError = this.config.onError;
    if (!onError) return;
    const failed = (hookError: unknown) => {
      log('onError failed: %s', describeThrown(hookError));
    };
    try {
      this.keepUntilSettled(
        catchResult((onError as (...args: unknown[]) => unknown)(error, event ? { req, event } : { req }), failed),
        req,
      );
    } catch (hookError) {
      failed(hookError);
    }
  }
}

/** The problems of a 400 for a DEBUG line: paths and messages name the payload's keys, so escaped. */
function describeProblems(problems: readonly ValidationProblem[] | undefined): string {
  if (!problems || problems.length === 0) return '(none)';
  return problems.map((problem) => `${escapeText(problem.path, 120)} ${escapeText(problem.message, 120)}`).join('; ');
}

/** `result.status`, read without trusting `result`. */
function readStatus(result: unknown): unknown {
  try {
    return typeof result === 'object' && result !== null ? (result as { status?: unknown }).status : undefined;
  } catch {
    return undefined;
  }
}

export type { AnyHandler };
