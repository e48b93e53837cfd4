// A web instance in queue mode, as a child process of the tests: the built package, the middleware
// with `queue: bullmqQueue(...)`, listening on a free port it prints as `listening <port>`.
// Environment: REDIS_URL, QUEUE_NAME, EXPRESS (4 or 5), BACKOFF_MS (a fixed back-off for the tests).
'use strict';
const { Queue } = require('bullmq');
const { innopaasWebhook } = require('../../../dist/index.js');
const { bullmqQueue } = require('../../../dist/bullmq/index.js');

const express = require(process.env.EXPRESS === '4' ? 'express4' : 'express');
const queue = new Queue(process.env.QUEUE_NAME, { connection: { url: process.env.REDIS_URL } });
// Redis going away is answered 503 by the middleware; the Queue's own 'error' events only say so.
queue.on('error', () => undefined);
const backoffMs = Number(process.env.BACKOFF_MS ?? 100);

const app = express();
app.use(
  '/webhook',
  innopaasWebhook({
    userName: process.env.INNOPAAS_USERNAME,
    authorization: process.env.INNOPAAS_AUTHORIZATION,
    queue: bullmqQueue(queue, { attempts: 3, backoff: { type: 'fixed', delay: backoffMs } }),
    onError: () => undefined,
  }),
);
const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  queue.close().then(() => process.exit(0));
});
