import type { IncomingHttpHeaders } from 'node:http';
import createDebug from 'debug';
import { type BodyInput, checkContentType, checkDeclaredLength, decodeBody } from './body';
import { createCredentialCheck } from './credentials';
import { Deduper } from './dedupe/deduper';
import { InnopaasWebhookError, isInnopaasWebhookError } from './errors';
import { decorateDates, type InnopaasEvent, type UnknownEvent } from './events';
import type { ResolvedConfig } from './options';
import { isThenable, withTimeout } from './timeout';
import { CONNECTIVITY, DUPLICATE, INVALID_ACKNOWLEDGED, NEXT, type Outcome, problemOutcome, RECEIVED } from './outcome';
import { getValidators, validateEvent, type Validators } from './validate';

const log = createDebug('innopaas-webhook');

/** The facts of one request, as any adapter (Express, node:http, Fetch) can give them. */
export interface ReceiverRequest<Req> {
  method: string;
  /** Lower-cased header names, as Node gives them. */
  headers: IncomingHttpHeaders;
  readBody(): Promise<BodyInput>;
  /**
   * Every value of a header, for the credential headers: a repeated `Authorization` must not pass
   * because Node keeps only its first line in `headers`. Defaults to `headers[name]`.
   */
  headerValues?(name: 'username' | 'authorization'): string | string[] | undefined;
  /** Handed to handlers and hooks as their `req`. */
  req: Req;
  /** Called with the validated event before any handler runs (the Express adapter sets `req.innopaasEvent`). */
  attachEvent?(event: InnopaasEvent | UnknownEvent): void;
}

type AnyEvent = InnopaasEvent | UnknownEvent;

