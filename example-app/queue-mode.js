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

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

/** A local redis-server for the demo: nothing persisted (production wants `appendonly yes`, see the README). */
async function startLocalRedis(log) {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  await new Promise((resolve, reject) => {
    child.once('error', (error) =>
      reject(new Error(`cannot start redis-server (${error.message}); install it or set REDIS_URL`)),
    );
    child.once('spawn', resolve);
  });
  log(`started a local redis-server on port ${port} (set REDIS_URL to use your own)`);
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

/**
 * Starts Redis if needed, the queue and one worker process. `onJobState(eventId, state)` hears every
 * state change of every job: queued, active, done, retrying, failed: <reason>.
 */
async function startQueueMode({ log, onJobState = () => {} }) {
  const redis = process.env.REDIS_URL ? { url: process.env.REDIS_URL, stop: () => {} } : await startLocalRedis(log);
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

  const worker = spawn(process.execPath, [path.join(__dirname, 'worker.js')], {
    env: { ...process.env, REDIS_URL: redis.url, QUEUE_NAME },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const workerExited = new Promise((resolve) => worker.once('exit', resolve));

  return {
    queue: bullmqQueue(queue),
    /** After the web server closed: the worker finishes (its own graceful close), then Redis. */
    async close() {
      worker.kill('SIGTERM');
      await workerExited;
      await events.close();
      await queue.close();
      redis.stop();
    },
  };
}

module.exports = { startQueueMode };
