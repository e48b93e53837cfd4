// `innopaas-webhook/bullmq`: the durable hand-off of the middleware's `queue` option to BullMQ, and the
// worker that runs the handlers. Importing it without BullMQ installed throws "npm install bullmq".
import { loadBullmq } from './load';

loadBullmq();

export { bullmqQueue } from './queue';
export type { BullmqQueueOptions, EventJobData } from './queue';
export { createWorker } from './worker';
export type { CreateWorkerOptions, InnopaasWorker, JobInfo, WorkerErrorContext } from './worker';
export { eventIdOf, jobIdOf } from './job-id';
