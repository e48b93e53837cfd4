import type { IncomingHttpHeaders } from 'node:http';
import createDebug from 'debug';
import { type BodyCallback, type BodyInput, checkContentType, checkDeclaredLength, decodeBody } from '../stages/body';
import { createCredentialCheck } from '../stages/credentials';
import { type DedupeClaim, Deduper } from '../delivery/deduper';
import { InnopaasWebhookError, isInnopaasWebhookError } from './errors';
import type { InnopaasEvent, UnknownEvent } from '../events';
import { createDateDecorator } from '../events/dates';
import type { ResolvedConfig } from './options';
import { isThenable, withTimeout } from './async';
import { CONNECTIVITY, DUPLICATE, INVALID_ACKNOWLEDGED, NEXT, type Outcome, problemOutcome, RECEIVED } from './outcome';
import { getValidators, validateEvent, type Validators } from '../stages/validate';

const log = createDebug('innopaas-webhook');

/** The facts of one request, as any adapter (Express, node:http, Fetch) can give them. */
export interface ReceiverRequest<Req> {
  method: string;
  /** Lower-cased header names, as Node gives them. */
  headers: IncomingHttpHeaders;
  /** Reads the body and calls back once, with it or with the error that answers the request. */
  readBody(done: BodyCallback): void;
  /**
   * Every value of a header, for the credential headers: a repeated `Authorization` must not pass
   * because Node keeps only its first line in `headers`. Defaults to `headers[name]`.
   */
  headerValues?(name: 'username' | 'authorization'): string | string[] | undefined;
  /** Handed to handlers and hooks as their `req`. */
  req: Req;
  /** Called with the validated event before any handler runs (the Express adapter sets `req.innopaasEvent`). */
  attachEvent?(event: InnopaasEvent | UnknownEvent): void;
  /** Answers the request, or hands it on (`next`). Called exactly once per request. */
  respond(outcome: Outcome): void;
}

type AnyEvent = InnopaasEvent | UnknownEvent;
type Request<Req> = ReceiverRequest<Req>;
/** Continues with a handler's failure, or with `undefined` after a success. */
type AfterHandlers = (failure: InnopaasWebhookError | undefined) => void;

function internalError(cause: unknown): Outcome {
  log('internal error: %s', (cause as Error)?.message);
  return problemOutcome(new InnopaasWebhookError('internal_error', { cause }));
}

function headerOf(request: Request<unknown>, name: 'username' | 'authorization'): string | string[] | undefined {
  return request.headerValues ? request.headerValues(name) : request.headers[name];
}

function isEmptyObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const _ in value) return false;
  return true;
}

/**
 * The framework-neutral core: one request's facts in, one outcome out, along the pipeline of
 * DESIGN.md (method → gate → credentials → content type/size → body → JSON → envelope → schema →
 * dedupe claim → handlers → complete/release). Each stage either hands on or stops with one answer.
 *
 * Written with continuations rather than `async`: each stage goes on synchronously when it can, so with
 * the memory store the only promise of a request is the one its handler returns (and one `then` on it).
 * The `async` version of this pipeline made a dozen promises a request (issue #7, bench/).
 */
export class Receiver<Req> {
  private readonly checkCredentials;
  private readonly validators: Validators;
  private readonly deduper: Deduper<Req> | null;
  private readonly decorateDates;
  private readonly background = new Set<Promise<void>>();

  constructor(private readonly config: ResolvedConfig<Req>) {
    this.checkCredentials = config.credentials ? createCredentialCheck(config.credentials) : null;
    this.validators = getValidators();
    this.deduper = config.dedupe ? new Deduper<Req>(config.dedupe, (error, req, event) => this.report(error, req, event)) : null;
    this.decorateDates = createDateDecorator(config.timeZone);
  }

  /** Handlers still running after an immediate acknowledgement. */
  get inFlight(): number {
    return this.background.size;
  }

