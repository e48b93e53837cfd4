// Heap cost and speed of the default dedupe store (MemoryStore) at its default size.
//
//   npm run build && node --expose-gc bench/memory-store-heap.mjs
//
// An optional argument names another build to load MemoryStore from (a path to a CommonJS or ESM file).
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ENTRIES = 100_000;
const TTL_MS = 86_400_000;

if (typeof globalThis.gc !== 'function') {
  console.error('Run with --expose-gc: node --expose-gc bench/memory-store-heap.mjs');
  process.exit(1);
}

const modulePath = process.argv[2] ? resolve(process.argv[2]) : fileURLToPath(new URL('../dist/index.js', import.meta.url));
if (!existsSync(modulePath)) {
  console.error(`${modulePath} does not exist: build the package first (npm run build), or pass a compiled file as argument.`);
  process.exit(1);
}
const { MemoryStore } = modulePath.endsWith('.mjs')
  ? await import(pathToFileURL(modulePath).href)
  : createRequire(import.meta.url)(modulePath);

const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);

// A short pause before collecting, so that nothing a timer still holds counts as the store's.
async function memory() {
  await new Promise((resolve) => setTimeout(resolve, 20));
  for (let i = 0; i < 3; i++) globalThis.gc();
  const { heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { heapUsed, offHeap: external + arrayBuffers };
}

function fill(store, keys) {
  for (const key of keys) {
    const claim = store.claim(key, 60_000);
    store.complete(key, claim.token, TTL_MS);
  }
}

/** Best of three rounds: other processes on a small machine only ever slow a round down. */
function opsPerSecond(label, prepare, run) {
  let best = 0;
  for (let round = 0; round < 3; round++) {
    const input = prepare();
    const started = process.hrtime.bigint();
    run(input);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    best = Math.max(best, ENTRIES / seconds);
  }
  console.log(`  ${label.padEnd(42)} ${Math.round(best).toLocaleString('en-US').padStart(12)} ops/s`);
}

// How the store's keys arrive in production: `event.id`, read by JSON.parse, a flat string.
// randomUUID() returns a rope of ~20 concatenated pieces (~490 bytes instead of ~56), which would
// measure Node's UUID formatting, not the store; both are printed.
const parsedUUIDs = () => JSON.parse(JSON.stringify(Array.from({ length: ENTRIES }, () => randomUUID())));
const rawUUIDs = () => Array.from({ length: ENTRIES }, () => randomUUID());

/** Heap held by a full store, key strings included: they are created, stored, and then only the store holds them. */
async function heldBy(makeKeys) {
  const before = await memory();
  const store = new MemoryStore({ maxEntries: ENTRIES, ttlMs: TTL_MS });
  fill(store, makeKeys());
  const after = await memory();
  if (store.size !== ENTRIES) throw new Error(`expected ${ENTRIES} entries, found ${store.size}`);
  return { heap: after.heapUsed - before.heapUsed, offHeap: after.offHeap - before.offHeap };
}

console.log(`MemoryStore holding ${ENTRIES.toLocaleString('en-US')} completed entries, 36-char UUID keys`);
const parsed = await heldBy(parsedUUIDs);
console.log(`  heap used delta, keys from JSON.parse (as in production): ${mb(parsed.heap)} MB`);
console.log(`  off-heap (buffers, typed arrays):                         ${mb(parsed.offHeap)} MB`);
const raw = await heldBy(rawUUIDs);
console.log(`  heap used delta, keys straight from randomUUID():          ${mb(raw.heap)} MB`);

// Speed: keys are made before the clock starts, so UUID generation is not timed.
const newStore = () => new MemoryStore({ maxEntries: ENTRIES, ttlMs: TTL_MS });
const full = newStore();
fill(full, parsedUUIDs());
console.log(`Speed, ${ENTRIES.toLocaleString('en-US')} operations a round, best of 3 rounds`);
opsPerSecond(
  'claim + complete, into an empty store',
  () => [newStore(), parsedUUIDs()],
  ([store, keys]) => fill(store, keys),
);
opsPerSecond('claim + complete, full store (evicting)', parsedUUIDs, (keys) => fill(full, keys));
const completed = parsedUUIDs().slice(0, ENTRIES);
fill(full, completed);
opsPerSecond(
  'claim of a completed key (a duplicate)',
  () => completed,
  (keys) => {
    for (const key of keys) full.claim(key, 60_000);
  },
);
