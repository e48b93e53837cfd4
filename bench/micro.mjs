// Micro benchmarks of the request path, one stage at a time, in a process of their own.
//   node bench/micro.mjs [--quick] [--json]
// Validation and the credential check are the middleware's own code (lib/stages/validate.ts with the validators
// generated at build time, lib/stages/credentials.ts), which the package does not export: they are bundled from
// lib/ into bench/.cache/ with tsup first. Everything else comes from the built package.
import { isUtf8 } from 'node:buffer';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';
import { loadBuild } from './contenders.mjs';
import { AUTHORIZATION, USER_NAME, requestFactories } from './payloads.mjs';
import { median, opsPerSecond } from './stats.mjs';

const FIXTURES = new URL('../__tests__/fixtures/', import.meta.url);
const require = createRequire(import.meta.url);

/**
 * Calls per second of each function: `repeats` rounds in which every function runs for `ms` in turn, then
 * the median of its rounds. Taking the functions in turn, as the load test takes contenders, spreads a
 * slow second of a busy machine over all of them instead of pinning it on whichever ran then.
 */
function measureAll(fns, { ms, repeats }) {
  for (const fn of fns) fn(); // first call outside the clock: lazy compilation, inline caches
  const rounds = fns.map(() => []);
  for (let round = 0; round < repeats; round++) fns.forEach((fn, i) => rounds[i].push(opsPerSecond(fn, ms)));
  return rounds.map(median);
}

const measure = (fn, timing) => measureAll([fn], timing)[0];

/** lib/stages/validate.ts and lib/stages/credentials.ts as the middleware runs them, bundled (CommonJS) into bench/.cache/. */
async function loadInternals() {
  const outDir = fileURLToPath(new URL('./.cache/internals/', import.meta.url));
  const lib = (file) => fileURLToPath(new URL(`../lib/${file}`, import.meta.url));
  await build({
    entry: { validate: lib('stages/validate.ts'), credentials: lib('stages/credentials.ts') },
    outDir,
    format: ['cjs'],
    platform: 'node',
    target: 'node20',
    config: false,
    silent: true,
    dts: false,
    sourcemap: false,
    splitting: false,
  });
  return { validate: require(`${outDir}validate.js`), credentials: require(`${outDir}credentials.js`) };
}

function loadFixtures() {
  let files;
  try {
    files = readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.json'))
      .sort();
  } catch {
    return [];
  }
  return files.map((file) => ({
    name: file.replace(/\.json$/, ''),
    event: JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8')),
  }));
}

/** Whether `validateEvent` accepts the event: what the middleware runs, envelope and body. */
function validatorOf(internals) {
  const validators = internals.validate.getValidators();
  return (event) => {
    try {
      internals.validate.validateEvent(validators, event);
      return true;
    } catch {
      return false;
    }
  };
}

export function validationBench(internals, timing) {
  const validate = validatorOf(internals);
  const fixtures = loadFixtures();
  // The load test's own event first: it is the one whose cost shows in the req/s figures.
  fixtures.unshift({ name: '(bench request: mo text, 600 B)', event: JSON.parse(requestFactories.innopaas(1).body) });
  // Run every fixture first: a live server sees every type, so the validators' inline caches are
  // polymorphic there. Measured one by one without this, the first fixtures would look faster.
  const warm = Date.now() + timing.ms;
  while (Date.now() < warm) for (const { event } of fixtures) validate(event);
  const perSecond = measureAll(
    fixtures.map(
      ({ event }) =>
        () =>
          validate(event),
    ),
    timing,
  );
  return fixtures.map(({ name, event }, i) => ({ name, valid: validate(event), perSecond: perSecond[i] }));
}

/** What each stage of the pipeline costs on the load test's request, in microseconds. */
export function stageBench(pkg, internals, timing) {
  const { body } = requestFactories.innopaas(1);
  const bytes = Buffer.from(body);
  const validate = validatorOf(internals);
  const checkCredentials = internals.credentials.createCredentialCheck([{ userName: USER_NAME, authorization: AUTHORIZATION }]);
  const store = new pkg.MemoryStore();
  let key = 0;
  const stages = {
    'credentials (SHA-256 of the pair + timingSafeEqual)': () => checkCredentials(USER_NAME, AUTHORIZATION),
    'isUtf8 + toString': () => isUtf8(bytes) && bytes.toString('utf8'),
    'JSON.parse': () => JSON.parse(body),
    'validate (envelope + body)': (() => {
      const event = JSON.parse(body);
      return () => validate(event);
    })(),
    'JSON.parse + decorateDates (a fresh event each time)': () => pkg.decorateDates(JSON.parse(body)),
    'MemoryStore claim + complete': () => {
      const id = `id-${++key}`;
      const claim = store.claim(id, 300_000);
      store.complete(id, claim.token, 86_400_000);
    },
  };
  const perSecond = measureAll(Object.values(stages), timing);
  return Object.keys(stages).map((name, i) => ({ name, perSecond: perSecond[i], microseconds: 1e6 / perSecond[i] }));
}

/** claim + complete pairs per second, on a store below its bound and on one that evicts on every claim. */
export function dedupeBench(pkg, timing) {
  const results = [];
  for (const [name, maxEntries, prefill] of [
    ['MemoryStore, growing (bound of 1,000,000 not reached)', 1_000_000, 0],
    ['MemoryStore, full (100,000, evicting)', 100_000, 100_000],
  ]) {
    const store = new pkg.MemoryStore({ maxEntries });
    let key = 0;
    const claimComplete = () => {
      const id = `b5e984b3-21b2-42a9-b08b-${(++key).toString(16).padStart(12, '0')}`;
      const claim = store.claim(id, 300_000);
      store.complete(id, claim.token, 86_400_000);
    };
    for (let i = 0; i < prefill; i++) claimComplete();
    results.push({ name, perSecond: measure(claimComplete, timing) });
  }
  return results;
}

export async function runMicro({ quick = false } = {}) {
  const timing = quick ? { ms: 40, repeats: 3 } : { ms: 250, repeats: 7 };
  const pkg = loadBuild();
  const internals = await loadInternals();
  return {
    validation: validationBench(internals, timing),
    stages: stageBench(pkg, internals, timing),
    dedupe: dedupeBench(pkg, timing),
  };
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await runMicro({ quick: process.argv.includes('--quick') });
  if (process.argv.includes('--json')) {
    process.stdout.write(JSON.stringify(result));
  } else {
    console.log('validation (events/s):');
    for (const v of result.validation)
      console.log(`  ${v.name.padEnd(36)} ${fmt(v.perSecond).padStart(12)}${v.valid ? '' : '  (invalid!)'}`);
    console.log('stages (µs per request):');
    for (const s of result.stages) console.log(`  ${s.name.padEnd(44)} ${s.microseconds.toFixed(2).padStart(8)}`);
    console.log('dedupe (claim+complete/s):');
    for (const d of result.dedupe) console.log(`  ${d.name.padEnd(44)} ${fmt(d.perSecond).padStart(12)}`);
  }
}
