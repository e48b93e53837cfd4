'use strict';

// Requires the built package, as an app that installed it from npm would (`require('innopaas-webhook')`).
const { innopaasWebhook } = require('..');
// The metrics subpath needs prom-client, an optional peer of the package (installed here as a dev dependency).
const { prometheusMetrics } = require('innopaas-webhook/metrics');
const { Registry } = require('prom-client');
const { describeProblems, plain, quote } = require('./format');
const { createHandlers } = require('./handlers');
const { createInspector } = require('./inspector');
const { createMessageStatuses } = require('./message-statuses');

const INSPECTOR_OFF = 'The inspector is off. Start the example with INSPECTOR=1 (or --inspector) to watch deliveries here.\n';

/**
 * The example receiver, without a port: `server.js` listens, tests use it in-process.
 *
 * @param {object} options
 * @param {string} options.userName        expected `UserName` header
 * @param {string} options.authorization   expected `Authorization` header
 * @param {{ enabled?: boolean, userName?: string, password?: string, max?: number, now?: () => Date }} [options.inspector]
 *   the live page at `/`; off unless `enabled`. Its basic auth defaults to `userName` / `authorization`.
 *   `max` deliveries are kept (200); `now` stamps them (tests pin it for a stable screenshot).
 * @param {(line: string) => void} [options.log]  where the one-line summaries go; console.log by default
 * @param {'after-handlers' | 'immediately'} [options.ack]  passed to the middleware
 * @param {Function} [options.express]  the Express factory; `require('express')` by default
 * @param {import('..').EventQueue} [options.queue]  queue mode: events are handed to this queue
 *   (`bullmqQueue(...)`) and handled by `worker.js`; the handlers do not run in this process
 * @returns {{ app, webhook, inspector, messages, registry }}  `messages`: each message's latest status
 *   (in queue mode filled by whoever calls its `record(body)`: server.js, with the worker's reports)
 */
function createExampleApp(options) {
  const { userName, authorization, ack, queue, log = console.log, express = require('express') } = options;
  // Prometheus metrics of every delivery, served at /metrics and summed up in the inspector.
  const registry = new Registry();
  const inspectorOptions = options.inspector ?? {};
  // Your database, in a real service: each message's latest status, never downgraded.
  const messages = createMessageStatuses({ now: inspectorOptions.now });
  const { on, onUnknownEvent } = createHandlers(log, messages);
  const inspector = inspectorOptions.enabled
    ? createInspector({
        express,
        userName: inspectorOptions.userName ?? userName,
        password: inspectorOptions.password ?? authorization,
        max: inspectorOptions.max,
        now: inspectorOptions.now,
        messages,
        registry,
        queueMode: Boolean(queue),
      })
    : null;
  // What only the hooks know (problems, duplicates, errors) goes to the inspector's row of the request.
  const note = inspector ? inspector.note : () => {};

  const app = express();
  app.disable('x-powered-by');

  // Mounted before the webhook so that it also sees what the webhook rejects, and the status answered.
  if (inspector) app.use('/webhook', inspector.recordDelivery);

  // No express.json() needed (it would not hurt either): the middleware reads the body itself.
  const webhook = innopaasWebhook({
    userName,
    authorization,
    ...(queue ? { queue } : { on, onUnknownEvent }),
    onInvalidEvent: (info, req) => {
      log(`rejected ${info.error.code}${describeProblems(info.problems)}`);
      note(req, { invalid: { code: info.error.code, problems: info.problems, payload: info.payload } });
    },
    // A redelivered event id, answered 200 without running the handlers again: recognised by the dedupe
    // store, or with a queue by the queue (one job per event id), whose job is not added twice.
    onDuplicate: (event, req) => {
      log(`duplicate ${plain(event.id)} ignored (${queue ? 'already queued' : 'already handled'})`);
      note(req, { duplicate: true });
    },
    onError: (error, { req, event }) => {
      log(`error ${error.code}${event ? ` for ${plain(event.id)}` : ''}: ${quote(error.message, 160)}`);
      note(req, { error: { code: error.code, message: error.message } });
    },
    observers: [prometheusMetrics({ registry })],
    ...(ack ? { ack } : {}),
  });
  app.use('/webhook', webhook);

  // For Prometheus to scrape. The labels are bounded (event type, status, code): no id, number or credential.
  app.get('/metrics', (req, res, next) => {
    registry.metrics().then((text) => {
      // As prom-client gives it: Express 4's res.type() would reorder the parameters.
      res.setHeader('Content-Type', registry.contentType);
      res.end(text);
    }, next);
  });

  if (inspector) app.use(inspector.router);
  else app.get('/', (req, res) => res.status(404).type('text/plain').send(INSPECTOR_OFF));

  return { app, webhook, inspector, messages, registry };
}

module.exports = { createExampleApp };
