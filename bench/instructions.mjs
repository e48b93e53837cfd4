// Instructions a request, counted by Valgrind's callgrind: an A/B that the machine's noise cannot move.
//
//   node bench/instructions.mjs                        contender 3
//   node bench/instructions.mjs --only 3,R             several contenders (served side by side)
//   node bench/instructions.mjs --compare PATH         contender 3 (or the first of --only that serves a
//                                                      build) from this build and from PATH, a built index.js
//   options: --build PATH --warmup N (requests, 20000) --windows N (4) --requests N (a window, 5000)
//
// Needs Valgrind (Debian: `apt-get install valgrind`). Each server runs under callgrind, about a hundred
// times slower than natively, and answers the suite's usual requests (10 connections, a fresh event id
// each). After the warm-up, each window zeroes the counters, sends its requests and dumps the counts: the
// figure is the instructions the whole server process (every thread, collector included) ran, divided
// by the requests. Two runs of the same build agreed to within 1 % on the reference machine, where req/s
// differs by 2–5 % between identical builds (bench/README.md).
//
// Instructions are not time: a change that saves memory traffic or cache misses (a smaller table, fewer
// objects kept) shows less here than in CPU time, and one that trades instructions for memory can show
// the opposite. Believe a change that both this and the load test (`run.mjs --compare`) point to.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_BUILD, findContender } from './contenders.mjs';
import { loadOnce, startServer } from './load.mjs';
import { median } from './stats.mjs';

const { values: flags } = parseArgs({
  options: {
    only: { type: 'string', default: '3' },
    build: { type: 'string' },
    compare: { type: 'string' },
    warmup: { type: 'string', default: '20000' },
    windows: { type: 'string', default: '4' },
    requests: { type: 'string', default: '5000' },
  },
});
const count = (name) => {
  const value = Number(flags[name]);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name}: expected a positive integer, got ${flags[name]}`);
  return value;
};
const settings = { warmup: count('warmup'), windows: count('windows'), requests: count('requests') };

for (const tool of ['valgrind', 'callgrind_control']) {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
  } catch {
    console.error(`${tool} is missing: bench/instructions.mjs needs Valgrind (Debian: apt-get install valgrind).`);
    process.exit(1);
  }
}
const buildPath = resolve(flags.build ?? DEFAULT_BUILD);
if (!existsSync(buildPath)) {
  console.error(`${buildPath} is missing: run npm run build first.`);
  process.exit(1);
}

const chosen = flags.only.split(',').map((key) => ({ contender: findContender(key.trim()), buildPath }));
if (flags.compare) {
  const comparePath = resolve(flags.compare);
  if (!existsSync(comparePath)) throw new Error(`--compare: ${comparePath} does not exist (a built dist/index.js).`);
  const ours = chosen.find(({ contender }) => contender.servesBuild) ?? { contender: findContender('innopaas') };
  chosen.splice(chosen.indexOf(ours) + 1, 0, { contender: ours.contender, buildPath: comparePath, compare: true });
  if (!chosen.includes(ours)) chosen.unshift({ contender: ours.contender, buildPath });
}

const outDir = fileURLToPath(new URL('./.cache/instructions/', import.meta.url));
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

/** The total of a callgrind dump (its `totals:` line, else `summary:`), in instructions. */
function dumpTotal(file) {
  const text = readFileSync(file, 'utf8');
  const line = /^totals:\s+(\d+)/m.exec(text) ?? /^summary:\s+(\d+)/m.exec(text);
  if (!line) throw new Error(`${file}: no totals line`);
  return Number(line[1]);
}

/** Serves one contender under callgrind, warms it up, and answers its instructions a request, window by window. */
async function measure({ contender, buildPath: build, compare }, index) {
  const name = `${index}-${contender.key}${compare ? '-compare' : ''}`;
  const prefix = `${outDir}${name}`;
  const wrapper = [
    'valgrind',
    '--tool=callgrind',
    // V8 writes and rewrites machine code in memory: Valgrind must look for changed code everywhere but files.
    '--smc-check=all-non-file',
    '--dump-instr=no',
    `--callgrind-out-file=${prefix}.%p`,
    `--log-file=${prefix}.log`,
  ];
  // V8's background work (optimising compiles, concurrent marking) done on the main thread instead: the
  // count then depends on the requests alone, not on when a compile thread got a core, which with two
  // servers under Valgrind on two cores moved the point where optimised code arrived by thousands of requests.
  const server = await startServer(contender, {
    buildPath: contender.servesBuild ? build : undefined,
    wrapper,
    execArgv: ['--single-threaded'],
  });
  const run = async (amount) => {
    const result = await loadOnce(server, contender.payload, { connections: 10, amount });
    if (result.failures > 0) throw new Error(`${name}: ${result.failures} of ${amount} requests failed`);
  };
  try {
    await run(settings.warmup);
    const perRequest = [];
    const files = [];
    for (let window = 1; window <= settings.windows; window++) {
      execFileSync('callgrind_control', ['--zero', String(server.pid)], { stdio: 'ignore' });
      await run(settings.requests);
      execFileSync('callgrind_control', ['--dump', String(server.pid)], { stdio: 'ignore' });
      const file = `${prefix}.${server.pid}.${window}`;
      // callgrind writes the dump when the server next runs; wait for it.
      for (let tries = 0; !existsSync(file) && tries < 600; tries++) await new Promise((done) => setTimeout(done, 100));
      perRequest.push(dumpTotal(file) / settings.requests);
      files.push(file);
      console.log(`  ${name}: window ${window}: ${Math.round(perRequest.at(-1)).toLocaleString('en-US')} instructions a request`);
    }
    return { name, label: compare ? `${contender.label} (from --compare)` : contender.label, perRequest, files };
  } finally {
    await server.stop();
  }
}

console.log(
  `callgrind: ${settings.warmup} requests of warm-up, then ${settings.windows} windows of ${settings.requests}; servers side by side\n`,
);
const results = await Promise.all(chosen.map(measure));

// The first window after the warm-up carries the optimising compiler's work on code that the warm-up's
// end left to compile; the median of the others is the figure (a major collection lands in some windows).
const steady = (result) => median(settings.windows > 1 ? result.perRequest.slice(1) : result.perRequest);
const base = steady(results[0]);
const rows = results.map((result) => {
  const figure = steady(result);
  const windows = result.perRequest.map((value) => Math.round(value / 100) / 10).join(' / ');
  return `| ${result.label} | ${Math.round(figure).toLocaleString('en-US')} | ${(figure / base).toFixed(3)}× | ${windows} |`;
});
console.log(`
| contender | instructions a request | vs first | each window (thousands) |
| --- | ---: | ---: | --- |
${rows.join('\n')}

