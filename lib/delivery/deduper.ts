import createDebug from 'debug';
import { describeThrown, InnopaasWebhookError } from '../core/errors';
import type { InnopaasEvent, UnknownEvent } from '../events';
import type { ResolvedDedupe } from '../core/options';
import { dropResult, isThenable, withTimeout } from '../core/async';
import type { ClaimResult } from './types';

const log = createDebug('innopaas-webhook');

export type DedupeClaim =
  | { readonly status: 'claimed'; readonly key?: string; readonly token?: string }
  | { readonly status: 'completed' }
  | { readonly status: 'in-progress' }
  | { readonly status: 'unavailable'; readonly error: InnopaasWebhookError };

type AnyEvent = InnopaasEvent | UnknownEvent;

/** The default dedupe key: the envelope `id`, a non-empty string by its schema. */
export const defaultDedupeKey = (event: AnyEvent): string => event.id;

/**
 * What a key function returns when it has a bug: `String(undefined)`, `${obj}`, `String(promise)`,
 * `String(NaN)`. Taken as keys, they would make every event a duplicate of the first.
 */
const BUG_KEY = /^(?:undefined|null|NaN|\[object [^\]]*\])$/;

/** Why a key returned by `dedupe.key` cannot be used, or undefined when it can. */
function keyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string') {
    let thenable = false;
    try {
      thenable = isThenable(key);
    } catch {
      // A value whose `then` cannot be read is no key either.
    }
    return thenable
      ? 'returned a promise: the key must be computed synchronously'
      : `returned ${describeThrown(key)} (${key === null ? 'null' : typeof key}), not a string`;
  }
  if (key.trim() === '') return 'returned an empty or blank string';
  if (BUG_KEY.test(key)) return `returned ${JSON.stringify(key)}, the string of a missing or non-string value`;
  return undefined;
}

const IN_PROGRESS: DedupeClaim = Object.freeze({ status: 'in-progress' });
const COMPLETED: DedupeClaim = Object.freeze({ status: 'completed' });

/** What a lost claim stops: the handler's run (its `signal`). */
interface Abortable {
  abort(reason: unknown): void;
}

/** Where a store failure goes (the middleware's `onError`), with the request it happened in. */
type Report<Req> = (error: InnopaasWebhookError, req: Req, event: AnyEvent) => void;

/**
 * Puts a store behind the middleware's rules: every operation bounded by `timeoutMs`, a failing store
 * answered by the fail mode, and a synchronous store (the memory store) called without a promise.
 */
export class Deduper<Req> {
  /**
   * Whether running handlers' claims are renewed: only when a claim could expire before its handler's
   * deadline, and the store can renew one. `extend` is read once; a store whose getter throws cannot.
   */
  private readonly renews: boolean;

  constructor(
    private readonly options: ResolvedDedupe,
    private readonly report: Report<Req>,
  ) {
    let extendable = false;
    try {
      extendable = typeof options.store.extend === 'function';
    } catch {
      // No heartbeat: the claim lives claimTtlMs.
    }
    this.renews = options.renewClaims && extendable;
  }

  /** Synchronous when the store is (the memory store): no promise on the request path. */
  claim(event: AnyEvent, req: Req): DedupeClaim | Promise<DedupeClaim> {
    const { key: keyOf, store, claimTtlMs } = this.options;
    let key: unknown;
    try {
      key = keyOf(event);
    } catch (error) {
      return this.keyFailed(`threw ${describeThrown(error)}`, undefined, req, event, error);
    }
    // The default key is the schema-checked `id`; a custom one is checked before it reaches a store.
    const problem = keyOf === defaultDedupeKey ? undefined : keyProblem(key);
    if (problem) return this.keyFailed(problem, key, req, event);
    let pending: ClaimResult | PromiseLike<ClaimResult>;
    let thenable: boolean;
    try {
      pending = store.claim(key as string, claimTtlMs);
      thenable = isThenable(pending);
    } catch (error) {
      return this.unavailable('the dedupe store failed to claim', error, req, event);
    }
    if (!thenable) return this.toClaim(pending, key as string, req, event);
    return this.bounded(pending as PromiseLike<ClaimResult>, 'claim', (late) => {
      this.releaseLate(late, key as string);
    }).then(
      (result) => this.toClaim(result, key as string, req, event),
      (error: unknown) => this.unavailable('the dedupe store failed to claim', error, req, event),
    );
  }

  /**
   * A claim that lands after its operation timed out belongs to a request that was answered 503: it is
   * released at once, so that it cannot block the redelivery.
   */
  private releaseLate(late: unknown, key: string): void {
    const token = readToken(late);
    if (token === undefined) return;
    log('releasing a claim that landed after its timeout');
    try {
      dropResult(this.options.store.release(key, token), () => undefined);
    } catch {
      // The claim then expires after claimTtlMs, as a crashed instance's would.
    }
  }

