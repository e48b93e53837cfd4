// Load generation: one child process per contender, autocannon in this process, contenders taken in
// turn within each round so that a slow minute of a noisy machine hurts all of them alike.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { requestFactories } from './payloads.mjs';
import { median, percentile } from './stats.mjs';

const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));
const START_TIMEOUT_MS = 15_000;

/** Every request of the whole run gets its own number, hence its own event id. */
let requestNumber = 0;

/** Starts the contender's server in a child process; resolves once it listens. */
export async function startServer(contender, { buildPath, execArgv = [] } = {}) {
  const args = [contender.key, ...(buildPath ? [buildPath] : [])];
  const child = fork(SERVER, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const timer = setTimeout(() => child.kill(), START_TIMEOUT_MS);
  const [message] = await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`${contender.key} server exited with code ${code} before listening`);
    }),
  ]).finally(() => clearTimeout(timer));
  return {
    port: message.port,
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
export async function loadOnce(server, payload, { seconds, connections }) {
  const build = requestFactories[payload];
  const latencies = [];
  const cpuBefore = await server.cpu();
  const instance = autocannon({
    url: `http://127.0.0.1:${server.port}`,
    connections,
    duration: seconds,
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
export async function runLoad(contenders, { rounds, seconds, warmupSeconds, connections, buildPath, log = () => {} }) {
  const servers = [];
  try {
    for (const contender of contenders) servers.push(await startServer(contender, { buildPath: contender.buildPath ?? buildPath }));
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
        log(`round ${round}/${rounds} ${contenders[i].label}: ${Math.round(run.rps)} req/s, p99 ${run.p99.toFixed(2)} ms, ${run.cpuPerRequest.toFixed(1)} µs CPU/req${run.failures ? `, ${run.failures} FAILED` : ''}`);
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
  }
}