function headerOf(request: ReceiverRequest<unknown>, name: 'username' | 'authorization'): string | string[] | undefined {
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
 */
export class Receiver<Req> {
  private readonly checkCredentials;
  private readonly validators: Validators;
  private readonly deduper: Deduper | null;
  private readonly background = new Set<Promise<void>>();

  constructor(private readonly config: ResolvedConfig<Req>) {
    this.checkCredentials = config.credentials ? createCredentialCheck(config.credentials) : null;
    this.validators = getValidators();
    this.deduper = config.dedupe ? new Deduper(config.dedupe) : null;
  }

  /** Handlers still running after an immediate acknowledgement. */
  get inFlight(): number {
    return this.background.size;
  }

  /** Resolves once every background handler has settled (for graceful shutdown). */
  async drain(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  async handle(request: ReceiverRequest<Req>): Promise<Outcome> {
    const { config } = this;
    if (!config.methods.has(request.method)) {
      log('405 %s: method not allowed', request.method);
      return this.reject(new InnopaasWebhookError('method_not_allowed', { detail: `Use ${config.allowHeader}.` }), { Allow: config.allowHeader });
    }
    if (config.allowRequest && !this.runGate(request.req)) {
      log('403: allowRequest refused the request');
      return this.reject(new InnopaasWebhookError('forbidden'));
    }
    if (this.checkCredentials && !this.checkCredentials(headerOf(request, 'username'), headerOf(request, 'authorization'))) {
      // Which header was wrong is neither logged nor answered.
      log('401: credentials missing or wrong');
      return this.reject(new InnopaasWebhookError('unauthorized', { detail: 'The UserName and Authorization headers do not match the configured credentials.' }));
    }
    const early = checkContentType(request.headers) ?? checkDeclaredLength(request.headers, config.limit);
    if (early) {
      log('%d %s', early.status, early.code);
      return this.reject(early);
    }

    let payload: unknown;
    try {
      payload = decodeBody(await request.readBody());
    } catch (error) {
      return this.rejectUnexpected(error);
    }
    // The console's connectivity test (§3.5) posts an empty body or `{}`: answer it, call nobody.
    if (payload === undefined || isEmptyObject(payload)) {
      log('200: empty body (connectivity test)');
      return CONNECTIVITY;
    }

    let event: AnyEvent;
    let known: boolean;
    try {
      const result = validateEvent(this.validators, payload);
      event = decorateDates(result.event, config.timeZone) as AnyEvent;
      known = result.known;
      this.checkAge(event);
    } catch (error) {
      return this.rejectInvalid(error, payload, request.req);
    }
    log('event %s id=%s%s', event.type, event.id, known ? '' : ' (unknown type)');
    request.attachEvent?.(event);
    return this.dispatch(event, known, request.req);
  }

  private async dispatch(event: AnyEvent, known: boolean, req: Req): Promise<Outcome> {
    let token: string | undefined;
    let key: string | undefined;
    if (this.deduper) {
      const claim = await this.deduper.claim(event, (error) => this.report(error, req, event));
      if (claim.status === 'completed') {
        log('200 duplicate id=%s: already handled', event.id);
        this.safeHook(() => this.config.onDuplicate?.(event, req), req, event);
        return DUPLICATE;
      }
      if (claim.status === 'in-progress') {
        log('409 id=%s: being handled right now', event.id);
        return this.reject(new InnopaasWebhookError('event_in_progress', { detail: 'This event is being handled; retry later.' }));
      }
      if (claim.status === 'unavailable') return this.reject(claim.error);
      key = claim.key;
      token = claim.token;
    }

    if (this.config.ackImmediately) {
      const work = this.runHandlers(event, known, req, key, token).then((error) => {
        if (error) this.report(error, req, event);
      });
      this.background.add(work);
      void work.finally(() => this.background.delete(work));
      log('200 id=%s: acknowledged, handlers run in the background', event.id);
      return RECEIVED;
    }
    const error = await this.runHandlers(event, known, req, key, token);
    if (error) {
      this.report(error, req, event);
      return this.reject(error);
    }
    return this.config.passThrough ? NEXT : RECEIVED;
  }

  /** Runs the handler of the event's type; completes or releases the claim. Answers the failure, if any. */
  private async runHandlers(event: AnyEvent, known: boolean, req: Req, key: string | undefined, token: string | undefined): Promise<InnopaasWebhookError | undefined> {
    const handler = known ? this.config.handlers.get(event.type) : this.config.onUnknownEvent;
    let failure: InnopaasWebhookError | undefined;
    if (handler) {
      try {
        await this.withHandlerTimeout((handler as (e: AnyEvent, r: Req) => unknown)(event, req));
        log('handler %s id=%s resolved', event.type, event.id);
      } catch (error) {
        failure = isInnopaasWebhookError(error) && error.code === 'handler_timeout'
          ? error
          : new InnopaasWebhookError('handler_failed', { detail: `The ${event.type} handler failed.`, cause: error });
        log('handler %s id=%s failed: %s', event.type, event.id, failure.code);
      }
    } else if (!known) {
      log('unknown type %s id=%s: no onUnknownEvent hook, acknowledged', event.type, event.id);
    }
    if (this.deduper && key !== undefined && token !== undefined) {
      const report = (error: InnopaasWebhookError) => this.report(error, req, event);
      if (failure) await this.deduper.release(key, token, report);
      else await this.deduper.complete(key, token, report);
    }
    return failure;
  }

  private withHandlerTimeout(result: unknown): unknown {
    const ms = this.config.handlerTimeoutMs;
    if (ms === undefined || !isThenable(result)) return result;
    return withTimeout(result, ms, () => new InnopaasWebhookError('handler_timeout', { detail: `A handler ran longer than ${ms} ms.` }));
  }

  private checkAge(event: AnyEvent): void {
    const maxAge = this.config.maxEventAgeMs;
    if (maxAge === undefined) return;
    const date = event.eventDate;
    if (!date || Date.now() - date.getTime() > maxAge) {
      throw new InnopaasWebhookError('event_too_old', { detail: `eventTime is missing, unreadable or older than ${maxAge} ms.` });
    }
  }

  private async rejectInvalid(error: unknown, payload: unknown, req: Req): Promise<Outcome> {
    if (!isInnopaasWebhookError(error)) return this.rejectUnexpected(error);
    log('%d %s: %o', error.status, error.code, error.problems ?? []);
    const hook = this.config.onInvalidEvent;
    if (hook) {
      try {
        // Bounded like a handler: a hook that hangs must not hang the answer.
        await this.withHandlerTimeout(hook({ error, problems: error.problems ?? [], payload }, req));
      } catch (hookError) {
        this.report(new InnopaasWebhookError('internal_error', { detail: 'onInvalidEvent failed.', cause: hookError }), req);
      }
    }
    return this.config.acknowledgeInvalid ? INVALID_ACKNOWLEDGED : this.reject(error);
  }

  private rejectUnexpected(error: unknown): Outcome {
    const known = isInnopaasWebhookError(error) ? error : new InnopaasWebhookError('internal_error', { cause: error });
    log('%d %s', known.status, known.code);
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
