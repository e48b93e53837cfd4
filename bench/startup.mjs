// Start-up cost of the middleware: what `require` + `innopaasWebhook({...})` add to a process that
// already loads Express. Each figure comes from fresh child processes (a warm module cache would hide
// the cost), timed inside the child with process.hrtime around the measured step; the whole-process
// wall time is given too. A round runs every kind of child once, in rotating order, and differences
// are taken within a round, so that a busy moment of the machine falls on both sides of one.
//   node bench/startup.mjs [--quick] [--json]
//   node bench/startup.mjs --child <mode>          (one measured process; modes below)
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { loadBuild } from './contenders.mjs';
import { AUTHORIZATION, USER_NAME } from './payloads.mjs';
import { median } from './stats.mjs';

const SELF = fileURLToPath(import.meta.url);
const CACHE = new URL('./.cache/', import.meta.url);
const STANDALONE = fileURLToPath(new URL('standalone-validators.cjs', CACHE));
const BUILD = '../dist/index.js';

/**
 * Writes the package's validators as ajv standalone code, as a build step could ship them, so that
 * the cost of loading them can be set against compiling at start-up.
 */
function writeStandaloneValidators() {
  const require = createRequire(import.meta.url);
  const { Ajv } = require('ajv');
  const standaloneCode = require('ajv/dist/standalone').default;
  const pkg = loadBuild();
  const ajv = new Ajv({ strict: true, allErrors: true, code: { source: true } });
  const refs = { envelope: 'envelope' };
  ajv.addSchema(pkg.envelopeSchema, 'envelope');
  for (const type of pkg.EVENT_TYPES) {
    ajv.addSchema(pkg.bodySchemas[type], type);
    refs[type] = type;
  }
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(STANDALONE, standaloneCode(ajv, refs));
}

/**
 * What each kind of child does after `require('express')`; `setup` runs before the clock starts.
 * - middleware: require the package and create the middleware, as an app does;
 * - ajv-require: require ajv alone (the package requires it at load);
 * - ajv-compile: compile every schema with a fresh Ajv, as the first innopaasWebhook() call does;
 * - standalone: load validators generated at build time instead (ajv's small runtime helpers only);
 * - memory-store: create the default dedupe store (lru-cache allocates all 100,000 slots up front).
 */
const MODES = {
  express: { measure() {} },
  middleware: {
    measure(require) {
      require(BUILD).innopaasWebhook({ userName: USER_NAME, authorization: AUTHORIZATION, on: { whatsapp_mo_message_received: async () => {} } });
    },
  },
  'ajv-require': { measure: (require) => require('ajv') },
  'ajv-compile': {
    setup: (require) => ({ pkg: require(BUILD), Ajv: require('ajv').Ajv }),
    measure(_require, { pkg, Ajv }) {
      const ajv = new Ajv({ strict: true, allErrors: true });
      ajv.compile(pkg.envelopeSchema);
      for (const type of pkg.EVENT_TYPES) ajv.compile(pkg.bodySchemas[type]);
    },
  },
  standalone: { measure: (require) => require(STANDALONE) },
  'memory-store': { setup: (require) => require(BUILD), measure: (_require, pkg) => new pkg.MemoryStore() },
};

function child(mode) {
  const require = createRequire(import.meta.url);
  const { setup, measure } = MODES[mode];
  require('express');
  const prepared = setup?.(require);
  const start = process.hrtime.bigint();
  measure(require, prepared);
  process.stdout.write(JSON.stringify({ ms: Number(process.hrtime.bigint() - start) / 1e6 }));
}

function spawnChild(mode) {
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, [SELF, '--child', mode], { encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) throw new Error(`startup child (${mode}) failed: ${run.stderr}`);
  return { ...JSON.parse(run.stdout), wall };
}

export function runStartup({ quick = false } = {}) {
  const rounds = quick ? 5 : 21;
  loadBuild(); // fail early, with the build hint, rather than in every child
  writeStandaloneValidators();
  const samples = { middleware: [], wallOverExpress: [], ajvRequire: [], ajvCompile: [], standalone: [], memoryStore: [], projected: [] };
  const modes = Object.keys(MODES);
  for (let i = 0; i < rounds; i++) {
    const order = [...modes.slice(i % modes.length), ...modes.slice(0, i % modes.length)];
    const run = Object.fromEntries(order.map((mode) => [mode, spawnChild(mode)]));
    samples.middleware.push(run.middleware.ms);
    samples.wallOverExpress.push(run.middleware.wall - run.express.wall);
    samples.ajvRequire.push(run['ajv-require'].ms);
    samples.ajvCompile.push(run['ajv-compile'].ms);
    samples.standalone.push(run.standalone.ms);
    samples.memoryStore.push(run['memory-store'].ms);
    // What the middleware would cost with build-time validators and no ajv on the start-up path.
    samples.projected.push(run.middleware.ms - run['ajv-require'].ms - run['ajv-compile'].ms + run.standalone.ms);
  }
  return { rounds, ...Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)])) };
}

if (process.argv[2] === '--child') {
  child(process.argv[3]);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const result = runStartup({ quick: process.argv.includes('--quick') });
  if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(result));
  else console.log(result);
}
