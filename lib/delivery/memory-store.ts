import { randomBytes } from 'node:crypto';
import type { ClaimResult, DedupeStore } from './types';

export interface MemoryStoreOptions {
  /**
   * How many event ids are remembered at most, claimed or completed. When full, the least recently
   * used one is forgotten first (never a claim whose handler is running), so a very late redelivery of
   * it would run its handlers again.
   * Defaults to `100_000` (about 12 MB of heap when full, with 36-character ids).
   */
  maxEntries?: number | undefined;
  /**
   * The longest any entry is kept, in milliseconds: a claim or completion TTL passed by the caller
   * above this is shortened to it. Defaults to `86_400_000` (24 hours).
   */
  ttlMs?: number | undefined;
}

/**
 * An entry: a claim holds its token and expiry; a completed event is just its expiry (a number), so the
 * 100,000 entries a full store holds are Map slots and numbers rather than objects.
 */
interface Claim {
  readonly token: string;
  readonly expires: number;
}
type Entry = Claim | number;

// One shared, frozen answer per outcome: the hot path allocates nothing but the claim.
const IN_PROGRESS: ClaimResult = Object.freeze({ status: 'in-progress' });
const ALREADY_COMPLETED: ClaimResult = Object.freeze({ status: 'completed' });

/**
 * A random prefix per process and a counter: unique for the life of the process at the cost of one
 * integer increment. `crypto.randomUUID()` would be unique too, but costs more on every claim, and a
 * token here never leaves the process.
 */
// Drawn on first use: Cloudflare Workers refuse random values while a module loads.
let tokenPrefix: string | undefined;
let tokenCounter = 0;

/**
 * The default dedupe store: one process's memory, bounded by entry count and by time (TTL).
 * Enough for a single instance; several instances behind a load balancer need a shared store such
 * as {@link RedisStore}, or each instance runs the handlers of a redelivery it did not see first.
 *
 * A `Map` in order of last use: a write, or a read that finds the entry, moves it to the end, and the
 * first entry is the one forgotten when the store is full. Expired entries are dropped when next read,
 * or pushed out in that order. (This replaced lru-cache: the same policy for what the store needs,
 * without its load time or its per-call bookkeeping; bench/README.md.)
 *
 * Every method answers synchronously, which lets the middleware skip a microtask per request.
 */
export class MemoryStore implements DedupeStore {
  readonly #entries = new Map<string, Entry>();
  /**
   * Walks the keys oldest first, kept from one eviction to the next: a fresh iterator would skip every
   * slot freed since the Map was last compacted, which made a full store 17 times slower.
   */
  #oldest: Iterator<string> | undefined;
  readonly #maxEntries: number;
  readonly #maxTtlMs: number;

  constructor(options: MemoryStoreOptions = {}) {
    const { maxEntries = 100_000, ttlMs = 86_400_000 } = options;
    assertPositiveInteger('maxEntries', maxEntries, 'a count of entries such as 100000');
    assertPositiveInteger('ttlMs', ttlMs, 'a duration in milliseconds such as 86400000 (24 hours)');
    this.#maxTtlMs = ttlMs;
    this.#maxEntries = maxEntries;
  }

  /** The longest any entry is kept (the `ttlMs` option): a longer claim or completion is shortened to it. */
  get maxTtlMs(): number {
    return this.#maxTtlMs;
  }

  /** Entries held, claimed or completed. Expired entries count until they are next read or evicted. */
  get size(): number {
    return this.#entries.size;
  }

  claim(key: string, claimTtlMs: number): ClaimResult {
    const ttl = this.#ttl('claimTtlMs', claimTtlMs);
    const entries = this.#entries;
    const now = Date.now();
    const current = entries.get(key);
    if (current !== undefined) {
      if (typeof current === 'number') {
        if (current > now) {
          // Used again: last to be forgotten.
          entries.delete(key);
          entries.set(key, current);
          return ALREADY_COMPLETED;
        }
      } else if (current.expires > now) return IN_PROGRESS;
      entries.delete(key);
    }
    const token = (tokenPrefix ??= `${randomBytes(6).toString('base64url')}.`) + (++tokenCounter).toString(36);
    this.#set(key, { token, expires: now + ttl }, now);
    return { status: 'claimed', token };
  }

  complete(key: string, token: string, ttlMs: number): void {
    const ttl = this.#ttl('ttlMs', ttlMs);
    const now = Date.now();
    const current = this.#entries.get(key);
    // This caller's claim, even expired: the handler did finish, and dropping the claim would let the
    // next redelivery run it again. A newer claim is another's to settle.
    // In place: the claim was written moments ago, so its slot is as recent as the completion.
    if (typeof current === 'object' && current.token === token) this.#entries.set(key, now + ttl);
  }

  release(key: string, token: string): void {
    if (this.#holds(key, token, Date.now())) this.#entries.delete(key);
  }

  /**
   * Renews the claim held with `token`, even expired (nobody took it since: its handler still runs);
   * false when the key holds another claim or a completion, or was forgotten.
   */
  extend(key: string, token: string, claimTtlMs: number): boolean {
    const ttl = this.#ttl('claimTtlMs', claimTtlMs);
    const current = this.#entries.get(key);
    if (typeof current !== 'object' || current.token !== token) return false;
    this.#entries.set(key, { token, expires: Date.now() + ttl });
    return true;
  }

  #holds(key: string, token: string, now: number): boolean {
    const current = this.#entries.get(key);
    return typeof current === 'object' && current.token === token && current.expires > now;
  }

  /**
   * Adds an entry at the end, forgetting the least recently used one when the store is full. A live
   * claim is passed over: its handler is running, and forgetting it would let a redelivery run the
   * event a second time. So a store whose every entry is a live claim holds more than `maxEntries`.
   */
  #set(key: string, entry: Entry, now: number): void {
    const entries = this.#entries;
    entries.set(key, entry);
    if (entries.size <= this.#maxEntries) return;
    for (let looked = 0; looked < entries.size; looked++) {
      let oldest = this.#oldest?.next();
      if (!oldest || oldest.done === true) {
        // Walked to the end (or never started): again from the oldest.
        this.#oldest = entries.keys();
        oldest = this.#oldest.next();
      }
      if (oldest.done === true) return;
      const held = entries.get(oldest.value);
      if (typeof held === 'object' && held.expires > now) continue;
      entries.delete(oldest.value);
      return;
    }
  }

  #ttl(name: string, ttlMs: number): number {
    // A bad value must not turn into a permanent claim (or none at all).
    if (!(ttlMs > 0)) {
      throw new RangeError(`MemoryStore: ${name} must be a positive number of milliseconds, got ${String(ttlMs)}`);
    }
    return Math.min(ttlMs, this.#maxTtlMs);
  }
}

function assertPositiveInteger(option: string, value: unknown, example: string): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new TypeError(
      `MemoryStore: option \`${option}\` must be a positive integer, got ${(JSON.stringify(value) as string | undefined) ?? String(value)}. ` +
        `Pass ${example}, or leave it out for the default.`,
    );
  }
}
