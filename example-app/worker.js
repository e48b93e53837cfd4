'use strict';

// Queue mode's worker process: runs the same handlers as the in-process mode (handlers.js) for the
// events the web process queued. Started by `server.js --queue`; run more of them to scale out:
//   REDIS_URL=redis://127.0.0.1:6379 node example-app/worker.js
const { createWorker } = require('innopaas-webhook/bullmq');
const { createHandlers } = require('./handlers');
const { createMessageStatuses } = require('./message-statuses');

// Alone, a close that Redis never answers would hold this process forever. (Started by server.js, the
// web process kills it after 5 s already.)
const CLOSE_TIMEOUT_MS = 10_000;

const log = (line) => console.log(`${new Date().toISOString()} [worker] ${line}`);
const url = process.env.REDIS_URL;
if (!url) {
  console.error('Set REDIS_URL, e.g. REDIS_URL=redis://127.0.0.1:6379 node example-app/worker.js');
  process.exit(1);
}

// Each message's latest status, kept by this worker (your database, in a real service). Started by
// server.js, the worker also hands each report to the web process (IPC), whose inspector lists them.
const statuses = createMessageStatuses();
const messages = {
  record(body) {
    if (process.connected) process.send({ statusReport: body }, () => {});
    return statuses.record(body);
  },
};

const { on, onUnknownEvent } = createHandlers(log, messages);
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
/** `cause`: a signal's name, or 'disconnect' (the web process that started this one is gone). */
async function shutdown(cause) {
  // Ctrl-C reaches this process and the web process, which then sends SIGTERM too: only a second
  // Ctrl-C ends the close early.
  if (stopping) {
    if (cause === 'SIGINT') process.exit(1);
    return;
  }
  stopping = true;
  const why = cause === 'disconnect' ? 'the web process is gone' : `${cause} received`;
  log(`${why}: stopping the running handlers, their jobs go back to the queue`);
  setTimeout(() => {
    log(`not closed within ${CLOSE_TIMEOUT_MS / 1000} s (is Redis reachable?): exiting`);
    process.exit(1);
  }, CLOSE_TIMEOUT_MS).unref();
  await worker.close();
  log('shut down cleanly');
  process.exit(0);
}
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => void shutdown(signal));
// Started by server.js: its exit closes the IPC channel, however it ended (even SIGKILL).
process.on('disconnect', () => void shutdown('disconnect'));
