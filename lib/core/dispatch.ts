import { createDateDecorator } from '../events/dates';
import type { InnopaasEvent, UnknownEvent } from '../events';
import { getValidators, validateEvent, type Validators } from '../stages/validate';
import { isThenable } from './async';
import { describeThrown, InnopaasWebhookError, isInnopaasWebhookError } from './errors';

export type AnyEvent = InnopaasEvent | UnknownEvent;

/** A handler as the dispatcher calls it: the event, then whatever the caller passes (req, context…). */
export type AnyHandler = (event: never, ...rest: never[]) => unknown;

export interface DispatchConfig {
  handlers: ReadonlyMap<unknown, AnyHandler>;
  onUnknownEvent: AnyHandler | undefined;
  timeZone: string;
  /** A handler still running after this long fails with `handler_timeout`. */
  handlerTimeoutMs: number;
  /** Takes secrets out of text that reaches messages and logs (the configured credentials). */
  redact?: (text: string) => string;
}

/** What a handler learns of its run besides the event. */
export interface HandlerContext {
  /**
   * Fires when the handler's time is up (`handlerTimeoutMs`) or the receiver shuts down: the event will
   * be redelivered, so stop work that has not committed yet.
   */
  readonly signal: AbortSignal;
}

/**
 * One handler run's cancellation. The `AbortController` is made only when a handler reads `signal`,
 * so that handlers which never look at it cost nothing.
 */
export class HandlerRun implements HandlerContext {
  #controller: AbortController | undefined;
  #reason: unknown;
  #aborted = false;

  get signal(): AbortSignal {
    if (this.#aborted && !this.#controller) return AbortSignal.abort(this.#reason);
    this.#controller ??= new AbortController();
    return this.#controller.signal;
  }

  /** Whether `error` is what this run was aborted with (a handler rethrowing its signal's reason). */
  isAbortReason(error: unknown): boolean {
    return this.#aborted && error === this.#reason;
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

/** A handler's outcome: `undefined` on success, else the error that answers the delivery. */
export type HandlerOutcome = InnopaasWebhookError | undefined;

/**
 * The part of the pipeline that needs no HTTP: validate a payload, decorate its dates, pick and run the
 * handler of its type with a bounded time. The middleware, the queue worker and `createEventDispatcher`
 * all go through it, so an event is checked and handled the same way wherever it comes from.
 */
export class Dispatcher {
  readonly #validators: Validators;
  readonly #decorateDates;

  constructor(private readonly config: DispatchConfig) {
    this.#validators = getValidators();
    this.#decorateDates = createDateDecorator(config.timeZone);
  }

  /** Validates a parsed payload and returns the typed event; throws the `InnopaasWebhookError` to answer. */
  parse(payload: unknown): { event: AnyEvent; known: boolean } {
    const result = validateEvent(this.#validators, payload);
    return { event: this.#decorateDates(result.event) as AnyEvent, known: result.known };
  }

  handlerOf(event: AnyEvent, known: boolean): AnyHandler | undefined {
    return known ? this.config.handlers.get(event.type) : this.config.onUnknownEvent;
  }

  /**
   * Runs `handler(event, ...args)`. Answers synchronously when the handler does (no promise on the
   * request path); else a promise that never rejects. `run` is aborted when the time is up.
   */
  run(handler: AnyHandler, event: AnyEvent, args: readonly unknown[], run: HandlerRun): HandlerOutcome | Promise<HandlerOutcome> {
    let result: unknown;
    try {
      result = (handler as (...all: unknown[]) => unknown)(event, ...args);
    } catch (error) {
      return this.#failure(error, event);
    }
    let thenable: boolean;
    try {
      thenable = isThenable(result);
    } catch (error) {
      // A returned object whose `then` getter throws is a failed handler, not a crash.
      return this.#failure(error, event);
    }
    if (!thenable) return undefined;
    const ms = this.config.handlerTimeoutMs;
    // One promise that resolves to the outcome and never rejects: the handler's settling or its
    // deadline, whichever comes first (a promise chain built per request costs more than its timer).
    return new Promise<HandlerOutcome>((resolve) => {
      const timer = setTimeout(() => {
        const timeout = new InnopaasWebhookError('handler_timeout', {
          detail: `The ${describeThrown(event.type)} handler ran longer than ${ms} ms.`,
        });
        run.abort(timeout);
        resolve(timeout);
      }, ms);
      const failed = (error: unknown) => {
        clearTimeout(timer);
        // Rethrowing its signal's reason (close(), a lost claim): that reason is the answer, not a failure of its own.
        resolve(run.isAbortReason(error) && isInnopaasWebhookError(error) ? error : this.#failure(error, event));
      };
      try {
        (result as PromiseLike<unknown>).then(() => {
          clearTimeout(timer);
          resolve(undefined);
        }, failed);
      } catch (error) {
        // A thenable whose `then` throws is a failed handler.
        failed(error);
      }
    });
  }

  #failure(error: unknown, event: AnyEvent): InnopaasWebhookError {
    return handlerFailure(error, event, this.config.redact);
  }
}

function isOwnTimeout(error: unknown): error is InnopaasWebhookError {
  try {
    return error instanceof InnopaasWebhookError && error.code === 'handler_timeout';
  } catch {
    // A Proxy whose getPrototypeOf trap throws: not ours.
    return false;
  }
}

function handlerFailure(error: unknown, event: AnyEvent, redact = (text: string) => text): InnopaasWebhookError {
  // The deadline's own error, rethrown by a handler that gave up on its signal, keeps its code. Only
  // an instance passes: a look-alike thrown by a handler would choose its own status, 200 included.
  if (isOwnTimeout(error)) return error;
  // The cause's message is in ours, so that `console.error(err.message)` says what went wrong; a 5xx
  // answer never shows it to the sender.
  return new InnopaasWebhookError('handler_failed', {
    detail: `The ${describeThrown(event.type)} handler failed: ${describeThrown(error, redact)}`,
    cause: error,
  });
}
