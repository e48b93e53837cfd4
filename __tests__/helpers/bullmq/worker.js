// A worker process of the tests: the built package's createWorker, whose handler counts each event it
// handled successfully with HINCRBY <hash> <event id> 1, so the test can see every event was handled
// exactly once (HANDLED_KEY names the hash). An inbound text "fail-once" fails its first try; with HANG=1 the handler prints
// `started <id>` and never ends (the test kills the process then).
// Environment: REDIS_URL, QUEUE_NAME, HANDLED_KEY (the hash), HANG, CONCURRENCY.
'use strict';
const Redis = require('ioredis');
const { createWorker } = require('../../../dist/bullmq/index.js');

const counts = new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: null });
counts.on('error', () => undefined);
const hang = process.env.HANG === '1';

const { close, waitUntilReady } = createWorker({
  queueName: process.env.QUEUE_NAME,
  connection: { url: process.env.REDIS_URL },
  concurrency: Number(process.env.CONCURRENCY ?? 10),
  on: {
    whatsapp_mo_message_received: async (event, { attempt }) => {
      if (hang) {
        process.stdout.write(`started ${event.id}\n`);
        await new Promise(() => undefined);
      }
      if (event.body.type === 'text' && event.body.text.body === 'fail-once' && attempt === 1)
        throw new Error('the first try fails');
      await counts.hincrby(process.env.HANDLED_KEY ?? 'handled', event.id, 1);
    },
  },
  // Lines on stderr would only say what the test provokes.
  onError: () => undefined,
});
waitUntilReady().then(() => process.stdout.write('ready\n'));
process.on('SIGTERM', () => {
  close()
    .then(() => counts.quit())
    .then(() => process.exit(0));
});
