import { MemoryStore } from '../lib/delivery';
import type { ClaimResult } from '../lib/delivery';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function claimed(result: ClaimResult): string {
  if (result.status !== 'claimed') throw new Error(`expected a claim, got ${result.status}`);
  return result.token;
}

describe('MemoryStore', () => {
  it('answers synchronously, so the middleware can take its fast path', () => {
    const store = new MemoryStore();
    const result = store.claim('evt-1', 1000);
    expect(result).not.toBeInstanceOf(Promise);

    expect(store.complete('evt-1', claimed(result), 1000)).toBeUndefined();
    expect(store.release('evt-1', 'whatever')).toBeUndefined();
  });

  it('claims a new key, reports it in progress, then completed after complete()', () => {
    const store = new MemoryStore();
    const token = claimed(store.claim('evt-1', 1000));
    expect(store.claim('evt-1', 1000)).toEqual({ status: 'in-progress' });
    store.complete('evt-1', token, 1000);
    expect(store.claim('evt-1', 1000)).toEqual({ status: 'completed' });
    expect(store.claim('evt-1', 1000)).toEqual({ status: 'completed' });
  });

  it('never forgets a live claim to make room: its handler is running, and a redelivery would run again', () => {
    const store = new MemoryStore({ maxEntries: 3 });
    const slow = claimed(store.claim('slow', 60_000));
    for (const key of ['e1', 'e2', 'e3']) store.complete(key, claimed(store.claim(key, 60_000)), 60_000);
    expect(store.claim('slow', 60_000)).toEqual({ status: 'in-progress' });
    // The oldest completed entry made room instead.
    expect(store.claim('e1', 60_000).status).toBe('claimed');
    store.complete('slow', slow, 60_000);
    expect(store.claim('slow', 60_000)).toEqual({ status: 'completed' });
  });

  it('forgets an expired claim before a live one', async () => {
    const store = new MemoryStore({ maxEntries: 2 });
    // The live claim is the older entry: least recently used alone would forget it.
    const live = claimed(store.claim('live', 60_000));
    claimed(store.claim('stale', 20));
    await sleep(40);
    claimed(store.claim('new', 60_000));
    expect(store.size).toBe(2);
    expect(store.claim('live', 60_000)).toEqual({ status: 'in-progress' });
    store.release('live', live);
  });

  it('holds more than maxEntries when every entry is a live claim', () => {
    const store = new MemoryStore({ maxEntries: 2 });
    for (const key of ['a', 'b', 'c']) claimed(store.claim(key, 60_000));
    expect(store.size).toBe(3);
    for (const key of ['a', 'b', 'c']) expect(store.claim(key, 60_000)).toEqual({ status: 'in-progress' });
  });

  it('extends a claim held with its token, even expired untaken, and answers false once another took it', async () => {
    const store = new MemoryStore();
    const token = claimed(store.claim('evt-1', 60));
    await sleep(40);
    expect(store.extend('evt-1', token, 60)).toBe(true);
    await sleep(40);
    // Alive only because it was extended.
    expect(store.claim('evt-1', 60)).toEqual({ status: 'in-progress' });
    expect(store.extend('evt-1', 'not-the-token', 60)).toBe(false);
    await sleep(80);
    // Expired, nobody took it: its handler still runs, so the claim is taken back.
    expect(store.extend('evt-1', token, 60)).toBe(true);
    expect(store.claim('evt-1', 60)).toEqual({ status: 'in-progress' });
    await sleep(80);
    claimed(store.claim('evt-1', 60));
    expect(store.extend('evt-1', token, 60)).toBe(false);
  });

  it('gives every claim its own token', () => {
    const store = new MemoryStore();
    const tokens = new Set(Array.from({ length: 1000 }, (_, i) => claimed(store.claim(`evt-${i}`, 1000))));
    expect(tokens.size).toBe(1000);
  });

  it('lets a released key be claimed again, so the redelivery runs', () => {
    const store = new MemoryStore();
    const first = claimed(store.claim('evt-1', 1000));
    store.release('evt-1', first);
    const second = claimed(store.claim('evt-1', 1000));
    expect(second).not.toBe(first);
  });

  it('ignores release and complete with a token that is not the live claim', () => {
    const store = new MemoryStore();
    claimed(store.claim('evt-1', 1000));
    store.release('evt-1', 'not-the-token');
    store.complete('evt-1', 'not-the-token', 1000);
    expect(store.claim('evt-1', 1000)).toEqual({ status: 'in-progress' });
    store.complete('never-claimed', 'token', 1000);
    expect(store.claim('never-claimed', 1000).status).toBe('claimed');
  });

  it('lets a claim expire after its claim TTL, and the stale token cannot touch the newer claim', async () => {
    const store = new MemoryStore();
    const stale = claimed(store.claim('evt-1', 50));
    await sleep(120);
    const fresh = claimed(store.claim('evt-1', 1000));
    store.release('evt-1', stale);
    store.complete('evt-1', stale, 1000);
    expect(store.claim('evt-1', 1000)).toEqual({ status: 'in-progress' });
    store.complete('evt-1', fresh, 1000);
    expect(store.claim('evt-1', 1000)).toEqual({ status: 'completed' });
  });

  it('completes a claim that expired while its handler ran when nobody took it over: the redelivery is a duplicate', async () => {
    const store = new MemoryStore();
    const token = claimed(store.claim('evt-1', 50));
    await sleep(120);
    store.complete('evt-1', token, 1000);
    expect(store.claim('evt-1', 1000)).toEqual({ status: 'completed' });
  });

  it('leaves alone a claim another caller took after the first expired', async () => {
    const store = new MemoryStore();
    const first = claimed(store.claim('evt-1', 50));
    await sleep(120);
    const second = claimed(store.claim('evt-1', 1000));
    store.complete('evt-1', first, 1000);
    expect(store.claim('evt-1', 1000)).toEqual({ status: 'in-progress' });
    store.release('evt-1', second);
    expect(store.claim('evt-1', 1000).status).toBe('claimed');
  });

  it('forgets a completed key after the completion TTL', async () => {
    const store = new MemoryStore();
    store.complete('evt-1', claimed(store.claim('evt-1', 1000)), 80);
    expect(store.claim('evt-1', 1000)).toEqual({ status: 'completed' });
    await sleep(150);
    expect(store.claim('evt-1', 1000).status).toBe('claimed');
  });

  it('keeps no entry longer than its ttlMs option, whatever TTL a call asks for', async () => {
    const store = new MemoryStore({ ttlMs: 60 });
    store.complete('evt-1', claimed(store.claim('evt-1', 60_000)), 60_000);
    await sleep(130);
    expect(store.claim('evt-1', 1000).status).toBe('claimed');
  });

  it('evicts the least recently used key beyond maxEntries', () => {
    const store = new MemoryStore({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c']) store.complete(key, claimed(store.claim(key, 1000)), 60_000);
    expect(store.claim('a', 1000)).toEqual({ status: 'completed' }); // 'a' is now the most recent
    store.complete('d', claimed(store.claim('d', 1000)), 60_000);
    expect(store.size).toBe(3);
    expect(store.claim('b', 1000).status).toBe('claimed'); // evicted, so it is claimable again
    expect(store.claim('a', 1000)).toEqual({ status: 'completed' });
    expect(store.claim('d', 1000)).toEqual({ status: 'completed' });
  });

  it('stays within maxEntries under a stream of distinct keys', () => {
    const store = new MemoryStore({ maxEntries: 100 });
    for (let i = 0; i < 1000; i++) store.complete(`evt-${i}`, claimed(store.claim(`evt-${i}`, 1000)), 60_000);
    expect(store.size).toBe(100);
    expect(store.claim('evt-999', 1000)).toEqual({ status: 'completed' });
    expect(store.claim('evt-0', 1000).status).toBe('claimed');
  });

  it.each([0, -1, Number.NaN])('refuses a TTL of %p rather than keeping a claim forever', (ttl) => {
    const store = new MemoryStore();
    expect(() => store.claim('evt-1', ttl)).toThrow(/claimTtlMs must be a positive number/);
    const token = claimed(store.claim('evt-1', 1000));
    expect(() => {
      store.complete('evt-1', token, ttl);
    }).toThrow(/ttlMs must be a positive number/);
  });

  it.each([
    [{ maxEntries: 0 }, /`maxEntries` must be a positive integer, got 0/],
    [{ maxEntries: 1.5 }, /`maxEntries` must be a positive integer, got 1.5/],
    [{ ttlMs: -1 }, /`ttlMs` must be a positive integer, got -1/],
    [{ ttlMs: '1h' as unknown as number }, /`ttlMs` must be a positive integer, got "1h"/],
  ])('rejects the options %p with a message naming the option', (options, message) => {
    expect(() => new MemoryStore(options)).toThrow(message);
  });
});
