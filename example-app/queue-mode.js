'use strict';

// Queue mode of the example: the web process hands each event to BullMQ and a worker process runs the
// handlers. This file starts what that needs: Redis (a throwaway local redis-server when REDIS_URL is
// not set), the queue, the worker process, and the job states for the inspector.
const { spawn } = require('node:child_process');
const { createServer } = require('node:net');
const path = require('node:path');
const { Queue, QueueEvents } = require('bullmq');
const { bullmqQueue, eventIdOf } = require('innopaas-webhook/bullmq');

const QUEUE_NAME = 'innopaas';
// close() steps that Redis never answers (it went away, or REDIS_URL points nowhere) would wait forever.
const WORKER_EXIT_MS = 5_000;
const CONNECTION_CLOSE_MS = 2_000;
const REDIS_EXIT_MS = 2_000;

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

/** True once `promise` settles, false if `ms` pass first. */
const settlesWithin = (promise, ms) =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    const settled = () => {
      clearTimeout(timer);
      resolve(true);
    };
    promise.then(settled, settled);
  });

/**
 * A local redis-server for the demo: nothing persisted (production wants `appendonly yes`, see the README).
 * In a process group of its own (`detached`): a terminal's Ctrl-C signals its whole foreground group, and
 * Redis must outlive the graceful close of the web process and the worker, which still talk to it. So
 * `stop()` ends it, or else this process's exit, whatever its cause; only a SIGKILL of this process
 * leaves it running, which is why its pid is logged.
 */
async function startLocalRedis(log) {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
    detached: true,
  });
  await new Promise((resolve, reject) => {
    child.once('error', (error) =>
      reject(new Error(`cannot start redis-server (${error.message}); install it or set REDIS_URL`)),
    );
    child.once('spawn', resolve);
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // 'exit' listeners run on process.exit() too: an error, a second Ctrl-C. A no-op once Redis stopped.
  process.once('exit', () => child.kill('SIGTERM'));
  log(`started a local redis-server (pid ${child.pid}) on port ${port} (set REDIS_URL to use your own)`);
  return {
    url: `redis://127.0.0.1:${port}`,
    /** SIGTERM, then SIGKILL if it has not exited in time; false when it had to be killed. */
    async stop() {
      child.kill('SIGTERM');
      if (await settlesWithin(exited, REDIS_EXIT_MS)) return true;
      log(`redis-server did not exit within ${REDIS_EXIT_MS / 1000} s: killed`);
      child.kill('SIGKILL');
      await exited;
      return false;
    },
  };
}

/**
 * Starts Redis if needed, the queue and one worker process. `onJobState(eventId, state)` hears every
 * state change of every job: queued, active, done, retrying, failed: <reason>. `onStatusReport(body)`
 * hears each message status report the worker handled (it sends them over the IPC channel), for the
 * inspector's Messages panel.
 */
async function startQueueMode({ log, onJobState = () => {}, onStatusReport = () => {} }) {
  const redis = process.env.REDIS_URL ? { url: process.env.REDIS_URL, stop: async () => true } : await startLocalRedis(log);
  const connection = { url: redis.url };
  const queue = new Queue(QUEUE_NAME, { connection });
  const events = new QueueEvents(QUEUE_NAME, { connection });
  for (const emitter of [queue, events]) emitter.on('error', (error) => log(`redis: ${error.message}`));
  const state = (name) => (args) => onJobState(eventIdOf(args.jobId), typeof name === 'function' ? name(args) : name);
  events.on('waiting', state('queued'));
  events.on('active', state('active'));
  events.on('completed', state('done'));
  events.on('delayed', state('retrying'));
  events.on(
    'failed',
    state(({ failedReason }) => `failed: ${failedReason}`),
  );

  // The IPC channel carries the worker's status reports, and tells the worker when this process is gone
  // (even killed with SIGKILL): it then closes by itself.
  const worker = spawn(process.execPath, [path.join(__dirname, 'worker.js')], {
    env: { ...process.env, REDIS_URL: redis.url, QUEUE_NAME },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const workerExited = new Promise((resolve) => worker.once('exit', resolve));
  worker.on('message', (message) => {
    if (message && typeof message === 'object' && message.statusReport) onStatusReport(message.statusReport);
  });

  /** Closes a BullMQ connection; one that Redis does not let close in time is cut instead. */
  async function closeConnection(name, emitter) {
    if (await settlesWithin(emitter.close(), CONNECTION_CLOSE_MS)) return true;
    log(`the ${name} did not close within ${CONNECTION_CLOSE_MS / 1000} s (is Redis reachable?): disconnected`);
    emitter.disconnect().catch(() => {});
    return false;
  }

  return {
    queue: bullmqQueue(queue),
    /**
     * After the web server closed: the worker finishes (its own graceful close), then the queue's
     * connections, then Redis. Each step has a time limit; resolves to false when one was cut short.
     */
    async close() {
      worker.kill('SIGTERM');
      const clean = await settlesWithin(workerExited, WORKER_EXIT_MS);
      if (!clean) {
        log(
          `the worker did not exit within ${WORKER_EXIT_MS / 1000} s: killed (a job it was running is taken up again once its lock expires)`,
        );
        worker.kill('SIGKILL');
        await workerExited;
      }
      const closed = await Promise.all([closeConnection('queue', queue), closeConnection('queue events', events)]);
      const stopped = await redis.stop();
      return clean && !closed.includes(false) && stopped;
    },
  };
}

module.exports = { startQueueMode };
