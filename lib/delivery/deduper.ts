import createDebug from 'debug';
import { describeThrown, InnopaasWebhookError } from '../core/errors';
import type { InnopaasEvent, UnknownEvent } from '../events';
import type { ResolvedDedupe } from '../core/options';
import { isThenable, withTimeout } from '../core/async';
import type { ClaimResult } from './types';

const log = createDebug('innopaas-webhook');

export type DedupeClaim =
  | { readonly status: 'claimed'; readonly key?: string; readonly token?: string }
  | { readonly status: 'completed' }
  | { readonly status: 'in-progress' }
  | { readonly status: 'unavailable'; readonly error: InnopaasWebhookError };

type AnyEvent = InnopaasEvent | UnknownEvent;
/** Where a store failure goes (the middleware's `onError`), with the request it happened in. */
type Report<Req> = (error: InnopaasWebhookError, req: Req, event: AnyEvent) => void;

/**
 * Puts a store behind the middleware's rules: every operation bounded by `timeoutMs`, a failing store
 * answered by the fail mode, and a synchronous store (the memory store) called without a promise.
 */
export class Deduper<Req> {
  constructor(
    private readonly options: ResolvedDedupe,
    private readonly report: Report<Req>,
  ) {}

  /** Synchronous when the store is (the memory store): no promise on the request path. */
  claim(event: AnyEvent, req: Req): DedupeClaim | Promise<DedupeClaim> {
    let key: string;
    try {
      key = this.options.key(event);
    } catch (error) {
      return this.unavailable('dedupe.key() threw', error, req, event);
    }
    let pending: ClaimResult | PromiseLike<ClaimResult>;
    try {
      pending = this.options.store.claim(key, this.options.claimTtlMs);
    } catch (error) {
      return this.unavailable('the dedupe store failed to claim', error, req, event);
    }
    if (!isThenable(pending)) return this.toClaim(pending, key, req, event);
    return this.bounded(pending, 'claim', (late) => {
      this.releaseLate(late, key);
    }).then(
      (result) => this.toClaim(result, key, req, event),
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
      const pending = this.options.store.release(key, token);
      if (isThenable(pending)) Promise.resolve(pending).then(undefined, () => undefined);
    } catch {
      // The claim then expires after claimTtlMs, as a crashed instance's would.
    }
  }

  /**
   * Renews a claim while its handler runs, so that a claim can be short (a crashed instance's is gone
   * within seconds) and still cover a slow handler. Only for stores that can extend a claim: the
   * memory store's claims die with their process anyway.
   */
  keepAlive(key: string | undefined, token: string | undefined, req: Req, event: AnyEvent): NodeJS.Timeout | undefined {
    const { store, claimTtlMs } = this.options;
    if (key === undefined || token === undefined || typeof store.extend !== 'function') return undefined;
    const timer = setInterval(() => {
      let pending: unknown;
      try {
        pending = store.extend?.(key, token, claimTtlMs);
      } catch (error) {
        this.settleFailed('extend', error, req, event);
        return;
      }
      if (isThenable(pending)) {
        this.bounded(pending, 'extend').then(undefined, (error: unknown) => {
          this.settleFailed('extend', error, req, event);
        });
      }
    }, claimTtlMs / 3);
    timer.unref();
    return timer;
  }

  private toClaim(result: ClaimResult, key: string, req: Req, event: AnyEvent): DedupeClaim {
    const status = (result as ClaimResult | null | undefined)?.status;
    if (status === 'claimed') return { status: 'claimed', key, token: (result as { token: string }).token };
    if (status === 'completed' || status === 'in-progress') return result as DedupeClaim;
    return this.unavailable(
      'the dedupe store answered a claim with neither claimed, completed nor in-progress',
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
    try {
      pending = operation === 'complete' ? store.complete(key, token, ttlMs) : store.release(key, token);
    } catch (error) {
      return this.settleFailed(operation, error, req, event);
    }
    if (isThenable(pending))
      return this.bounded(pending, operation).then(undefined, (error: unknown) =>
        this.settleFailed(operation, error, req, event),
      );
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
