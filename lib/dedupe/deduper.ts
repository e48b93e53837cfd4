import createDebug from 'debug';
import { InnopaasWebhookError } from '../errors';
import type { InnopaasEvent, UnknownEvent } from '../events';
import type { ResolvedDedupe } from '../options';
import { isThenable, withTimeout } from '../timeout';
import type { ClaimResult } from './types';

const log = createDebug('innopaas-webhook');

export type DedupeClaim =
  | { readonly status: 'claimed'; readonly key?: string; readonly token?: string }
  | { readonly status: 'completed' }
  | { readonly status: 'in-progress' }
  | { readonly status: 'unavailable'; readonly error: InnopaasWebhookError };

type Report = (error: InnopaasWebhookError) => void;

/**
 * Puts a store behind the middleware's rules: every operation bounded by `timeoutMs`, a failing store
 * answered by the fail mode, and a synchronous store (the memory store) called without a promise.
 */
export class Deduper {
  constructor(private readonly options: ResolvedDedupe) {}

  async claim(event: InnopaasEvent | UnknownEvent, report: Report): Promise<DedupeClaim> {
    let key: string;
    try {
      key = this.options.key(event);
    } catch (error) {
      return this.unavailable('dedupe.key() threw', error, report);
    }
    let result: ClaimResult;
    try {
      const pending = this.options.store.claim(key, this.options.claimTtlMs);
      result = isThenable(pending) ? await this.bounded(pending, 'claim') : pending;
    } catch (error) {
      return this.unavailable('the dedupe store failed to claim', error, report);
    }
    if (result.status === 'claimed') return { status: 'claimed', key, token: result.token };
    return result;
  }

  complete(key: string, token: string, report: Report): Promise<void> | void {
    return this.settle('complete', () => this.options.store.complete(key, token, this.options.ttlMs), report);
  }

  release(key: string, token: string, report: Report): Promise<void> | void {
    return this.settle('release', () => this.options.store.release(key, token), report);
  }

  /** A failed complete or release is reported, never thrown: the handlers' outcome stands. */
  private settle(operation: string, run: () => void | Promise<void>, report: Report): Promise<void> | void {
    const fail = (error: unknown) => {
      log('dedupe %s failed: %s', operation, (error as Error)?.message);
      report(new InnopaasWebhookError('dedupe_unavailable', { detail: `The dedupe store failed to ${operation}.`, cause: error }));
    };
    try {
      const pending = run();
      if (isThenable(pending)) return this.bounded(pending, operation).then(undefined, fail);
    } catch (error) {
      fail(error);
    }
  }

  private unavailable(detail: string, cause: unknown, report: Report): DedupeClaim {
    const error = new InnopaasWebhookError('dedupe_unavailable', { detail: `${detail}; retry later.`, cause });
    report(error);
    if (this.options.failOpen) {
      log('dedupe store failed, failMode open: handling without dedupe');
      return { status: 'claimed' };
    }
    log('503 dedupe_unavailable (failMode closed)');
    return { status: 'unavailable', error };
  }

  private bounded<T>(pending: PromiseLike<T>, operation: string): Promise<T> {
    const ms = this.options.timeoutMs;
    return withTimeout(pending, ms, () => new Error(`dedupe ${operation} timed out after ${ms} ms`));
  }
}
