// Start-up cost of the middleware: what `require` + `innopaasWebhook({...})` add to a process that
// already loads Express. Each figure comes from fresh child processes (a warm module cache would hide
// the cost), timed inside the child with process.hrtime around the measured step; the whole-process
// wall time is given too. A round runs every kind of child once, in rotating order, and differences
// are taken within a round, so that a busy moment of the machine falls on both sides of one.
//   node bench/startup.mjs [--quick] [--json]
//   node bench/startup.mjs --compare PATH           (an A/B: this build's cost against the one at PATH)
//   node bench/startup.mjs --child <mode> [PATH]   (one measured process; modes below)
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadBuild } from './contenders.mjs';
import { AUTHORIZATION, USER_NAME } from './payloads.mjs';
import { median } from './stats.mjs';

const SELF = fileURLToPath(import.meta.url);
const BUILD = '../dist/index.js';

/**
 * What each kind of child does after `require('express')`; `setup` runs before the clock starts.
 * - middleware: require the package and create the middleware, as an app does (the validators are
 *   generated at build time: nothing is compiled);
 * - ajv-runtime: for comparison, what requiring ajv and compiling every schema at start-up would cost,
 *   the design the package had before its validators were generated ahead of time.
 */
const MODES = {
  express: { measure() {} },
  middleware: {
    measure(require, _prepared, build = BUILD) {
      require(build).innopaasWebhook({
        userName: USER_NAME,
        authorization: AUTHORIZATION,
        on: { whatsapp_mo_message_received: async () => {} },
      });
    },
  },
  'ajv-runtime': {
    setup: (require) => require(BUILD),
    measure(require, pkg) {
      const ajv = new (require('ajv').Ajv)({ strict: true, allErrors: true });
      ajv.compile(pkg.envelopeSchema);
      for (const type of pkg.EVENT_TYPES) ajv.compile(pkg.bodySchemas[type]);
    },
  },
};

function child(mode, build) {
  const require = createRequire(import.meta.url);
  const { setup, measure } = MODES[mode];
  require('express');
  const prepared = setup?.(require);
  const start = process.hrtime.bigint();
  measure(require, prepared, build);
  process.stdout.write(JSON.stringify({ ms: Number(process.hrtime.bigint() - start) / 1e6 }));
}

function spawnChild(mode, build) {
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, [SELF, '--child', mode, ...(build ? [build] : [])], { encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) throw new Error(`startup child (${mode}) failed: ${run.stderr}`);
  return { ...JSON.parse(run.stdout), wall };
}

export function runStartup({ quick = false } = {}) {
  const rounds = quick ? 5 : 21;
  loadBuild(); // fail early, with the build hint, rather than in every child
  const samples = { middleware: [], wallOverExpress: [], ajvRuntime: [] };
  const modes = Object.keys(MODES);
  for (let i = 0; i < rounds; i++) {
    const order = [...modes.slice(i % modes.length), ...modes.slice(0, i % modes.length)];
    const run = Object.fromEntries(order.map((mode) => [mode, spawnChild(mode)]));
    samples.middleware.push(run.middleware.ms);
    samples.wallOverExpress.push(run.middleware.wall - run.express.wall);
    samples.ajvRuntime.push(run['ajv-runtime'].ms);
  }
  return { rounds, ...Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)])) };
}

/**
 * An A/B of two builds: in each round a child of each (order alternating) times require + create, and the
 * round's difference is taken; medians over the rounds. Only the package's own cost differs between them.
 */
function compareStartup(other, { quick = false } = {}) {
  const rounds = quick ? 7 : 31;
  const builds = { this: fileURLToPath(new URL(BUILD, import.meta.url)), other: resolve(other) };
  loadBuild(builds.other);
  const samples = { this: [], other: [], difference: [] };
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? ['this', 'other'] : ['other', 'this'];
    const run = Object.fromEntries(order.map((name) => [name, spawnChild('middleware', builds[name]).ms]));
    samples.this.push(run.this);
    samples.other.push(run.other);
    samples.difference.push(run.this - run.other);
  }
  return {
    rounds,
    otherBuild: builds.other,
    ...Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)])),
  };
}

if (process.argv[2] === '--child') {
  child(process.argv[3], process.argv[4]);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const { values: flags } = parseArgs({
    options: { quick: { type: 'boolean' }, json: { type: 'boolean' }, compare: { type: 'string' } },
  });
  const result = flags.compare ? compareStartup(flags.compare, flags) : runStartup(flags);
  if (flags.json) process.stdout.write(JSON.stringify(result));
  else console.log(result);
}
