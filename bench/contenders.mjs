// The servers under load, one per contender. Each `create()` returns a request listener for
// `http.createServer()`; it is called in the child process (bench/server.mjs), never in the process
// that generates the load, so that the two never share a CPU core's event loop.
import * as crypto from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
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

function answer(res) {
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(RECEIVED);
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
    // Mounted as ours is, doing nothing but drain and answer: no Express middleware can beat it.
    create() {
      const express = require('express');
      const app = express();
      app.use('/webhook', (req, res) => {
        req.on('end', () => answer(res));
        req.resume();
      });
      return app;
    },
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
    label: '3 innopaasWebhook (defaults)',
    payload: 'innopaas',
    // Defaults: constant-time credentials, content type and size checks, schema validation, in-memory
    // dedupe. The handler is async, as users write them, and does nothing.
    create(buildPath) {
      const express = require('express');
      const { innopaasWebhook } = loadBuild(buildPath);
      const app = express();
      app.use('/webhook', innopaasWebhook({
        userName: USER_NAME,
        authorization: AUTHORIZATION,
        on: { whatsapp_mo_message_received: async () => {} },
      }));
      return app;
    },
  },
  {
    key: 'minimal',
    label: 'R minimal receiver (reference)',
    payload: 'innopaas',
    // Not a product: the least any receiver with (3)'s contract can do, written inline for this suite.
    // Mounted as (3) is; constant-time credentials (one SHA-256 of the pair), the body read with a byte
    // cap and a time limit, JSON.parse, the event set on req, an async handler awaited. No content-type,
    // validation, dates or dedupe. It shows the ceiling of (3): what is left above it is those features.
    create() {
      const express = require('express');
      // The one-shot hash where Node has it (≥ 20.12), as (3) uses.
      const sha256 = crypto.hash ? (text) => crypto.hash('sha256', text, 'buffer') : (text) => crypto.createHash('sha256').update(text).digest();
      const digest = (userName, authorization) => sha256(`${userName}\n${authorization}`);
      const expected = digest(USER_NAME, AUTHORIZATION);
      const handler = async () => {};
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
          handler(event, req).then(() => answer(res), () => fail(500));
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

export function findContender(key) {
  const found = contenders.find((c) => c.key === key || c.label.startsWith(`${key} `));
  if (!found) throw new Error(`Unknown contender ${key}. Known: ${contenders.map((c) => c.key).join(', ')}.`);
  return found;
}
