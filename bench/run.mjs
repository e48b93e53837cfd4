// The benchmark suite: load against peers, micro benchmarks, start-up cost.
//
//   npm run bench                       full run; writes bench/RESULTS.md and docs/bench.svg
//   npm run bench -- --quick            smoke run for CI (about 30 s); writes to bench/.cache/ only
//   npm run bench -- --only 1,3         some contenders; writes to bench/.cache/ only
//   options: --rounds N --duration S --warmup S --connections N --build PATH (contenders 3, 3c and 3n
//   from another build) --compare PATH (contender 3, or 3c/3n if --only names it first, twice: this
//   build and PATH) --load-only --pin auto|on|off; or the environment variables BENCH_ROUNDS,
//   BENCH_DURATION, BENCH_WARMUP, BENCH_CONNECTIONS, BENCH_PIN.
//
// Figures, not assertions: nothing here fails on a slow result. Only a failed request (non-2xx) or a
// crashed server makes the run exit non-zero, since then the numbers would measure the wrong thing.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_BUILD, contenders, findContender } from './contenders.mjs';
import { canPin, runLoad } from './load.mjs';
import { barChart, goalChecks, loadTable, machine, microTables, startupTable } from './report.mjs';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string', default: process.env.BENCH_ROUNDS },
    duration: { type: 'string', default: process.env.BENCH_DURATION },
    warmup: { type: 'string', default: process.env.BENCH_WARMUP },
    connections: { type: 'string', default: process.env.BENCH_CONNECTIONS },
    only: { type: 'string' },
    build: { type: 'string' },
    compare: { type: 'string' },
    'load-only': { type: 'boolean', default: false },
    pin: { type: 'string', default: process.env.BENCH_PIN ?? 'auto' },
  },
});
if (!['auto', 'on', 'off'].includes(flags.pin)) throw new Error(`--pin: expected auto, on or off, got ${flags.pin}`);

const number = (value, fallback) => (value === undefined ? fallback : Number(value));
const settings = {
  rounds: number(flags.rounds, flags.quick ? 1 : 11),
  seconds: number(flags.duration, flags.quick ? 1 : 2),
  warmupSeconds: number(flags.warmup, flags.quick ? 0.5 : 2),
  connections: number(flags.connections, 10),
  buildPath: flags.build ? resolve(flags.build) : undefined,
  // Server and load generator on CPUs of their own, when the machine allows it (`--pin off` to compare).
  pin: flags.pin === 'on' || (flags.pin === 'auto' && canPin()),
};
if (flags.pin === 'on' && !canPin()) throw new Error('--pin on: needs Linux, taskset and two CPUs.');
for (const [name, value] of Object.entries(settings)) {
  if (name !== 'buildPath' && name !== 'pin' && !(value >= 0)) throw new Error(`--${name}: expected a number, got ${value}`);
}
if (!existsSync(settings.buildPath ?? DEFAULT_BUILD)) {
  console.error('dist/index.js is missing: run npm run build first.');
  process.exit(1);
}

const chosen = flags.only ? flags.only.split(',').map((key) => findContender(key.trim())) : [...contenders];
/**
 * A copy of a build's folder at bench/.cache/compare/<slot>/. Both sides of an A/B load from paths of the
 * same length: the path is in the server's argv, and a longer one shifts the process's stack and memory
 * layout, which moved an A/A comparison by 5–7 % on the reference machine (1.5 % with equal lengths).
 */
function stageBuild(indexPath, slot) {
  const folder = here(`./.cache/compare/${slot}/`);
  rmSync(folder, { recursive: true, force: true });
  cpSync(dirname(indexPath), folder, { recursive: true });
  return `${folder}${basename(indexPath)}`;
}

// A/B: the first chosen contender that serves a build of this package (3 unless --only names 3c or 3n
// first) once more, from another build, alternating with the others in every round.
if (flags.compare) {
  const comparePath = resolve(flags.compare);
  if (!existsSync(comparePath)) throw new Error(`--compare: ${comparePath} does not exist (a built dist/index.js).`);
  settings.buildPath = stageBuild(settings.buildPath ?? DEFAULT_BUILD, 'a');
  const ours = chosen.find((contender) => contender.servesBuild) ?? findContender('innopaas');
  const [number, ...rest] = ours.label.split(' ');
  const compare = {
    ...ours,
    key: 'compare',
    comparedKey: ours.key,
    serverKey: ours.key,
    label: `${number}b ${rest.join(' ')} from --compare`,
    buildPath: stageBuild(comparePath, 'b'),
    baseline: false,
  };
  chosen.splice(chosen.indexOf(ours) + 1, 0, compare);
}
// Only a complete, default run may replace the committed results.
const official = !flags.quick && !flags.only && !flags.build && !flags.compare && !flags['load-only'];
const outDir = official ? null : here('./.cache/');

/** Runs a benchmark script in a fresh Node process, away from this process's load-generator heap. */
function runScript(script, args = []) {
  return JSON.parse(execFileSync(process.execPath, [here(script), ...args, '--json'], { encoding: 'utf8', maxBuffer: 16 << 20 }));
}

