// The servers under load, one per contender. Each `create()` returns a request listener for
// `http.createServer()` (or `{ listener, options }` for `createServer(options, listener)`); it is called in the child process (bench/server.mjs), never in the process
// that generates the load, so that the two never share a CPU core's event loop.
import * as crypto from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AUTHORIZATION, GITHUB_SECRET, LINE_CHANNEL_SECRET, USER_NAME } from './payloads.mjs';

const require = createRequire(import.meta.url);
const RECEIVED = '{"received":true}';
const EMPTY = Buffer.alloc(0);

/** The built package, as a CommonJS service would load it. Overridable to measure a patched copy. */
export const DEFAULT_BUILD = fileURLToPath(new URL('../dist/index.js', import.meta.url));

export function loadBuild(path = DEFAULT_BUILD) {
  if (!existsSync(path)) throw new Error(`${path} is missing: run npm run build first.`);
  return require(path);
}

/** (3)'s middleware, for (3), (3c) and (3n): defaults, and an async handler that does nothing, as users write them. */
function createWebhook(buildPath, extra = {}) {
  const { innopaasWebhook } = loadBuild(buildPath);
  return innopaasWebhook({
    userName: USER_NAME,
    authorization: AUTHORIZATION,
    on: { whatsapp_mo_message_received: async () => {} },
    ...extra,
  });
}

/**
 * The tracing a production app sets up, minus the network: the OpenTelemetry SDK with a batch span
 * processor, a context manager on AsyncLocalStorage and W3C propagation, registered globally. The
 * exporter drops the spans it is given (an OTLP exporter would send them from the same process).
 */
