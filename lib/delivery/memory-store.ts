import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { ClaimResult, DedupeStore } from './types';

export interface MemoryStoreOptions {
  /**
   * How many event ids are remembered at most, claimed or completed. When full, the least recently
   * used one is forgotten first, so a very late redelivery of it would run its handlers again.
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
 * Marks a completed event. Claims hold their token (a string), so a boolean cannot be mistaken for
 * one, and one shared primitive costs nothing per entry (100,000 objects would cost megabytes).
 */
const COMPLETED = true;

// One shared, frozen answer per outcome: the hot path allocates nothing but the claim's token.
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
 * The default dedupe store: one process's memory, bounded by entry count (LRU) and by time (TTL).
 * Enough for a single instance; several instances behind a load balancer need a shared store such
 * as {@link RedisStore}, or each instance runs the handlers of a redelivery it did not see first.
 *
 * Every method answers synchronously, which lets the middleware skip a microtask per request.
 */
export class MemoryStore implements DedupeStore {
  #cache: LRUCache<string, string | typeof COMPLETED> | undefined;
  readonly #maxEntries: number;
  readonly #maxTtlMs: number;

  constructor(options: MemoryStoreOptions = {}) {
    const { maxEntries = 100_000, ttlMs = 86_400_000 } = options;
    assertPositiveInteger('maxEntries', maxEntries, 'a count of entries such as 100000');
    assertPositiveInteger('ttlMs', ttlMs, 'a duration in milliseconds such as 86400000 (24 hours)');
    this.#maxTtlMs = ttlMs;
    this.#maxEntries = maxEntries;
  }

  /**
   * lru-cache allocates all its slots up front (≈ 7 ms for 100,000, bench/): done on first use, not
   * when the middleware is created, so start-up stays cheap.
   */
  get #entries(): LRUCache<string, string | typeof COMPLETED> {
    // No `ttlAutopurge`: it arms one timer per entry. Expired entries are dropped when next read, or
    // pushed out by LRU order, which bounds memory just as well.
    this.#cache ??= new LRUCache({ max: this.#maxEntries, ttl: this.#maxTtlMs });
    return this.#cache;
  }

  /** Entries held, claimed or completed. Expired entries count until they are next read or evicted. */
  get size(): number {
    return this.#cache?.size ?? 0;
  }

  claim(key: string, claimTtlMs: number): ClaimResult {
    const ttl = this.#ttl('claimTtlMs', claimTtlMs);
    const cache = this.#entries;
    const current = cache.get(key);
    if (current === COMPLETED) return ALREADY_COMPLETED;
    if (current !== undefined) return IN_PROGRESS;
    const token = (tokenPrefix ??= `${randomBytes(6).toString('base64url')}.`) + (++tokenCounter).toString(36);
    cache.set(key, token, { ttl });
    return { status: 'claimed', token };
  }

  complete(key: string, token: string, ttlMs: number): void {
    const ttl = this.#ttl('ttlMs', ttlMs);
    // A claim that expired, or was taken over after expiring, is no longer this caller's to complete.
    const cache = this.#entries;
    if (cache.peek(key) === token) cache.set(key, COMPLETED, { ttl });
  }

  release(key: string, token: string): void {
    const cache = this.#entries;
    if (cache.peek(key) === token) cache.delete(key);
  }

  #ttl(name: string, ttlMs: number): number {
    // lru-cache reads a TTL of 0 as "never expires": a bad value must not turn into a permanent claim.
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