const info = { ...machine(), rounds: settings.rounds, seconds: settings.seconds, pinned: settings.pin };
console.log(`Machine: ${info.cpu}, Node ${info.node}, ${info.platform}`);
console.log(
  `Load: ${settings.rounds} rounds × ${settings.seconds} s per contender after ${settings.warmupSeconds} s warm-up, ${settings.connections} connections${settings.pin ? ', server and load generator each pinned to a CPU of its own' : ''}\n`,
);

const load = await runLoad(chosen, { ...settings, log: (line) => console.log(`  ${line}`) });
const table = loadTable(load);
const goals = goalChecks(load);
console.log(`\n${table}\n\n${goals.join('\n')}\n`);

let micro;
let startup;
let heap;
if (!flags['load-only']) {
  const quick = flags.quick ? ['--quick'] : [];
  micro = microTables(runScript('./micro.mjs', quick));
  console.log(`${micro.validation}\n\n${micro.stages}\n\n${micro.dedupe}\n`);
  startup = startupTable(runScript('./startup.mjs', quick));
  console.log(`${startup}\n`);
  // Written by another engineer; run when present, its output quoted as it is.
  const heapScript = here('./memory-store-heap.mjs');
  if (existsSync(heapScript)) {
    heap = execFileSync(process.execPath, ['--expose-gc', heapScript], { encoding: 'utf8' }).trim();
    console.log(`${heap}\n`);
  }
}

const markdown = `# Benchmark results

Generated by \`npm run bench\` (bench/run.mjs); do not edit by hand.

- Machine: ${info.cpu}, ${info.platform}
- Node ${info.node}, ${info.date}
- Load: autocannon, ${settings.connections} connections, ${settings.rounds} rounds × ${settings.seconds} s per contender after a
  ${settings.warmupSeconds} s warm-up; contenders alternate within each round (order reversed every other round); figures are
  medians over the rounds. Every request carries a fresh event id. The server runs in a child process on 127.0.0.1
  and the load generator in the parent, **on the same machine**${
    settings.pin
      ? ', each pinned to a core of its own with `taskset` (the first two CPUs it may use: load generator on one, server on the other); other work on the\n  machine still competes with both'
      : ', not pinned: with few cores the two compete, and other work on the machine competes with both'
  }, so req/s
  moves by 10 % or more from run to run; compare ratios, not absolute req/s across machines.
- Server CPU µs/req: the server process's CPU time (user + system, \`process.cpuUsage()\`) over a round,
  divided by its requests. It moves far less than req/s on a busy machine and is what capacity on a
  dedicated core follows; a third to a half of it is the kernel's socket writes. "Server cores busy" below
  ~1 means the load generator, not the server, set the pace (so req/s understates that server).
- Latency: per-response timings recorded by the client (fractional ms), not autocannon's whole-ms histogram.

## Load

${table}

(2) is what users write today: \`express.json()\` and two \`===\` header checks. (4) and (5) receive their own
product's event of the same size, with a valid HMAC-SHA256 signature computed per request by the client.
(R) is no product but a reference written in bench/contenders.mjs: the least a receiver with (3)'s contract
can do (credentials, a bounded body read, JSON.parse, the event on \`req\`, an awaited async handler), without
content-type checks, validation, dates or dedupe. What separates (3) from (R) is what those features cost.
(1d) is the floor (1) with the dictionary-mode step that lib/ no longer takes (it reversed on Node 24,
bench/README.md): a measurement of that engine trick on this Node line, not a recipe.

(3c) and (3n) are (3), same options, in the two recipes of bench/README.md: (3c) mounted as (3) is, on a
server that builds each request and response on Express's own prototypes; (3n) given the webhook path by the
node:http listener before Express sees the request. Every Express contender pays for Express swapping the
prototype of every request and response (\`--only 0,0s\` shows what the swap alone costs, bench/README.md);
(1d) wins back the larger part of it, after Express's own work on the request, with dictionary mode; (R) does not
take that step, as (3) does not.

### Goals

MISS and PASS lines are the performance goals (bench/README.md); INFO lines are context, not goals.

\`\`\`
${goals.join('\n')}
\`\`\`
${
  micro
    ? `
## Validation

\`validateEvent\` of lib/stages/validate.ts with the validators generated by ajv at build time, as the middleware runs it; envelope + body per event.

${micro.validation}

## Cost per stage

${micro.stages}

## Dedupe

${micro.dedupe}
`
    : ''
}${
  startup
    ? `
## Start-up

Fresh processes; each figure is measured in-process with \`process.hrtime\` around the \`require\` and the
\`innopaasWebhook()\` call, except the wall-time line.

${startup}
`
    : ''
}${
  heap
    ? `
## Memory store heap (bench/memory-store-heap.mjs)

\`\`\`
${heap}
\`\`\`
`
    : ''
}`;

const resultsPath = outDir ? `${outDir}RESULTS.md` : here('./RESULTS.md');
const chartPath = outDir ? `${outDir}bench.svg` : here('../docs/bench.svg');
if (outDir) mkdirSync(outDir, { recursive: true });
else mkdirSync(here('../docs/'), { recursive: true });
writeFileSync(resultsPath, markdown);
writeFileSync(chartPath, barChart(load, info));
console.log(`Wrote ${resultsPath} and ${chartPath}`);

if (load.some((r) => r.failures > 0)) {
  console.error('Some requests failed: the figures above do not measure the intended path.');
  process.exitCode = 1;
}