let tracingRegistered = false;
function registerTracing(ratio) {
  // Once a process: (3so) asks for it twice, and the API keeps the first provider anyway.
  if (tracingRegistered) return;
  tracingRegistered = true;
  const { context, propagation, trace } = require('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
  const { W3CTraceContextPropagator } = require('@opentelemetry/core');
  const {
    BasicTracerProvider,
    BatchSpanProcessor,
    ParentBasedSampler,
    TraceIdRatioBasedSampler,
  } = require('@opentelemetry/sdk-trace-base');
  const exporter = { export: (spans, done) => done({ code: 0 }), shutdown: async () => {} };
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  // Every span recorded unless a ratio is given: then the SDK's usual sampler for it.
  const sampler = ratio === undefined ? undefined : new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  trace.setGlobalTracerProvider(new BasicTracerProvider({ sampler, spanProcessors: [new BatchSpanProcessor(exporter)] }));
}

/**
 * What an app that traces does to every request before any route: one server span, active while the
 * request runs (the HTTP instrumentation makes one, with more attributes). (3s) is (3) in such an app, so
 * that (3s) over (3) is what one SDK span costs, and (3so) over (3s) what the observers add to that app.
 */
function appSpan() {
  registerTracing();
  const { context, trace, SpanKind } = require('@opentelemetry/api');
  const tracer = trace.getTracer('the-app');
  return (req, res, next) => {
    const span = tracer.startSpan('POST /webhook', { kind: SpanKind.SERVER });
    res.once('finish', () => span.end());
    context.with(trace.setSpan(context.active(), span), next);
  };
}

/** (3) with observers: Prometheus metrics in a registry of its own, OpenTelemetry spans, or both. */
function observedWebhook(buildPath = DEFAULT_BUILD, { metrics, tracing, ratio }) {
  const subpath = (name) => require(fileURLToPath(new URL(`./${name}/index.js`, pathToFileURL(buildPath))));
  const observers = [];
  if (metrics) {
    const { Registry } = require('prom-client');
    observers.push(subpath('metrics').prometheusMetrics({ registry: new Registry() }));
  }
  if (tracing) {
    registerTracing(ratio);
    observers.push(subpath('otel').openTelemetry());
  }
  return createWebhook(buildPath, { observers });
}

/**
 * (3or), the reference for (3o) as (R) is for (3): the least an observer with (3o)'s output can do,
 * written inline against the same observer interface. One SDK span per event, no attributes and no
 * context around the handler, and the same five prom-client updates with the same labels.
 */
function leastObserver() {
  registerTracing();
  const { trace, SpanKind } = require('@opentelemetry/api');
  const { Counter, Histogram, Registry } = require('prom-client');
  const registers = [new Registry()];
  const tracer = trace.getTracer('reference');
  const events = new Counter({ name: 'e_total', help: 'e', labelNames: ['type', 'outcome'], registers });
  const responses = new Counter({ name: 'r_total', help: 'r', labelNames: ['status', 'code'], registers });
  const dedupe = new Counter({ name: 'd_total', help: 'd', labelNames: ['outcome'], registers });
  const lag = new Histogram({ name: 'l_seconds', help: 'l', labelNames: ['type'], registers });
  const duration = new Histogram({ name: 'h_seconds', help: 'h', labelNames: ['type', 'outcome'], registers });
  return {
    begin: () => {
      let span;
      let type;
      return {
        event(_event, eventType, lagMs) {
          type = eventType;
          span = tracer.startSpan(`process ${type}`, { kind: SpanKind.CONSUMER });
          if (lagMs !== undefined) lag.observe({ type }, Math.max(0, lagMs) / 1000);
        },
        dedupe: (outcome) => dedupe.inc({ outcome }),
        handled(failure, ms) {
          if (ms !== undefined) duration.observe({ type, outcome: failure ? failure.code : 'success' }, ms / 1000);
        },
        answered({ status, code }) {
          responses.inc({ status, code });
          if (type) events.inc({ type, outcome: code });
          span?.end();
        },
      };
    },
  };
}

/** An Express app with `webhook` mounted on /webhook, behind an app span when asked. */
function webhookApp(webhook, withAppSpan = false) {
  const express = require('express');
  const app = express();
  if (withAppSpan) app.use(appSpan());
  app.use('/webhook', webhook);
  return app;
}

/** Sends `app` one request with wrong credentials and half its body: answered 401, connection closed. */
async function refuseOnce(app) {
  const http = require('node:http');
  const server = http.createServer(app);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const status = await new Promise((resolve, reject) => {
      const req = http.request(
        {
          port: server.address().port,
          host: '127.0.0.1',
          method: 'POST',
          path: '/webhook',
          headers: { 'content-type': 'application/json', 'content-length': 10, username: 'x', authorization: 'y' },
        },
        (res) => {
          res.resume();
          resolve(`${res.statusCode} ${res.headers.connection}`);
        },
      );
      req.on('error', reject);
      req.write('{"a"');
    });
    if (status !== '401 close') throw new Error(`refuseOnce: expected 401 with Connection: close, got ${status}`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/**
 * The README's first recipe: server options whose request and response constructors have the app's own
 * prototypes. Plain constructor functions: Reflect.construct(…, Request) measured slower than (3) itself.
 */
function ownClasses(app) {
  const http = require('node:http');
  function Request(socket) {
    http.IncomingMessage.call(this, socket);
  }
  Request.prototype = app.request;
  function Response(req, options) {
    http.ServerResponse.call(this, req, options);
  }
  Response.prototype = app.response;
  return { IncomingMessage: Request, ServerResponse: Response };
}

function answer(res) {
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(RECEIVED);
}

/** The floor's whole work: let the body flow past, then answer. */
function drain(req, res) {
  req.on('end', () => answer(res));
  req.resume();
}

/** (1) and (1d): an Express app with nothing but `middleware` at /webhook. */
function expressFloor(middleware) {
  const express = require('express');
  const app = express();
  app.use('/webhook', middleware);
  return app;
}

const HIDE = Object.freeze({ enumerable: false });
const SHOW = Object.freeze({ enumerable: true });
/**
 * The step (3) took first under Express until it was removed (bench/README.md): `_events` made non-enumerable and enumerable again puts
 * a swapped object in V8's dictionary mode, whose hidden class every request then shares, so later reads
 * hit V8's caches. (Express's req and res always have `_events` of their own, enumerable.)
 */
function dictionaryMode(object) {
  Object.defineProperty(object, '_events', HIDE);
  Object.defineProperty(object, '_events', SHOW);
}

/**
 * In the order of the report. `payload` names the request builder of bench/payloads.mjs; `baseline`
 * marks the contender every ratio is taken against.
 */
export const contenders = [
  {
    key: 'node-http',
    label: '0 node:http + JSON.parse',
    payload: 'innopaas',
    // What Node alone can do: read the chunks, parse, answer. No routing, no checks.
    create() {
      return (req, res) => {
        const chunks = [];
        req.on('data', (chunk) => chunks.push(chunk));
        req.on('end', () => {
          JSON.parse(Buffer.concat(chunks).toString('utf8'));
          answer(res);
        });
      };
    },
  },
  {
    key: 'express-floor',
    label: '1 Express 5 floor',
    payload: 'innopaas',
    // Mounted as ours is, doing nothing but drain and answer: the goals' floor. (1d) keeps, as a
    // measurement only, the engine trick (3) once took first (bench/README.md).
    create: () => expressFloor(drain),
  },
  {
    key: 'express-floor-dictionary',
    label: '1d Express 5 floor, dictionary mode',
    payload: 'innopaas',
    // (1) with the dictionary-mode step that lib/ no longer takes: it paid on Node 20 and 22 and cost on
    // Node 24 (bench/README.md). A measurement, not a recipe.
    create: () =>
      expressFloor((req, res) => {
        dictionaryMode(req);
        dictionaryMode(res);
        drain(req, res);
      }),
  },
  {
    key: 'express-handwritten',
    label: '2 hand-written Express route',
    payload: 'innopaas',
    baseline: true,
    // What users write today: a JSON parser and two plain string comparisons. No validation, no dedupe.
    create() {
      const express = require('express');
      const app = express();
      app.post('/webhook', express.json(), (req, res) => {
        if (req.headers.username !== USER_NAME || req.headers.authorization !== AUTHORIZATION) {
          res.sendStatus(401);
          return;
        }
        res.json({ received: true });
      });
      return app;
    },
  },
  {
    key: 'innopaas',
    servesBuild: true,
    label: '3 innopaasWebhook (defaults)',
    payload: 'innopaas',
    // Defaults: constant-time credentials, content type and size checks, schema validation, in-memory
    // dedupe. The handler is async, as users write them, and does nothing.
    create(buildPath) {
      const express = require('express');
      const app = express();
      app.use('/webhook', createWebhook(buildPath));
      return app;
    },
  },
  {
    key: 'innopaas-classes',
    recipe: 'Express on its own classes',
    servesBuild: true,
    label: '3c innopaasWebhook, app classes',
    payload: 'innopaas',
    // (3) mounted as (3) is, on a server that builds each request and response on Express's own
    // prototypes (the README's first "Performance" recipe): Express then has no prototype to swap.
    // Not part of the goals: shown beside them.
    create(buildPath) {
      const app = findContender('innopaas').create(buildPath);
      return { listener: app, options: ownClasses(app) };
    },
  },
  {
    key: 'innopaas-node',
    recipe: 'ahead of Express',
    servesBuild: true,
    label: '3n innopaasWebhook before Express',
    payload: 'innopaas',
    // (3) with the same options, given the webhook path before Express sees the request (the README's
    // second "Performance" recipe): Express swaps the prototype of every request and response, which
    // costs more than everything the middleware does (bench/README.md). Not part of the goals either.
    create(buildPath) {
      const express = require('express');
      const app = express();
      const webhook = createWebhook(buildPath);
      return (req, res) => (req.url.split('?', 1)[0] === '/webhook' ? webhook(req, res) : app(req, res));
    },
  },
  {
    key: 'minimal',
    label: 'R minimal receiver (reference)',
    payload: 'innopaas',
    // Not a product: the least any receiver with (3)'s contract can do, written inline for this suite.
    // Mounted as (3) is; constant-time credentials
    // (one SHA-256 of the pair), the body read with a byte cap and a time limit, JSON.parse, the event set
    // on req, an async handler awaited. No content-type, validation, dates or dedupe. It shows the ceiling
    // of (3): what is left above it is those features.
    create() {
      const express = require('express');
      // The one-shot hash where Node has it (≥ 20.12), as (3) uses.
      const sha256 = crypto.hash
        ? (text) => crypto.hash('sha256', text, 'buffer')
        : (text) => crypto.createHash('sha256').update(text).digest();
      const digest = (userName, authorization) => sha256(`${userName}\n${authorization}`);
      const expected = digest(USER_NAME, AUTHORIZATION);
      // (R5) and (R15) reuse (R) with a handler that spins that long.
      const spinUs = this.spinUs ?? 0;
      const handler = spinUs
        ? async () => {
            for (const end = performance.now() + spinUs / 1000; performance.now() < end;);
          }
        : async () => {};
      const app = express();
      app.use('/webhook', (req, res) => {
        if (!crypto.timingSafeEqual(digest(req.headers.username, req.headers.authorization), expected)) {
          res.statusCode = 401;
          res.end();
          return;
        }
        let first = EMPTY;
        let chunks;
        let received = 0;
        let settled = false;
        const fail = (status) => {
          res.statusCode = status;
          res.end();
        };
        const finish = (status) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          if (status !== 200) return fail(status);
          let event;
          try {
            event = JSON.parse((chunks ? Buffer.concat(chunks, received) : first).toString('utf8'));
          } catch {
            return fail(400);
          }
          req.innopaasEvent = event;
          handler(event, req).then(
            () => answer(res),
            () => fail(500),
          );
        };
        const timer = setTimeout(() => finish(408), 10_000);
        req.on('data', (chunk) => {
          received += chunk.length;
          if (received > 1_048_576) finish(413);
          else if (first.length === 0) first = chunk;
          else (chunks ??= [first]).push(chunk);
        });
        req.on('end', () => finish(200));
        req.on('error', () => finish(400));
        req.on('close', () => finish(400));
      });
      return app;
    },
  },
  {
    key: 'line',
    label: '4 @line/bot-sdk middleware',
    payload: 'line',
    // Signature check (HMAC-SHA256) and JSON.parse, then the route answers.
    async create() {
      const express = require('express');
      const { middleware } = await import('@line/bot-sdk');
      const app = express();
      app.post('/webhook', middleware({ channelSecret: LINE_CHANNEL_SECRET }), (req, res) => res.json({ received: true }));
      return app;
    },
  },
  {
    key: 'octokit',
    label: '5 @octokit/webhooks middleware',
    payload: 'github',
    // Signature check, JSON.parse and event dispatch to an async handler that does nothing.
    async create() {
      const express = require('express');
      const { Webhooks, createNodeMiddleware } = await import('@octokit/webhooks');
      const webhooks = new Webhooks({ secret: GITHUB_SECRET });
      webhooks.on('issue_comment', async () => {});
      const app = express();
      app.use(createNodeMiddleware(webhooks, { path: '/webhook' }));
      return app;
    },
  },
];

/**
 * Not in the default run; chosen with `--only`. (3o), (3m) and (3t) are (3) with observers: metrics and
 * tracing, metrics only, tracing only; (3os) is (3o) with 10 % of the traces sampled (`--only 3,3o,3m,3t,3os`:
 * what observability costs a request).
 * (0s) is (0) with the one thing Express does to every
 * request before any middleware: it swaps the prototype of the request and of the response for its own
 * (`Object.setPrototypeOf(req, app.request)`). `--only 0,0s` shows what that alone costs (bench/README.md).
 * (2c) is (2) with the first recipe: it spares every route the swap, not only the webhook (`--only 2,2c`).
 * (3e4) and (3ce4) are (3) and (3c) on Express 4, which many services still run (`--only 3e4,3ce4`).
 */
export const extraContenders = [
  ...[
    ['innopaas-observed', '3o innopaasWebhook, metrics + tracing', { metrics: true, tracing: true }],
    ['innopaas-metrics', '3m innopaasWebhook, metrics', { metrics: true, tracing: false }],
    ['innopaas-tracing', '3t innopaasWebhook, tracing', { metrics: false, tracing: true }],
    [
      'innopaas-observed-sampled',
      '3os innopaasWebhook, metrics + tracing sampled 10 %',
      { metrics: true, tracing: true, ratio: 0.1 },
    ],
    ['innopaas-app-span', '3s innopaasWebhook in a traced app', { metrics: false, tracing: false, appSpan: true }],
    ['innopaas-observed-least', "3or the least observer with (3o)'s output (reference)", { least: true }],
    [
      'innopaas-app-span-observed',
      '3so innopaasWebhook in a traced app, metrics + tracing',
      { metrics: true, tracing: true, appSpan: true },
    ],
  ].map(([key, label, observe]) => ({
    key,
    servesBuild: true,
    label,
    payload: 'innopaas',
    create: (buildPath) =>
      webhookApp(
        observe.least ? createWebhook(buildPath, { observers: [leastObserver()] }) : observedWebhook(buildPath, observe),
        observe.appSpan,
      ),
  })),
  // (3) in a process where an early refusal has closed a connection once (a scanner's 401): from then on
  // every request also looks its socket up among those being closed (a request pipelined behind such a
  // refusal is not run). `--only 3,3x`.
  {
    key: 'innopaas-after-refusal',
    servesBuild: true,
    label: '3x innopaasWebhook after one refused connection',
    payload: 'innopaas',
    async create(buildPath) {
      const app = webhookApp(createWebhook(buildPath));
      await refuseOnce(app);
      return app;
    },
  },
  // (R) with 5 and 15 µs of work added in its handler (a spin): a scale to read (3)'s distance from (R) in
  // µs of work, since CPU a request grows with the work a request does by more than that work (the
  // kernel's share of each answer grows as the server slows down). `--only R,R5,R15,3`.
  ...[5, 15].map((us) => ({
    key: `minimal-spin-${us}`,
    label: `R${us} minimal receiver, ${us} µs of work in its handler`,
    payload: 'innopaas',
    spinUs: us,
    create() {
      return findContender('minimal').create.call(this);
    },
  })),
  // What two of (3)'s features cost a request: (3d) without dedupe, (3h) with a synchronous handler (no
  // promise to wait for, so no deadline timer). `--only 3,3d,3h,R`.
  ...[
    ['innopaas-no-dedupe', '3d innopaasWebhook, dedupe: false', { dedupe: false }],
    ['innopaas-sync-handler', '3h innopaasWebhook, synchronous handler', { on: { whatsapp_mo_message_received: () => {} } }],
  ].map(([key, label, extra]) => ({
    key,
    servesBuild: true,
    label,
    payload: 'innopaas',
    create: (buildPath) => webhookApp(createWebhook(buildPath, extra)),
  })),
  {
    key: 'node-http-swap',
    label: '0s node:http + JSON.parse, prototypes swapped as Express does',
    payload: 'innopaas',
    create() {
      const http = require('node:http');
      const plain = findContender('node-http').create();
      // Express's chain: app.request → express.request → http.IncomingMessage.prototype (same for res).
      const requestPrototype = Object.create(Object.create(http.IncomingMessage.prototype));
      const responsePrototype = Object.create(Object.create(http.ServerResponse.prototype));
      return (req, res) => {
        Object.setPrototypeOf(req, requestPrototype);
        Object.setPrototypeOf(res, responsePrototype);
        plain(req, res);
      };
    },
  },
  {
    key: 'express-handwritten-classes',
    label: '2c hand-written Express route, app classes',
    payload: 'innopaas',
    create() {
      const app = findContender('express-handwritten').create();
      return { listener: app, options: ownClasses(app) };
    },
  },
  ...[
    ['innopaas-express4', '3e4 innopaasWebhook on Express 4', false],
    ['innopaas-express4-classes', '3ce4 innopaasWebhook on Express 4, app classes', true],
  ].map(([key, label, classes]) => ({
    key,
    servesBuild: true,
    label,
    payload: 'innopaas',
    create(buildPath) {
      const express = require('express4');
      const app = express();
      app.use('/webhook', createWebhook(buildPath));
      return classes ? { listener: app, options: ownClasses(app) } : app;
    },
  })),
];

/**
 * The Fetch handler on Node, chosen with `--only 1,3,1h,3f,3fn` (bench/README.md, "The Fetch handler"):
 * (1h) is Hono's floor, a route that reads the body and answers, served by @hono/node-server as (3f) is;
 * (3f) is innopaasFetchHandler with (3)'s options in a Hono route, as the README mounts it; (3fn) is the
 * same handler given to @hono/node-server's request listener directly, without Hono's router.
 */
function createFetchHandler(buildPath) {
  const { innopaasFetchHandler } = loadBuild(buildPath);
  return innopaasFetchHandler({
    userName: USER_NAME,
    authorization: AUTHORIZATION,
    on: { whatsapp_mo_message_received: async () => {} },
  });
}

async function honoApp(route) {
  const [{ Hono }, { getRequestListener }] = await Promise.all([import('hono'), import('@hono/node-server')]);
  const app = new Hono();
  app.post('/webhook', route);
  return getRequestListener(app.fetch);
}

extraContenders.push(
  {
    key: 'hono-floor',
    label: '1h Hono floor (@hono/node-server)',
    payload: 'innopaas',
    create: () =>
      honoApp(async (c) => {
        await c.req.raw.arrayBuffer();
        return new Response(RECEIVED, { headers: { 'content-type': 'application/json; charset=utf-8' } });
      }),
  },
  {
    key: 'fetch-hono',
    servesBuild: true,
    label: '3f innopaasFetchHandler in Hono',
    payload: 'innopaas',
    create(buildPath) {
      const handler = createFetchHandler(buildPath);
      return honoApp((c) => handler(c.req.raw));
    },
  },
  {
    key: 'fetch-node-server',
    servesBuild: true,
    label: '3fn innopaasFetchHandler on @hono/node-server, no router',
    payload: 'innopaas',
    async create(buildPath) {
      const { getRequestListener } = await import('@hono/node-server');
      return getRequestListener(createFetchHandler(buildPath));
    },
  },
);

export function findContender(key) {
  const all = [...contenders, ...extraContenders];
  const found = all.find((c) => c.key === key || c.label.startsWith(`${key} `));
  if (!found) throw new Error(`Unknown contender ${key}. Known: ${all.map((c) => c.key).join(', ')}.`);
  return found;
}
