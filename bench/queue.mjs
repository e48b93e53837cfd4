// Queue mode against in-process mode, in the same run: the web tier's req/s, latency and CPU a request
// at 10 connections, in-process with the memory dedupe store (one instance) and with RedisStore (what
// several in-process instances need) (fresh event id per request, the same ~600-byte inbound text), Redis's CPU a
// request, then the worker's throughput in events/s draining what the web tier queued. Needs
// redis-server and redis-cli on PATH, and a build.
//   npm run build && node bench/queue.mjs [--seconds 10] [--rounds 2] [--pin off|on]
// Not pinned by default: three busy processes (load generator, web server, Redis) share two cores. With
// `--pin on` each web server gets a CPU of its own, as in run.mjs, and Redis shares the other with the
// load generator, which then starves it (bench/README.md, "Queue mode"). The CPU a request of the web
// server and of Redis is measured either way, and moves far less with placement than req/s.
import { execFileSync, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Queue } from 'bullmq';
import { canPin, cpus, pinLoadGenerator, pinTo, unpinLoadGenerator } from './load.mjs';
import { AUTHORIZATION, USER_NAME } from './payloads.mjs';
import { percentile } from './stats.mjs';

const SELF = fileURLToPath(import.meta.url);
const QUEUE_NAME = 'bench';
const TEXT = 'Hello, I ordered a blue jacket last week (order 88231) and the tracking page has not moved since Monday.';
const body = (id) =>
  JSON.stringify({
    id,
    type: 'whatsapp_mo_message_received',
    eventTime: '2023-02-22T12:00:00.000Z',
    body: {
      id: '63f5d602367ea403f8175a6c',
      accountName: 'IW123456',
      wabaId: 'WHATSAPP_BUSINESS_ACCOUNT_ID',
      wamid: 'wamid.BgNODYxN...',
      from: 'PHONE-NUMBER',
      customerProfile: { name: 'Jack' },
      to: 'BUSINESS-PHONE-NUMBER',
      sendTime: '2023-02-22T12:00:00.000Z',
      type: 'text',
      text: { body: TEXT },
    },
  });

