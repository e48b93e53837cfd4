// Load generation: one child process per contender, autocannon in this process, contenders taken in
// turn within each round so that a slow minute of a noisy machine hurts all of them alike.
import { execFileSync, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { requestFactories } from './payloads.mjs';
import { median, percentile } from './stats.mjs';

const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));
const START_TIMEOUT_MS = 15_000;

/** Every request of the whole run gets its own number, hence its own event id. */
let requestNumber = 0;

/** Sets the CPU affinity of a process and all its threads (Linux `taskset`). */
export function pinTo(pid, cpus) {
  execFileSync('taskset', ['-a', '-p', '-c', String(cpus), String(pid)], { stdio: 'ignore' });
}

/** The CPUs this process may run on, from `taskset -p -c` ("…affinity list: 0,2-3"); [] when unknown. */
function allowedCpus() {
  if (process.platform !== 'linux') return [];
  try {
    const list = execFileSync('taskset', ['-p', '-c', String(process.pid)], { encoding: 'utf8' })
      .split(':')
      .pop()
      .trim();
    return list.split(',').flatMap((part) => {
      const [from, to = from] = part.split('-').map(Number);
      return Array.from({ length: to - from + 1 }, (_, i) => from + i);
    });
  } catch {
    return [];
  }
}

export const cpus = allowedCpus();

/**
 * Whether servers and load generator can be kept on separate cores: Linux with `taskset` and at least two
 * CPUs. Pinned, the server's CPU per request stops depending on where the scheduler put it, and the load
 * generator never takes the server's core: figures vary less from round to round.
 */
export function canPin() {
  return cpus.length >= 2 && cpus.every(Number.isInteger);
}

/** Pins this process (the load generator) to the first allowed CPU; servers started with `pin` get the second. */
export function pinLoadGenerator() {
  pinTo(process.pid, cpus[0]);
}

/** Gives this process its CPUs back, for what runs after the load (micro benchmarks, start-up). */
export function unpinLoadGenerator() {
  pinTo(process.pid, cpus.join(','));
}

/**
 * Each server sits idle while the others run (15–20 s a round in a full run). V8's memory reducer then
 * shrinks its heap, and the next round measured the regrowth rather than the steady state: (3) came out
 * at 210 or at 280 µs of CPU a request from one round to the next, the hand-written route at 235 to 420. A
 * server under steady load never meets the reducer; a short unmeasured run before each round did not
 * undo it either (bench/README.md).
 */
const SERVER_FLAGS = ['--no-memory-reducer'];

/**
 * Starts the contender's server in a child process; resolves once it listens. `wrapper` runs Node under
 * another program (bench/instructions.mjs: `['valgrind', '--tool=callgrind', …]`), with a longer start-up.
 */
export async function startServer(contender, { buildPath, execArgv = [], pin = false, wrapper } = {}) {
  // `serverKey`: a contender run twice (bench/run.mjs --compare) serves the same code from another build.
  const args = [contender.serverKey ?? contender.key, ...(buildPath ? [buildPath] : [])];
  const nodeArgs = [...SERVER_FLAGS, ...execArgv];
  const options = wrapper
    ? { execPath: wrapper[0], execArgv: [...wrapper.slice(1), process.execPath, ...nodeArgs] }
    : { execArgv: nodeArgs };
  const child = fork(SERVER, args, { ...options, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  if (pin) pinTo(child.pid, cpus[1]);
  const timer = setTimeout(() => child.kill(), wrapper ? 20 * START_TIMEOUT_MS : START_TIMEOUT_MS);
  const [message] = await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`${contender.key} server exited with code ${code} before listening`);
    }),
  ]).finally(() => clearTimeout(timer));
  return {
    port: message.port,
    pid: child.pid,
    /** The child's CPU time so far, user + system, in microseconds. */
    async cpu() {
      child.send('cpu');
      const [reply] = await once(child, 'message');
      return reply.cpu.user + reply.cpu.system;
    },
    /** Closes the IPC channel: the child exits by itself (bench/server.mjs), and flushes a --cpu-prof. */
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.disconnect();
      const timeout = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timeout);
    },
  };
}

/**
 * One autocannon run. Latency is recorded from each response's own timing (fractional ms) rather than
 * from autocannon's histogram, which rounds to whole milliseconds: too coarse at ~1 ms latencies.
 */
export async function loadOnce(server, payload, { seconds, connections, amount }) {
  const build = requestFactories[payload];
  const latencies = [];
  const cpuBefore = await server.cpu();
  const instance = autocannon({
    url: `http://127.0.0.1:${server.port}`,
    connections,
    // A number of requests instead of a duration (bench/instructions.mjs); no time limit then, since a
    // server under Valgrind answers a hundred times slower.
    ...(amount ? { amount, timeout: 120 } : { duration: seconds }),
    requests: [
      {
        method: 'POST',
        path: '/webhook',
        setupRequest(request) {
          const { body, headers } = build(++requestNumber);
          return { ...request, body, headers };
        },
      },
    ],
  });
  instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  const result = await instance;
  const cpu = (await server.cpu()) - cpuBefore;
  latencies.sort((a, b) => a - b);
  return {
    rps: result.requests.total / result.duration,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuPerRequest: cpu / result.requests.total,
    requests: result.requests.total,
    failures: result.errors + result.timeouts + result.non2xx,
  };
}

/**
 * Warms every contender up, then runs `rounds` rounds, each contender once per round in turn.
 * Answers, per contender, the median of the rounds' req/s, p50 and p99, and every round's figures.
 */
export async function runLoad(
  contenders,
  { rounds, seconds, warmupSeconds, connections, buildPath, pin = false, log = () => {} },
) {
  const servers = [];
  if (pin) pinLoadGenerator();
  try {
    for (const contender of contenders)
      servers.push(await startServer(contender, { buildPath: contender.buildPath ?? buildPath, pin }));
    const runs = contenders.map(() => []);
    if (warmupSeconds > 0) {
      for (const [i, contender] of contenders.entries()) {
        log(`warm-up ${contender.label}`);
        await loadOnce(servers[i], contender.payload, { seconds: warmupSeconds, connections });
      }
    }
    for (let round = 1; round <= rounds; round++) {
      // Alternate the order too, so that no contender always follows the same one.
      const order = contenders.map((_, i) => i);
      if (round % 2 === 0) order.reverse();
      for (const i of order) {
        const run = await loadOnce(servers[i], contenders[i].payload, { seconds, connections });
        runs[i].push(run);
        log(
          `round ${round}/${rounds} ${contenders[i].label}: ${Math.round(run.rps)} req/s, p99 ${run.p99.toFixed(2)} ms, ${run.cpuPerRequest.toFixed(1)} µs CPU/req${run.failures ? `, ${run.failures} FAILED` : ''}`,
        );
      }
    }
    return contenders.map((contender, i) => ({
      contender,
      rps: median(runs[i].map((r) => r.rps)),
      p50: median(runs[i].map((r) => r.p50)),
      p99: median(runs[i].map((r) => r.p99)),
      cpuPerRequest: median(runs[i].map((r) => r.cpuPerRequest)),
      failures: runs[i].reduce((sum, r) => sum + r.failures, 0),
      rounds: runs[i],
    }));
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    if (pin) unpinLoadGenerator();
  }
}
