// CPU profile of one contender under load: where its server spends the time.
//   node bench/profile.mjs [contender=innopaas] [--seconds 10] [--build PATH] [--top 30]
// Starts the server with `node --cpu-prof`, loads it as the suite does, then sums the profile's
// samples by function (self time) and by package, so that the cost of each dependency shows.
import { readFileSync, readdirSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findContender } from './contenders.mjs';
import { loadOnce, startServer } from './load.mjs';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: { seconds: { type: 'string', default: '10' }, build: { type: 'string' }, top: { type: 'string', default: '30' } },
});
const contender = findContender(positionals[0] ?? 'innopaas');
const dir = fileURLToPath(new URL(`./.cache/profile-${contender.key}/`, import.meta.url));
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

let requests = 0;
const server = await startServer(contender, { buildPath: flags.build, execArgv: ['--cpu-prof', '--cpu-prof-dir', dir] });
try {
  const warmUp = await loadOnce(server, contender.payload, { seconds: 2, connections: 10 });
  const run = await loadOnce(server, contender.payload, { seconds: Number(flags.seconds), connections: 10 });
  requests = warmUp.requests + run.requests;
  console.log(
    `${contender.label}: ${Math.round(run.rps)} req/s, ${run.cpuPerRequest.toFixed(1)} µs CPU/req (profiling slows it down)\n`,
  );
} finally {
  await server.stop();
}

const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
const profile = JSON.parse(readFileSync(`${dir}${file}`, 'utf8'));

// Time per sample: the profile's own timeDeltas, so that idle gaps count where they fell.
const selfTime = new Map();
profile.samples.forEach((id, i) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfTime.values()].reduce((a, b) => a + b, 0);
const idle = profile.nodes
  .filter((n) => n.callFrame.functionName === '(idle)')
  .reduce((sum, n) => sum + (selfTime.get(n.id) ?? 0), 0);
const busy = total - idle;

/** Which package a frame belongs to, from its URL. */
function packageOf(url) {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return 'node core';
  const match = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (match) return match[1];
  if (url.includes('/dist/')) return 'innopaas-webhook (dist)';
  if (url.includes('/bench/')) return 'bench harness';
  return url;
}

const byFunction = new Map();
const byPackage = new Map();
for (const node of profile.nodes) {
  const time = selfTime.get(node.id) ?? 0;
  const { functionName, url, lineNumber } = node.callFrame;
  if (functionName === '(idle)' || time === 0) continue;
  const where = url
    ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(dist|bench)\//, '$1/')}:${lineNumber + 1}`
    : '';
  const name = `${functionName || '(anonymous)'} ${where}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + time);
  const pkg = packageOf(url);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + time);
}

// Per request too (the profile spans start-up as well, a small share of it), so that two contenders'
// profiles can be compared function by function.
const pct = (t) => `${((100 * t) / busy).toFixed(1).padStart(5)} % ${(t / requests).toFixed(2).padStart(6)} µs/req`;
console.log(
  `Busy ${(busy / 1e6).toFixed(2)} s of ${(total / 1e6).toFixed(2)} s sampled, ${(busy / requests).toFixed(1)} µs/req. Self time by package:`,
);
for (const [pkg, time] of [...byPackage].sort((a, b) => b[1] - a[1])) console.log(`  ${pct(time)}  ${pkg}`);
console.log(`\nTop ${flags.top} functions by self time:`);
for (const [name, time] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(flags.top)))
  console.log(`  ${pct(time)}  ${name}`);
console.log(`\nProfile: ${dir}${file} (open in Chrome DevTools › Performance, or speedscope)`);