  /** Resolves once every background handler has settled (for graceful shutdown). */
  async drain(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  /** Runs one request through the pipeline; `request.respond` is called once with the outcome. */
  handle(request: Request<Req>): void {
    const early = this.checkRequest(request);
    if (early) return request.respond(early);
    request.readBody((error, input) => {
      if (error) return request.respond(this.rejectUnexpected(error));
      try {
        this.receive(request, input as BodyInput);
      } catch (bug) {
        // Unreachable by design (every stage catches its own errors): a bug answers 500, never hangs.
        request.respond(internalError(bug));
      }
    });
  }

  /** The stages before the body is read: method, gate, credentials, content type and declared size. */
  private checkRequest(request: Request<Req>): Outcome | undefined {
    const { config } = this;
    if (!config.methods.has(request.method)) {
      if (log.enabled) log('405 %s: method not allowed', request.method);
      return this.reject(new InnopaasWebhookError('method_not_allowed', { detail: `Use ${config.allowHeader}.` }), {
        Allow: config.allowHeader,
      });
    }
    if (config.allowRequest && !this.runGate(request.req)) {
      log('403: allowRequest refused the request');
      return this.reject(new InnopaasWebhookError('forbidden'));
    }
    if (this.checkCredentials && !this.checkCredentials(headerOf(request, 'username'), headerOf(request, 'authorization'))) {
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

  /** The stages after the body: JSON, envelope, schema, dates, age, then dedupe and handlers. */
  private receive(request: Request<Req>, input: BodyInput): void {
    let payload: unknown;
    try {
      payload = decodeBody(input);
    } catch (error) {
      return request.respond(this.rejectUnexpected(error));
    }
    // The console's connectivity test (§3.5) posts an empty body or `{}`: answer it, call nobody.
    if (payload === undefined || isEmptyObject(payload)) {
      log('200: empty body (connectivity test)');
      return request.respond(CONNECTIVITY);
    }

    let event: AnyEvent;
    let known: boolean;
    try {
      const result = validateEvent(this.validators, payload);
      event = this.decorateDates(result.event) as AnyEvent;
      known = result.known;
      this.checkAge(event);
    } catch (error) {
      return this.rejectInvalid(error, payload, request);
    }
    if (log.enabled) log('event %s id=%s%s', event.type, event.id, known ? '' : ' (unknown type)');
    request.attachEvent?.(event);
    if (!this.deduper) return this.handleClaimed(event, known, request, undefined, undefined);
    const claim = this.deduper.claim(event, request.req);
    if (isThenable(claim)) {
      claim.then(
        (result) => this.afterClaim(result, event, known, request),
        (bug: unknown) => request.respond(internalError(bug)),
      );
    } else this.afterClaim(claim, event, known, request);
  }

  private afterClaim(claim: DedupeClaim, event: AnyEvent, known: boolean, request: Request<Req>): void {
    if (claim.status === 'claimed') return this.handleClaimed(event, known, request, claim.key, claim.token);
    if (claim.status === 'completed') {
      if (log.enabled) log('200 duplicate id=%s: already handled', event.id);
      this.safeHook(() => this.config.onDuplicate?.(event, request.req), request.req, event);
      return request.respond(DUPLICATE);
    }
    if (claim.status === 'in-progress') {
      if (log.enabled) log('409 id=%s: being handled right now', event.id);
      return request.respond(
        this.reject(new InnopaasWebhookError('event_in_progress', { detail: 'This event is being handled; retry later.' })),
      );
    }
    request.respond(this.reject(claim.error));
  }

  private handleClaimed(
    event: AnyEvent,
    known: boolean,
    request: Request<Req>,
    key: string | undefined,
    token: string | undefined,
  ): void {
    const { req } = request;
    if (this.config.ackImmediately) {
      // The handler starts now, before the answer; its failure is reported, not answered.
      const work = new Promise<void>((resolve) => {
        this.runHandlers(event, known, req, key, token, (failure) => {
          if (failure) this.report(failure, req, event);
          resolve();
        });
      });
      this.background.add(work);
      void work.finally(() => this.background.delete(work));
      if (log.enabled) log('200 id=%s: acknowledged, handlers run in the background', event.id);
      return request.respond(RECEIVED);
    }
    this.runHandlers(event, known, req, key, token, (failure) => {
      if (!failure) return request.respond(this.config.passThrough ? NEXT : RECEIVED);
      this.report(failure, req, event);
      request.respond(this.reject(failure));
    });
  }

  /**
   * Runs the handler of the event's type, then completes the claim (success) or releases it (failure,
   * so that the redelivery runs), then goes on with the failure, if any: at once when the handler and
   * the store are synchronous, else once both have settled.
   */
  private runHandlers(
    event: AnyEvent,
    known: boolean,
    req: Req,
    key: string | undefined,
    token: string | undefined,
    then: AfterHandlers,
  ): void {
    const handler = known ? this.config.handlers.get(event.type) : this.config.onUnknownEvent;
    if (!handler) {
      if (!known && log.enabled) log('unknown type %s id=%s: no onUnknownEvent hook, acknowledged', event.type, event.id);
      return this.settleClaim(undefined, event, req, key, token, then);
    }
    let result: unknown;
    try {
      result = (handler as (e: AnyEvent, r: Req) => unknown)(event, req);
    } catch (error) {
      return this.settleClaim(this.handlerFailure(error, event), event, req, key, token, then);
    }
    if (!isThenable(result)) return this.settleClaim(this.handlerResolved(event), event, req, key, token, then);
    Promise.resolve(this.withHandlerTimeout(result)).then(
      () => this.settleClaim(this.handlerResolved(event), event, req, key, token, then),
      (error: unknown) => this.settleClaim(this.handlerFailure(error, event), event, req, key, token, then),
    );
  }

  private handlerResolved(event: AnyEvent): undefined {
    if (log.enabled) log('handler %s id=%s resolved', event.type, event.id);
    return undefined;
  }

  private handlerFailure(error: unknown, event: AnyEvent): InnopaasWebhookError {
    const failure =
      isInnopaasWebhookError(error) && error.code === 'handler_timeout'
        ? error
        : new InnopaasWebhookError('handler_failed', { detail: `The ${event.type} handler failed.`, cause: error });
    if (log.enabled) log('handler %s id=%s failed: %s', event.type, event.id, failure.code);
    return failure;
  }

  private settleClaim(
    failure: InnopaasWebhookError | undefined,
    event: AnyEvent,
    req: Req,
    key: string | undefined,
    token: string | undefined,
    then: AfterHandlers,
  ): void {
    if (!this.deduper || key === undefined || token === undefined) return then(failure);
    const pending = failure ? this.deduper.release(key, token, req, event) : this.deduper.complete(key, token, req, event);
    if (isThenable(pending)) void pending.then(() => then(failure));
    else then(failure);
  }

  private withHandlerTimeout(result: PromiseLike<unknown>): PromiseLike<unknown> {
    const ms = this.config.handlerTimeoutMs;
    if (ms === undefined) return result;
    return withTimeout(
      result,
      ms,
      () => new InnopaasWebhookError('handler_timeout', { detail: `A handler ran longer than ${ms} ms.` }),
    );
  }

  private checkAge(event: AnyEvent): void {
    const maxAge = this.config.maxEventAgeMs;
    if (maxAge === undefined) return;
    const date = event.eventDate;
    if (!date || Date.now() - date.getTime() > maxAge) {
      throw new InnopaasWebhookError('event_too_old', { detail: `eventTime is missing, unreadable or older than ${maxAge} ms.` });
    }
  }

  private rejectInvalid(error: unknown, payload: unknown, request: Request<Req>): void {
    if (!isInnopaasWebhookError(error)) return request.respond(this.rejectUnexpected(error));
    if (log.enabled) log('%d %s: %o', error.status, error.code, error.problems ?? []);
    const answer = () => request.respond(this.config.acknowledgeInvalid ? INVALID_ACKNOWLEDGED : this.reject(error));
    const hook = this.config.onInvalidEvent;
    if (!hook) return answer();
    const { req } = request;
    const failed = (hookError: unknown) => {
      this.report(new InnopaasWebhookError('internal_error', { detail: 'onInvalidEvent failed.', cause: hookError }), req);
      answer();
    };
    let result: unknown;
    try {
      result = hook({ error, problems: error.problems ?? [], payload }, req);
    } catch (hookError) {
      return failed(hookError);
    }
    if (!isThenable(result)) return answer();
    // Bounded like a handler: a hook that hangs must not hang the answer.
    Promise.resolve(this.withHandlerTimeout(result)).then(answer, failed);
  }

  private rejectUnexpected(error: unknown): Outcome {
    const known = isInnopaasWebhookError(error) ? error : new InnopaasWebhookError('internal_error', { cause: error });
    if (log.enabled) log('%d %s', known.status, known.code);
    return this.reject(known);
  }

  /** Turns an error into the answer, or into `next(err)` when the app asked for it. */
  private reject(error: InnopaasWebhookError, headers?: Record<string, string>): Outcome {
    const forward = this.config.forwardErrors;
    const fromHandler = error.code === 'handler_failed' || error.code === 'handler_timeout';
    if (forward === 'all' || (forward === 'handler' && fromHandler)) return { kind: 'next', error };
    return problemOutcome(error, headers);
  }

  private runGate(req: Req): boolean {
    try {
      return this.config.allowRequest?.(req) === true;
    } catch (error) {
      this.report(new InnopaasWebhookError('internal_error', { detail: 'allowRequest threw.', cause: error }), req);
      return false;
    }
  }

  private safeHook(call: () => unknown, req: Req, event?: AnyEvent): void {
    try {
      call();
    } catch (error) {
      this.report(new InnopaasWebhookError('internal_error', { detail: 'A hook threw.', cause: error }), req, event);
    }
  }

  private report(error: InnopaasWebhookError, req: Req, event?: AnyEvent): void {
    const onError = this.config.onError;
    if (!onError) return;
    try {
      onError(error, event ? { req, event } : { req });
    } catch (hookError) {
      log('onError threw: %s', (hookError as Error)?.message);
    }
  }
}
