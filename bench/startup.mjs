// Start-up cost of the middleware: what `require` + `innopaasWebhook({...})` add to a process that
// already loads Express. Each figure comes from fresh child processes (a warm module cache would hide
// the cost), timed inside the child with process.hrtime around the measured step; the whole-process
// wall time is given too. A round runs every kind of child once, in rotating order, and differences
// are taken within a round, so that a busy moment of the machine falls on both sides of one.
//   node bench/startup.mjs [--quick] [--json]
//   node bench/startup.mjs --child <mode>          (one measured process; modes below)
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
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
    measure(require) {
      require(BUILD).innopaasWebhook({ userName: USER_NAME, authorization: AUTHORIZATION, on: { whatsapp_mo_message_received: async () => {} } });
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

if (process.argv[2] === '--child') {
  child(process.argv[3]);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const result = runStartup({ quick: process.argv.includes('--quick') });
  if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(result));
  else console.log(result);
}
