// Soak test of the BUILT package (dist/index.js): an Express 5 server in a child process, fed by 100
// keep-alive connections from this one for SOAK_SECONDS (default 10) on 127.0.0.1 only.
//
//   node __tests__/soak/soak.mjs            (run by __tests__/reliability-soak.test.ts)
//
// 10% of requests redeliver an event already acknowledged (→ 200 duplicate), 1% of event ids make the
// handler throw on their first attempt (→ 500, then redelivered until handled, as InnoPaaS retries).
// Checks: no unexpected answer; every event handled exactly once (nothing lost, nothing twice); the
// server's mean RSS in the last quarter within 10% of the second's. Prints the figures, then one line
// `SOAK_RESULT {json}`; exits 1 when a check fails. Every loop is bounded by the clock.

import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const SECONDS = Number(process.env.SOAK_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 100);
const DUPLICATE_SHARE = 0.1;
const FAILING_EVERY = 100; // ids divisible by this fail once: 1%
// V8 grows its heap to the working size in the first seconds under load: that is not a leak, so the
// run starts with a warm-up at full load whose answers are checked but whose RSS is not measured.
const WARMUP_SECONDS = Number(process.env.SOAK_WARMUP_SECONDS ?? 3);
const CAPACITY = Math.max(1 << 20, (SECONDS + WARMUP_SECONDS) * 50_000); // event ids: one byte each, touched as used
const USER = 'soak-user';
const AUTH = 'soak-authorization-4b1e9d';

const failsFirst = (n) => n % FAILING_EVERY === 0;

if (process.argv[2] === '--server') serve();
else await main();

/** The server child: the middleware from dist, a handler that counts what it handled per id. */
function serve() {
  const { innopaasWebhook } = require(DIST);
  const express = require('express');
  const attempts = new Uint8Array(CAPACITY);
  const handled = new Uint8Array(CAPACITY);
  const app = express();
  app.use(
    '/webhook',
    innopaasWebhook({
      userName: USER,
      authorization: AUTH,
      // Bounded small on purpose: the store reaches its bound in the first quarter, so what the RSS
      // check sees afterwards is a leak, not the LRU filling up as designed.
      dedupe: { maxEntries: 10_000 },
      // 1 % of the handlers fail on purpose and the load counts their 500s: printing each would only
      // slow the server down by the failure rate.
      onError: false,
      on: {
        whatsapp_mo_message_received: (event) => {
          const n = Number(event.id.slice(5));
          attempts[n] += 1;
          if (failsFirst(n) && attempts[n] === 1) throw new Error(`soak: ${event.id} fails once`);
          handled[n] = Math.min(255, handled[n] + 1);
        },
      },
    }),
  );
  const server = app.listen(0, '127.0.0.1', () => process.send({ type: 'ready', port: server.address().port }));
  process.on('message', (message) => {
    if (message.type === 'memory') process.send({ type: 'memory', rss: process.memoryUsage().rss });
    if (message.type === 'heap') {
      globalThis.gc();
      process.send({ type: 'heap', heapUsed: process.memoryUsage().heapUsed });
    }
    if (message.type === 'count') {
      let lost = 0;
      let twice = 0;
      let total = 0;
      for (let n = 1; n <= message.lastId; n++) {
        total += handled[n];
        if (handled[n] === 0) lost += 1;
        if (handled[n] > 1) twice += 1;
      }
      process.send({ type: 'count', total, lost, twice });
    }
  });
  // Ends with its parent, whatever happens to the parent.
  process.on('disconnect', () => process.exit(0));
}

