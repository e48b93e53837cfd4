import type { BackoffOptions, JobsOptions, KeepJobs, Queue } from 'bullmq';
import type { EnqueueResult, EventQueue } from '../../delivery/queue';
import type { InnopaasEvent, UnknownEvent } from '../../events';
import { fail, positiveMs, rejectUnknownKeys, show } from '../../core/option-checks';
import { jobIdOf } from './job-id';

/** What a job of the queue holds: the event as received, and room for what travels with it. */
export interface EventJobData {
  /** The event exactly as InnoPaaS sent it (its parsed dates are rebuilt by the worker). */
  event: InnopaasEvent | UnknownEvent;
  /** Context carried from the web tier to the worker: the W3C trace context with `openTelemetry()`, else empty. */
  meta: Record<string, unknown>;
}

export interface BullmqQueueOptions {
  /**
   * Tries of a failing handler, the first included. Defaults to 5: with the default back-off the last
   * try comes about 2.5 minutes after the first, at least as long as the sender would have kept
   * retrying (InnoPaaS documents 3 tries a minute apart) had the web tier answered with an error.
   */
  attempts?: number;
  /**
   * Wait before each retry. Defaults to `{ type: 'exponential', delay: 10_000 }`: 10 s, 20 s, 40 s, 80 s.
   * `type` is `'fixed'` or `'exponential'` (BullMQ's built-in strategies); `delay` in milliseconds.
   */
  backoff?: BackoffOptions;
  /**
   * How long a completed job (and so its event id) is kept: a redelivery within this time is a
   * duplicate and is not queued again. Defaults to 24 hours, as the middleware's dedupe.
   */
  dedupeTtlMs?: number;
  /**
   * Which jobs that used up their attempts are kept (the dead letters). Defaults to `false`: all of
   * them, until replayed or removed (`innopaas-webhook dead-letters`). A BullMQ `KeepJobs` object
   * (`{ age }` in seconds, `{ count }`) bounds them.
   */
  removeOnFail?: boolean | KeepJobs;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The middleware's `queue` for a BullMQ `Queue`: each event becomes one job whose id is the event id,
 * so a redelivery while the job is kept (waiting, running, retrying, completed within `dedupeTtlMs`, or
 * failed) is answered `duplicate` and not queued twice. `createWorker()` runs the handlers.
 */
export function bullmqQueue(queue: Queue, options: BullmqQueueOptions = {}): EventQueue {
  if (typeof queue !== 'object' || queue === null || typeof (queue as Partial<Queue>).add !== 'function') {
    fail('queue', `must be a BullMQ Queue (got ${show(queue)})`, "Pass `new Queue('innopaas', { connection })` from bullmq.");
  }
  if (typeof options !== 'object' || options === null)
    fail('options', `must be an object (got ${show(options)})`, 'Leave it out for the defaults.');
  rejectUnknownKeys('', options, ['attempts', 'backoff', 'dedupeTtlMs', 'removeOnFail']);
  const attempts = options.attempts ?? 5;
  if (!Number.isInteger(attempts) || attempts < 1)
    fail('attempts', `must be a whole number of at least 1 (got ${show(attempts)})`, 'Defaults to 5.');
  const backoff = checkBackoff(options.backoff);
  const dedupeTtlMs = positiveMs('dedupeTtlMs', options.dedupeTtlMs, DAY_MS) as number;
  const jobOptions: JobsOptions = {
    attempts,
    backoff,
    // BullMQ counts this age in seconds.
    removeOnComplete: { age: Math.ceil(dedupeTtlMs / 1000) },
    removeOnFail: options.removeOnFail ?? false,
  };

  return {
    async enqueue(event, meta) {
      const jobId = jobIdOf(event.id);
      const timestamp = Date.now();
      // `meta` carries what travels with the job besides the event (the trace context, with tracing on).
      const data: EventJobData = { event, meta: meta ?? {} };
      await queue.add(String(event.type), data, { ...jobOptions, jobId, timestamp });
      // BullMQ answers an add whose id exists with that id and does not tell it apart (it only writes a
      // `duplicated` event to the queue's event stream), so the job's creation time tells: ours, or an
      // earlier add's. Two adds of one id in the same millisecond both read as queued; the job is still one.
      const created = await readTimestamp(queue, jobId);
      return created === null || Number(created) === timestamp ? QUEUED : DUPLICATE;
    },
  };
}

/**
 * Only BullMQ's built-in strategies: another `type` needs a custom strategy in the worker's settings,
 * which `createWorker()` does not take, and BullMQ then fails every retry (the job stalls instead).
 */
function checkBackoff(given: unknown): BackoffOptions {
  if (given === undefined || given === null) return { type: 'exponential', delay: 10_000 };
  const fix = "Pass e.g. `{ type: 'exponential', delay: 10000 }`, or leave it out.";
  if (typeof given !== 'object' || Array.isArray(given)) fail('backoff', `must be an object (got ${show(given)})`, fix);
  rejectUnknownKeys('backoff.', given, ['type', 'delay', 'jitter']);
  const { type, delay, jitter } = given as Partial<Record<keyof BackoffOptions, unknown>>;
  if (type !== 'fixed' && type !== 'exponential')
    fail('backoff.type', `must be 'fixed' or 'exponential' (got ${show(type)})`, fix);
  // Left out, BullMQ retries at once.
  if (delay !== undefined && (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0))
    fail('backoff.delay', `must be a number of milliseconds of at least 0 (got ${show(delay)})`, fix);
  if (jitter !== undefined && (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1)))
    fail('backoff.jitter', `must be a number from 0 to 1 (got ${show(jitter)})`, 'Pass e.g. `jitter: 0.5`, or leave it out.');
  // A copy: the caller's object, changed later, must not change the jobs' options.
  return { type, ...(delay === undefined ? {} : { delay }), ...(jitter === undefined ? {} : { jitter }) };
}

const QUEUED: EnqueueResult = Object.freeze({ status: 'queued' });
const DUPLICATE: EnqueueResult = Object.freeze({ status: 'duplicate' });

type RedisBackend = { client?: Promise<{ hget(key: string, field: string): Promise<string | null> }> };

/** The job's stored `timestamp`: one HGET with the Redis backend, else the whole job. Null when gone. */
async function readTimestamp(queue: Queue, jobId: string): Promise<string | number | null> {
  const client = (queue.backend as RedisBackend | undefined)?.client;
  if (client) return (await client).hget(queue.toKey(jobId), 'timestamp');
  const job = await queue.getJob(jobId);
  return job ? job.timestamp : null;
}
