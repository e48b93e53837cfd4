import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { createWorker, type CreateWorkerOptions, type InnopaasWorker } from '../../lib/integrations/bullmq';
import { startRedisServer, type RedisServer } from './redis-server';

export interface QueueEnv {
  redis: RedisServer;
  /** A new queue for each test, under a name of its own. */
  queue: Queue;
  name: string;
}

/**
 * For a `describeWithRedis` block: one real Redis for the block, a fresh BullMQ queue for each test
 * (handed to `use` before each), and workers started with `startWorker` closed after each test.
 */
export function useQueueOnRedis(use: (env: QueueEnv) => void, workerDefaults: Partial<CreateWorkerOptions> = {}) {
  let redis: RedisServer;
  let env: QueueEnv;
  const workers: InnopaasWorker[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  beforeEach(() => {
    const name = `q-${randomUUID()}`;
    env = { redis, name, queue: new Queue(name, { connection: { url: redis.url } }) };
    use(env);
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.close()));
    await env.queue.close();
  });
  afterAll(async () => {
    await redis.stop();
  });

  function startWorker(options: Omit<CreateWorkerOptions, 'queueName' | 'connection'>): InnopaasWorker {
    const worker = createWorker({ queueName: env.name, connection: { url: redis.url }, ...workerDefaults, ...options });
    workers.push(worker);
    return worker;
  }
  return { startWorker };
}