  /**
   * Renews a claim while its handler runs, so that a claim can be short (a crashed instance's is gone
   * within seconds) and still cover a slow handler. A store that answers `false` has lost the claim (it
   * expired during a stall, or another instance took it): the handler's `run` is aborted, since a
   * redelivery may be handling the same event. Returns what stops the heartbeat, if one was started.
   */
  keepAlive(
    key: string | undefined,
    token: string | undefined,
    req: Req,
    event: AnyEvent,
    run: Abortable,
  ): (() => void) | undefined {
    const { store, claimTtlMs } = this.options;
    if (key === undefined || token === undefined || !this.renews) return undefined;
    let beating = true;
    const renewed = (answer: unknown): void => {
      // An answer that comes after the handler settled is about a claim already completed or released.
      if (answer !== false || !beating) return;
      stop();
      const lost = new InnopaasWebhookError('dedupe_unavailable', {
        detail:
          'The claim on this event was lost while its handler ran (it expired, or another instance took it): ' +
          'a redelivery may be handling the event too.',
      });
      log('claim lost: %s', describeThrown(event.id));
      run.abort(lost);
      this.report(lost, req, event);
    };
    const timer = setInterval(() => {
      let pending: unknown;
      let thenable: boolean;
      try {
        pending = store.extend?.(key, token, claimTtlMs);
        thenable = isThenable(pending);
      } catch (error) {
        this.settleFailed('extend', error, req, event);
        return;
      }
      if (!thenable) {
        renewed(pending);
        return;
      }
      this.bounded(pending as PromiseLike<unknown>, 'extend').then(renewed, (error: unknown) => {
        this.settleFailed('extend', error, req, event);
      });
    }, claimTtlMs / 3);
    timer.unref();
    const stop = (): void => {
      beating = false;
      clearInterval(timer);
    };
    return stop;
  }

  /** The store's answer, read once and checked: anything but the three documented shapes is a failure. */
  private toClaim(result: unknown, key: string, req: Req, event: AnyEvent): DedupeClaim {
    let status: unknown;
    let token: unknown;
    try {
      ({ status, token } = result as { status?: unknown; token?: unknown });
    } catch (error) {
      return this.unavailable('the dedupe store answered a claim with an unreadable value', error, req, event);
    }
    if (status === 'claimed') {
      if (typeof token === 'string' && token !== '') return { status: 'claimed', key, token };
      // Without a token the claim can be neither completed nor released: it expires after claimTtlMs.
      return this.unavailable('the dedupe store answered claimed without a token', undefined, req, event);
    }
    if (status === 'completed') return COMPLETED;
    if (status === 'in-progress') return IN_PROGRESS;
    return this.unavailable(
      `the dedupe store answered a claim with ${describeThrown(status)}, not claimed, completed or in-progress`,
      undefined,
      req,
      event,
    );
  }

  complete(key: string, token: string, req: Req, event: AnyEvent): Promise<void> | void {
    return this.finish('complete', key, token, req, event);
  }

  release(key: string, token: string, req: Req, event: AnyEvent): Promise<void> | void {
    return this.finish('release', key, token, req, event);
  }

  private finish(operation: 'complete' | 'release', key: string, token: string, req: Req, event: AnyEvent): Promise<void> | void {
    const { store, ttlMs } = this.options;
    let pending: void | Promise<void>;
    let thenable: boolean;
    try {
      pending = operation === 'complete' ? store.complete(key, token, ttlMs) : store.release(key, token);
      thenable = isThenable(pending);
    } catch (error) {
      this.settleFailed(operation, error, req, event);
      return;
    }
    if (thenable)
      return this.bounded(pending as Promise<void>, operation).then(undefined, (error: unknown) => {
        this.settleFailed(operation, error, req, event);
      });
  }

  /** A failed complete or release is reported, never thrown: the handlers' outcome stands. */
  private settleFailed(operation: string, error: unknown, req: Req, event: AnyEvent): void {
    log('dedupe %s failed: %s', operation, describeThrown(error));
    this.report(
      new InnopaasWebhookError('dedupe_unavailable', { detail: `The dedupe store failed to ${operation}.`, cause: error }),
      req,
      event,
    );
  }

  /**
   * A key that is no key is a bug in the app, not a store outage: it answers 503 whatever the fail
   * mode (the sender retries; handling without dedupe would run every retry), and claims nothing.
   */
  private keyFailed(problem: string, key: unknown, req: Req, event: AnyEvent, cause?: unknown): DedupeClaim {
    try {
      // An async key's promise may reject later: it must not become an unhandled rejection.
      if (isThenable(key)) Promise.resolve(key).then(undefined, () => undefined);
    } catch {
      // Unreadable: nothing to wait for.
    }
    const error = new InnopaasWebhookError('dedupe_unavailable', { detail: `dedupe.key() ${problem}; retry later.`, cause });
    log('503 dedupe_unavailable: dedupe.key() %s', problem);
    this.report(error, req, event);
    return { status: 'unavailable', error };
  }

  private unavailable(detail: string, cause: unknown, req: Req, event: AnyEvent): DedupeClaim {
    const error = new InnopaasWebhookError('dedupe_unavailable', { detail: `${detail}; retry later.`, cause });
    this.report(error, req, event);
    if (this.options.failOpen) {
      log('dedupe store failed, failMode open: handling without dedupe');
      return { status: 'claimed' };
    }
    log('503 dedupe_unavailable (failMode closed)');
    return { status: 'unavailable', error };
  }

  /** Bounds one store operation by `timeoutMs`; `late` sees the result of one that settles after it. */
  private bounded<T>(pending: PromiseLike<T>, operation: string, late?: (result: T) => void): Promise<T> {
    const ms = this.options.timeoutMs;
    let timedOut = false;
    if (late) {
      Promise.resolve(pending).then(
        (result) => {
          if (timedOut) late(result);
        },
        () => undefined,
      );
    }
    return withTimeout(pending, ms, () => {
      timedOut = true;
      return new Error(`dedupe ${operation} timed out after ${ms} ms`);
    });
  }
}

function readToken(result: unknown): string | undefined {
  try {
    const { status, token } = result as { status?: unknown; token?: unknown };
    return status === 'claimed' && typeof token === 'string' ? token : undefined;
  } catch {
    return undefined;
  }
}
