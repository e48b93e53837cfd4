// Queue mode against in-process mode, in the same run: the web tier's req/s and latency at 10
// connections (fresh event id per request, the same ~600-byte inbound text), then the worker's
// throughput in events/s draining what the web tier queued. Needs redis-server on PATH and a build.
//   npm run build && node bench/queue.mjs [--seconds 10] [--rounds 2]
import { fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Queue } from 'bullmq';
import { AUTHORIZATION, USER_NAME } from './payloads.mjs';

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

async function startRedis() {
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
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Queue('probe', { connection: { url } });
  probe.on('error', () => undefined);
  await probe.waitUntilReady();
  await probe.close();
  return {
    url,
    stop: () => {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startChild(args) {
  const child = fork(SELF, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [message] = await once(child, 'message');
  return { child, message };
}

let requestNumber = 0;
async function load(port, seconds) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/webhook`,
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
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, total: result.requests.total };
}

async function main() {
  const { values } = parseArgs({
    options: { seconds: { type: 'string', default: '10' }, rounds: { type: 'string', default: '2' } },
  });
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);
  const redis = await startRedis();
  const results = { 'in-process': [], queue: [] };
  try {
    const servers = {};
    for (const mode of ['in-process', 'queue']) servers[mode] = await startChild(['web', mode, redis.url]);
    // Warm-up, unmeasured.
    for (const mode of Object.keys(servers)) await load(servers[mode].message.port, 2);
    for (let round = 1; round <= rounds; round++) {
      for (const mode of Object.keys(servers)) {
        const figures = await load(servers[mode].message.port, seconds);
        results[mode].push(figures);
        console.log(
          `round ${round} ${mode.padEnd(10)} ${figures.rps.toFixed(0)} req/s  p50 ${figures.p50} ms  p99 ${figures.p99} ms`,
        );
      }
    }
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
    const inProcess = median(results['in-process'], 'rps');
    const queueRps = median(results.queue, 'rps');
    console.log(`\nNode ${process.version}, 10 connections, ${rounds} rounds of ${seconds} s (medians)`);
    console.log(`in-process   ${inProcess.toFixed(0)} req/s  p99 ${median(results['in-process'], 'p99')} ms`);
    console.log(
      `queue        ${queueRps.toFixed(0)} req/s  p99 ${median(results.queue, 'p99')} ms  (${(queueRps / inProcess).toFixed(2)}× in-process)`,
    );
    console.log(`worker       ${workerRate.toFixed(0)} events/s (1 process, concurrency 50, ${waiting} jobs, start-up included)`);
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
    const { innopaasWebhook } = require('../dist/index.js');
    const mode = process.argv[3];
    let queue;
    if (mode === 'queue') {
      const { bullmqQueue } = require('../dist/bullmq/index.js');
      queue = bullmqQueue(new Queue(QUEUE_NAME, { connection: { url } }));
    }
    const app = express();
    app.use(
      '/webhook',
      innopaasWebhook({
        userName: USER_NAME,
        authorization: AUTHORIZATION,
        ...(queue ? { queue } : { on: { whatsapp_mo_message_received: () => {} } }),
      }),
    );
    const server = app.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
    process.on('disconnect', () => process.exit(0));
  }
} else {
  await main();
}
