'use strict';

// Queue mode's worker process: runs the same handlers as the in-process mode (handlers.js) for the
// events the web process queued. Started by `server.js --queue`; run more of them to scale out:
//   REDIS_URL=redis://127.0.0.1:6379 node example-app/worker.js
const { createWorker } = require('innopaas-webhook/bullmq');
const { createHandlers } = require('./handlers');

const log = (line) => console.log(`${new Date().toISOString()} [worker] ${line}`);
const url = process.env.REDIS_URL;
if (!url) {
  console.error('Set REDIS_URL, e.g. REDIS_URL=redis://127.0.0.1:6379 node example-app/worker.js');
  process.exit(1);
}

const { on, onUnknownEvent } = createHandlers(log);
const worker = createWorker({
  queueName: process.env.QUEUE_NAME || 'innopaas',
  connection: { url },
  on,
  onUnknownEvent,
  onError: (error, { jobId, attempt, attempts, final }) => {
    const where = jobId ? ` job ${jobId} try ${attempt}/${attempts}${final ? ' (dead letter)' : ''}` : '';
    log(`error${where}: ${error.code}: ${error.message}`);
  },
});
worker.waitUntilReady().then(() => log('ready'));

let stopping = false;
async function shutdown(signal) {
  // Ctrl-C reaches this process and the web process, which then sends SIGTERM too: only a second
  // Ctrl-C ends the close early.
  if (stopping) {
    if (signal === 'SIGINT') process.exit(1);
    return;
  }
  stopping = true;
  log(`${signal} received: stopping the running handlers, their jobs go back to the queue`);
  await worker.close();
  log('shut down cleanly');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