Figure: median of windows 2–${settings.windows}. Dumps in ${readdirSync(outDir).length ? 'bench/.cache/instructions/' : '(none)'} (callgrind_annotate reads them).`);

/**
 * Instructions a request by function (self cost) in one dump, from callgrind_annotate. Code that V8
 * compiled at run time has no symbol (an address: left out), and the frames that every instruction runs
 * under (main, the event loop, thread starts) are left out too: what remains names V8's runtime and
 * builtins, the garbage collector, Node's C++ and libc.
 */
function byFunction(file) {
  const text = execFileSync('callgrind_annotate', ['--threshold=100', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const costs = new Map();
  for (const line of text.split('\n')) {
    const match = /^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.+)$/.exec(line);
    if (!match) continue;
    const name = match[2].replace(/ \[[^\]]*\]$/, '').replace(/^\?\?\?:/, '');
    if (
      /^0x[0-9a-f]+('\d+)?$/.test(name) ||
      /PROGRAM TOTALS|^main$|\(below main\)|libc_start|SpinEventLoopInternal|node::Start\(|NodeMainInstance::Run|:start_thread$|:clone$/.test(
        name,
      )
    )
      continue;
    costs.set(name, (costs.get(name) ?? 0) + Number(match[1].replaceAll(',', '')) / settings.requests);
  }
  return costs;
}

// Where the first two contenders differ, by function, in the window nearest each one's figure.
if (results.length >= 2) {
  const nearest = (result) => {
    const figure = steady(result);
    let best = 0;
    result.perRequest.forEach((value, i) => {
      if (i > 0 && Math.abs(value - figure) < Math.abs(result.perRequest[best] - figure)) best = i;
    });
    return result.files[best];
  };
  const [a, b] = [byFunction(nearest(results[0])), byFunction(nearest(results[1]))];
  const names = new Set([...a.keys(), ...b.keys()]);
  const differences = [...names].map((name) => [name, (b.get(name) ?? 0) - (a.get(name) ?? 0)]).sort((x, y) => y[1] - x[1]);
  const show = (list) =>
    list
      .map(([name, d]) => `  ${(d > 0 ? '+' : '') + Math.round(d).toLocaleString('en-US')}`.padEnd(12) + name.slice(0, 110))
      .join('\n');
  console.log(`\nBy function, instructions a request of "${results[1].label}" minus "${results[0].label}" (named code only):
${show(differences.slice(0, 10).filter(([, d]) => d > 0))}
  …
${show(differences.slice(-10).filter(([, d]) => d < 0))}`);
}