// ── The run ──────────────────────────────────────────────────────────────────────────────────────
async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startRedis(pin) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'innopaas-bench-redis-'));
  // As production wants it: append-only file, fsync every second, no eviction.
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: 'ignore' },
  );
  if (pin) pinTo(child.pid, cpus[0]);
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Queue('probe', { connection: { url } });
  probe.on('error', () => undefined);
  await probe.waitUntilReady();
  await probe.close();
  return {
    url,
    /** Redis's CPU time so far, user + system, in microseconds (INFO cpu). */
    cpu() {
      const info = execFileSync('redis-cli', ['-u', url, 'INFO', 'cpu'], { encoding: 'utf8' });
      const seconds = (name) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
      return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1e6;
    },
    stop: () => {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startChild(args, pin = false) {
  const child = fork(SELF, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  if (pin) pinTo(child.pid, cpus[1]);
  const [message] = await once(child, 'message');
  /** The child's CPU time so far, user + system, in microseconds. */
  const cpu = async () => {
    child.send('cpu');
    const [reply] = await once(child, 'message');
    return reply.cpu.user + reply.cpu.system;
  };
  return { child, message, cpu };
}

let requestNumber = 0;
/** One run against a web server: req/s, latency from each response's own timing, CPU a request of the server and of Redis. */
async function load(server, redis, seconds) {
  const latencies = [];
  const [webBefore, redisBefore] = [await server.cpu(), redis.cpu()];
  const instance = autocannon({
    url: `http://127.0.0.1:${server.message.port}/webhook`,
    connections: 10,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', UserName: USER_NAME, Authorization: AUTHORIZATION },
        setupRequest: (request) => ({ ...request, body: body(`bench-${process.pid}-${++requestNumber}`) }),
      },
    ],
  });
  instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  const result = await instance;
  const [webAfter, redisAfter] = [await server.cpu(), redis.cpu()];
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx answers, ${result.errors} errors`);
  latencies.sort((a, b) => a - b);
  const total = result.requests.total;
  return {
    rps: total / result.duration,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    webCpu: (webAfter - webBefore) / total,
    redisCpu: (redisAfter - redisBefore) / total,
    total,
  };
}

function describe({ rps, p50, p99, webCpu, redisCpu }) {
  return (
    `${rps.toFixed(0)} req/s  p50 ${p50.toFixed(2)} ms  p99 ${p99.toFixed(2)} ms  ` +
    `web ${webCpu.toFixed(1)} µs CPU/req  Redis ${redisCpu.toFixed(1)} µs CPU/req`
  );
}

async function main() {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      rounds: { type: 'string', default: '2' },
      pin: { type: 'string', default: 'off' },
    },
  });
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);
  const pin = values.pin === 'on' && canPin();
  const redis = await startRedis(pin);
  const results = { 'in-process': [], 'in-process-redis': [], queue: [] };
  try {
    const servers = {};
    for (const mode of Object.keys(results)) servers[mode] = await startChild(['web', mode, redis.url], pin);
    if (pin) pinLoadGenerator();
    // Warm-up, unmeasured.
    for (const mode of Object.keys(servers)) await load(servers[mode], redis, 2);
    for (let round = 1; round <= rounds; round++) {
      // The order reversed every other round, as in run.mjs.
      const modes = round % 2 === 1 ? Object.keys(servers) : Object.keys(servers).reverse();
      for (const mode of modes) {
        const figures = await load(servers[mode], redis, seconds);
        results[mode].push(figures);
        console.log(`round ${round} ${mode.padEnd(16)} ${describe(figures)}`);
      }
    }
    if (pin) unpinLoadGenerator();
    for (const { child } of Object.values(servers)) child.disconnect();

    // The worker drains what the queue-mode web tier queued, with nothing else running.
    const queue = new Queue(QUEUE_NAME, { connection: { url: redis.url } });
    const waiting = await queue.getWaitingCount();
    const started = Date.now();
    const { child: worker } = await startChild(['worker', '', redis.url]);
    while ((await queue.getCompletedCount()) < waiting) await new Promise((resolve) => setTimeout(resolve, 50));
    const workerRate = waiting / ((Date.now() - started) / 1000);
    worker.disconnect();
    await queue.close();

    const median = (list, key) => list.map((r) => r[key]).sort((a, b) => a - b)[Math.floor((list.length - 1) / 2)];
    const summary = (mode) =>
      Object.fromEntries(['rps', 'p50', 'p99', 'webCpu', 'redisCpu'].map((k) => [k, median(results[mode], k)]));
    const [inProcess, inProcessRedis, queued] = Object.keys(results).map(summary);
    console.log(
      `\nNode ${process.version}, 10 connections, ${rounds} rounds of ${seconds} s (medians), ${pin ? 'pinned' : 'not pinned'}`,
    );
    console.log(`in-process        ${describe(inProcess)}`);
    console.log(`in-process-redis  ${describe(inProcessRedis)}`);
    console.log(`queue             ${describe(queued)}`);
    for (const [name, base] of [
      ['in-process', inProcess],
      ['in-process-redis', inProcessRedis],
    ]) {
      console.log(
        `queue / ${name}: ${(queued.rps / base.rps).toFixed(2)}× the req/s, ` +
          `${(base.webCpu / queued.webCpu).toFixed(2)}× the requests a core of the web tier serves`,
      );
    }
    console.log(
      `worker            ${workerRate.toFixed(0)} events/s (1 process, concurrency 50, ${waiting} jobs, start-up included)`,
    );
  } finally {
    redis.stop();
  }
}

// ── Child processes: a web server of one mode, or the worker ─────────────────────────────────────
const role = process.argv[2];
if (role === 'web' || role === 'worker') {
  const require = (await import('node:module')).createRequire(SELF);
  const url = process.argv[4];
  if (role === 'worker') {
    const { createWorker } = require('../dist/bullmq/index.js');
    const worker = createWorker({
      queueName: QUEUE_NAME,
      connection: { url },
      concurrency: 50,
      on: { whatsapp_mo_message_received: () => {} },
    });
    await worker.waitUntilReady();
    process.send('ready');
    process.on('disconnect', () => void worker.close().then(() => process.exit(0)));
  } else {
    const express = require('express');
    const { innopaasWebhook, RedisStore } = require('../dist/index.js');
    const mode = process.argv[3];
    const on = { whatsapp_mo_message_received: () => {} };
    let options;
    if (mode === 'queue') {
      const { bullmqQueue } = require('../dist/bullmq/index.js');
      options = { queue: bullmqQueue(new Queue(QUEUE_NAME, { connection: { url } })) };
    } else if (mode === 'in-process-redis') {
      const Redis = require('ioredis');
      options = { on, dedupe: { store: new RedisStore({ client: new Redis(url) }) } };
    } else options = { on };
    const app = express();
    app.use('/webhook', innopaasWebhook({ userName: USER_NAME, authorization: AUTHORIZATION, ...options }));
    const server = app.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
    process.on('message', (message) => {
      if (message === 'cpu') process.send({ cpu: process.cpuUsage() });
    });
    process.on('disconnect', () => process.exit(0));
  }
} else {
  await main();
}
