/**
 * The contract between the middleware and a dedupe store. Implement it to keep dedupe state anywhere
 * (PostgreSQL, DynamoDB…). Every method may answer synchronously or with a promise.
 *
 * Life of a key: `claim` → the handlers run → `complete` (success) or `release` (failure, so the
 * redelivery runs). A claim that is neither completed nor released expires after `claimTtlMs`, so an
 * instance that dies mid-handling blocks the event only that long.
 */
export interface DedupeStore {
  /**
   * Atomically claim `key` for handling.
   * - `{ status: 'claimed', token }`: nobody holds it; the caller now does. `token` identifies this claim.
   * - `{ status: 'in-progress' }`: another claim on it is live (being handled right now).
   * - `{ status: 'completed' }`: it was handled successfully before (within the completion TTL).
   */
  claim(key: string, claimTtlMs: number): ClaimResult | Promise<ClaimResult>;
  /** Mark the claim held with `token` as done; keep the mark for `ttlMs`. */
  complete(key: string, token: string, ttlMs: number): void | Promise<void>;
  /** Drop the claim held with `token`, and only that claim (a newer claim by someone else is kept). */
  release(key: string, token: string): void | Promise<void>;
  /**
   * Optional: renew the claim held with `token` for another `claimTtlMs` (and only that claim). The
   * middleware calls it every `claimTtlMs / 3` while a handler runs, so claims can be short: a
   * crashed instance's claim is gone within seconds, and a slow handler still keeps its own. Stores
   * without it need a `claimTtlMs` longer than any handler runs. Looked up once, when the middleware is
   * created. Return `false` when another claim or a completion holds the key (a claim that expired
   * with nobody taking it may be taken back): the middleware then fires the handler's `signal` and
   * reports it, since a redelivery may be running the same event.
   */
  // `void` too: a store written before `false` had a meaning returns nothing, and still renews.
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type
  extend?(key: string, token: string, claimTtlMs: number): void | boolean | Promise<void | boolean>;
}

export type ClaimResult =
  { readonly status: 'claimed'; readonly token: string } | { readonly status: 'in-progress' } | { readonly status: 'completed' };