/** The client: spawns the server, drives it, checks and prints. */
async function main() {
  if (!existsSync(DIST)) {
    console.error(`soak: ${DIST} is missing: run npm run build`);
    process.exit(1);
  }
  const hardStop = setTimeout(
    () => {
      console.error('soak: still running long after SOAK_SECONDS; giving up');
      process.exit(2);
    },
    (SECONDS + 60) * 1000,
  );
  hardStop.unref();

  // --expose-gc: the leak check reads the heap after a full collection, which RSS (grown by the
  // allocator and V8's heap sizing as they see fit) cannot tell apart from a leak.
  const child = fork(fileURLToPath(import.meta.url), ['--server'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: ['--expose-gc'],
  });
  const replies = [];
  child.on('message', (message) => replies.shift()?.(message));
  const ask = (type, extra = {}) =>
    new Promise((resolve) => {
      replies.push(resolve);
      child.send({ type, ...extra });
    });
  const { port } = await new Promise((resolve) => child.once('message', resolve));

  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const post = (n) =>
    new Promise((resolve) => {
      const body = eventFor(n);
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/webhook',
          method: 'POST',
          agent,
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(body),
            UserName: USER,
            Authorization: AUTH,
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => {
            text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode, text }));
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
      req.on('error', (error) => resolve({ status: 0, text: error.message }));
      req.end(body);
    });

  const random = mulberry32(0x5eed);
  const recent = new Int32Array(2048); // acknowledged ids, a ring: redeliveries come from here
  let recentCount = 0;
  const retries = [];
  const statuses = {};
  const unexpected = [];
  let lastId = 0;
  let requests = 0;
  const started = Date.now() + WARMUP_SECONDS * 1000; // the measured run
  const deadline = started + SECONDS * 1000;

  const expectations = {
    new: (n) => (failsFirst(n) ? 'handler_failed' : 'received'),
    retry: () => 'received',
    duplicate: () => 'duplicate',
  };
  async function worker() {
    for (;;) {
      let kind = 'new';
      let n;
      if (retries.length > 0) [kind, n] = ['retry', retries.shift()];
      else if (Date.now() >= deadline) return;
      else if (recentCount > 0 && random() < DUPLICATE_SHARE)
        [kind, n] = ['duplicate', recent[Math.floor(random() * Math.min(recentCount, recent.length))]];
      else n = ++lastId;
      if (lastId >= CAPACITY) throw new Error('soak: out of event ids; raise CAPACITY');
      const { status, text } = await post(n);
      requests += 1;
      const answer =
        status === 200
          ? text.includes('"duplicate"')
            ? 'duplicate'
            : 'received'
          : (/"code":"(\w+)"/.exec(text)?.[1] ?? text.slice(0, 80));
      statuses[`${status} ${answer}`] = (statuses[`${status} ${answer}`] ?? 0) + 1;
      if (answer !== expectations[kind](n)) {
        if (unexpected.length < 20) unexpected.push(`${kind} soak-${n}: ${status} ${answer}`);
        if (kind !== 'duplicate') retries.push(n); // never leave an event behind
      } else if (answer === 'handler_failed') retries.push(n);
      else if (answer === 'received') recent[recentCount++ % recent.length] = n;
      if (Date.now() > deadline + 30_000) return; // retries bounded in time too
    }
  }

  const rss = [];
  const sampler = setInterval(async () => rss.push({ at: Date.now() - started, rss: (await ask('memory')).rss }), 100);
  // The heap after a full collection, half-way and at the end: the store is at its bound by then.
  let heapMid;
  const midpoint = setTimeout(async () => (heapMid = (await ask('heap')).heapUsed), started + (SECONDS * 1000) / 2 - Date.now());
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  clearInterval(sampler);
  clearTimeout(midpoint);
  const heapEnd = (await ask('heap')).heapUsed;
  const heapGrowth = heapMid ? (heapEnd - heapMid) / heapMid : 0;
  const elapsed = (Date.now() - started) / 1000 + WARMUP_SECONDS;
  const count = await ask('count', { lastId });
  agent.destroy();
  child.disconnect();

  const quarters = [0, 1, 2, 3].map((q) => {
    const inQuarter = rss.filter(({ at }) => at >= (q * SECONDS * 1000) / 4 && at < ((q + 1) * SECONDS * 1000) / 4);
    return inQuarter.reduce((sum, { rss: value }) => sum + value, 0) / Math.max(1, inQuarter.length);
  });
  const rssGrowth = (quarters[3] - quarters[1]) / quarters[1];
  const result = {
    seconds: SECONDS,
    warmupSeconds: WARMUP_SECONDS,
    connections: CONNECTIONS,
    requests,
    requestsPerSecond: Math.round(requests / elapsed),
    statuses,
    events: lastId,
    handled: count.total,
    lost: count.lost,
    handledTwice: count.twice,
    unexpected,
    rssMbPerQuarter: quarters.map((value) => Math.round(value / 1e5) / 10),
    rssGrowth: Math.round(rssGrowth * 1000) / 1000,
    heapMb: [heapMid, heapEnd].map((value) => Math.round((value ?? 0) / 1e5) / 10),
    heapGrowth: Math.round(heapGrowth * 1000) / 1000,
  };
  const failures = [
    unexpected.length > 0 && `${unexpected.length} unexpected answers`,
    count.lost > 0 && `${count.lost} events never handled`,
    count.twice > 0 && `${count.twice} events handled twice`,
    count.total !== lastId && `${count.total} handler successes for ${lastId} distinct events`,
    !(heapGrowth < 0.1) && `the heap after GC grew ${(heapGrowth * 100).toFixed(1)}% from half-way to the end`,
  ].filter(Boolean);

  console.log(
    `soak: ${WARMUP_SECONDS} s warm-up + ${SECONDS} s measured, ${CONNECTIONS} connections, ${requests} requests, ${result.requestsPerSecond} req/s`,
  );
  console.log(`soak: statuses ${JSON.stringify(statuses)}`);
  console.log(`soak: ${lastId} events, ${count.total} handled, ${count.lost} lost, ${count.twice} handled twice`);
  console.log(
    `soak: server RSS per quarter (MB) ${result.rssMbPerQuarter.join(' / ')}, growth Q2→Q4 ${(rssGrowth * 100).toFixed(1)}%; heap after GC half-way / end (MB) ${result.heapMb.join(' / ')}, growth ${(heapGrowth * 100).toFixed(1)}%`,
  );
  console.log(`SOAK_RESULT ${JSON.stringify({ ...result, failures })}`);
  process.exit(failures.length > 0 ? 1 : 0);
}

/** A small seeded generator, so that a run's mix of requests can be replayed. */
function mulberry32(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function eventFor(n) {
  return JSON.stringify({
    id: `soak-${n}`,
    type: 'whatsapp_mo_message_received',
    eventTime: '2024-03-08T09:42:06.363Z',
    body: {
      id: `mo-${n}`,
      accountName: 'IW123456',
      wabaId: '11231231212331',
      wamid: `wamid.${n}`,
      from: '8613800000000',
      to: '8613900000000',
      sendTime: '2024-03-08T09:42:06.000Z',
      type: 'text',
      text: { body: `soak message ${n}` },
    },
  });
}
