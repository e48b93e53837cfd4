import type { ConnectionOptions, Job, Worker } from 'bullmq';
import createDebug from 'debug';
import { buildEventDispatch, type EventDispatcherOptions } from '../../core/event-dispatcher';
import { type LoggerLike, loggerObserver } from '../../core/logger';
import { type DeliveryObserver, type ObservedJob, resolveObservers } from '../../core/observer';
import type { AnyEvent } from '../../core/dispatch';
import { describeThrown, InnopaasWebhookError, isInnopaasWebhookError } from '../../core/errors';
import { fail, optionalFunction, rejectUnknownKeys, show, timerMs } from '../../core/option-checks';
import { loadBullmq } from './load';
import type { EventJobData } from './queue';
import { reportToStderr } from './report';

/** What a handler learns of its job besides the event (and `signal`). */
export interface JobInfo {
  /** The BullMQ job id: the event id, escaped where BullMQ requires it. */
  readonly jobId: string;
  /** This try, from 1. */
  readonly attempt: number;
  /** Tries the job has in all. */
  readonly attempts: number;
}

/** Context given to the worker's `onError`. */
export interface WorkerErrorContext {
  /** The job, when the error is a job's; absent for a connection error. */
  jobId?: string;
  /** The event, when the job's payload was valid. */
  event?: AnyEvent;
  attempt?: number;
  attempts?: number;
  /** True when the job will not be tried again: it stays in the failed set (a dead letter). */
  final?: boolean;
}

export interface CreateWorkerOptions extends EventDispatcherOptions<JobInfo> {
  /** The queue's name, as given to `new Queue(name)` in the web tier. */
  queueName: string;
  /** How BullMQ reaches Redis: `{ host, port }`, `{ url }` or an ioredis instance (see BullMQ's docs). */
  connection: ConnectionOptions;
  /** BullMQ's key prefix, if the queue uses one. Defaults to BullMQ's (`bull`). */
  prefix?: string;
  /** Jobs handled at once by this process. Defaults to 10 (handlers mostly wait on I/O). */
  concurrency?: number;
  /**
   * A handler failure, timeout or invalid job, a job that stalled more than `maxStalledCount` times
   * (reported by the worker that takes it up next, `final: true`), and Redis connection errors. A last
   * try is reported `final: true` once BullMQ has moved its job to the failed set.
   * Defaults to one line on stderr (with the cause's stack). Whatever it throws or returns is ignored.
   */
  onError?: (error: InnopaasWebhookError, context: WorkerErrorContext) => void;
  /**
   * How long a job's lock lasts unless renewed (BullMQ renews it every half of this while the
   * handler runs). A worker that dies stops renewing: its jobs are taken up again by another worker
   * at most `lockDurationMs` + 2 × `stalledIntervalMs` later. A handler that blocks the event loop for
   * longer than half of it may be run twice. Defaults to 5,000 ms.
   */
  lockDurationMs?: number;
  /** How often each worker looks for jobs whose lock expired (BullMQ's stalled check). Defaults to 2,000 ms. */
  stalledIntervalMs?: number;
  /**
   * How many times a job may be taken back from a worker that died before it is failed instead: an
   * event that crashes every process that handles it ends in the dead letters. Defaults to 2.
   */
  maxStalledCount?: number;
  /**
   * Metrics and traces of every job, as for the middleware: `prometheusMetrics()` counts
   * `innopaas_webhook_jobs_total{type, outcome}` and handler durations; `openTelemetry()` starts a
   * `process` span that continues the trace of the web tier's `send` span (its context travels with the job).
   */
  observers?: readonly DeliveryObserver[];
  /** A pino-compatible logger: a line per job outcome, bound to the event's id and type. */
  logger?: LoggerLike;
}

/** A running worker. */
export interface InnopaasWorker {
  /** The BullMQ `Worker`, for its events and methods (`pause()`, `on('completed')`…). */
  readonly worker: Worker<EventJobData>;
  /** Resolves once the worker is connected to Redis. */
  waitUntilReady(): Promise<void>;
  /**
   * Takes no new job, fires the `signal` of every running handler, puts back in the queue (without
   * spending a try) the jobs whose handler then stopped, waits for the others, and disconnects.
   */
  close(): Promise<void>;
}

const WORKER_KEYS = [
  'on',
  'onUnknownEvent',
  'timeZone',
  'handlerTimeoutMs',
  'queueName',
  'connection',
  'prefix',
  'concurrency',
  'onError',
  'lockDurationMs',
  'stalledIntervalMs',
  'maxStalledCount',
  'observers',
  'logger',
] as const satisfies readonly (keyof CreateWorkerOptions)[];

function wholeNumber(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < min)
    fail(name, `must be a whole number of at least ${min} (got ${show(value)})`, `Defaults to ${fallback}.`);
  return value as number;
}

const log = createDebug('innopaas-webhook');

/** The reason BullMQ gives a job that stalled more than `maxStalledCount` times. */
const STALLED_REASON = 'job stalled more than allowable limit';

const SHUTTING_DOWN = new InnopaasWebhookError('shutting_down', {
  detail: 'The worker is shutting down: the job goes back to the queue.',
});

/** An invalid payload fails the same way on every try: it goes to the dead letters at once. */
function isPayloadError(error: unknown): boolean {
  return (
    isInnopaasWebhookError(error) &&
    (error.code === 'invalid_json' ||
      error.code === 'invalid_envelope' ||
      error.code === 'invalid_event' ||
      error.code === 'invalid_encoding' ||
      error.code === 'batch_not_supported')
  );
}

/**
 * A BullMQ worker that runs the typed `on` handlers for the events `bullmqQueue()` queued: the same
 * validation and handler selection as the middleware (`createEventDispatcher`), handlers called as
 * `(event, { signal, jobId, attempt, attempts })`. A failed handler is retried with the queue's
 * back-off; a job that used up its tries stays in the failed set and is reported through `onError`.
 */
export function createWorker(options: CreateWorkerOptions): InnopaasWorker {
  if (typeof options !== 'object' || options === null)
    fail('options', `must be an object (got ${show(options)})`, "Pass e.g. `{ queueName: 'innopaas', connection, on: { … } }`.");
  rejectUnknownKeys('', options, WORKER_KEYS);
  const { queueName, connection, on, onUnknownEvent, timeZone, handlerTimeoutMs } = options;
  if (typeof queueName !== 'string' || queueName === '')
    fail(
      'queueName',
      `must be a non-empty string (got ${show(queueName)})`,
      'Use the name given to `new Queue()` in the web tier.',
    );
  if (typeof connection !== 'object' || connection === null)
    fail(
      'connection',
      `must be BullMQ connection options or a Redis client (got ${show(connection)})`,
      'Pass e.g. `{ host, port }`.',
    );
  optionalFunction('onError', options.onError);
  const onError = options.onError ?? reportToStderr;
  const observers = resolveObservers(options.observers, loggerObserver(options.logger), false, timeZone);
  const dispatch = buildEventDispatch<JobInfo>({ on, onUnknownEvent, timeZone, handlerTimeoutMs }, observers);
  const lockDuration = timerMs('lockDurationMs', options.lockDurationMs, 5_000);
  const stalledInterval = timerMs('stalledIntervalMs', options.stalledIntervalMs, 2_000);
  const concurrency = wholeNumber('concurrency', options.concurrency, 10, 1);
  const maxStalledCount = wholeNumber('maxStalledCount', options.maxStalledCount, 2, 0);
  const { Worker: BullWorker, UnrecoverableError, WaitingError } = loadBullmq();

  const report = (error: InnopaasWebhookError, context: WorkerErrorContext) => {
    const ignore = () => undefined;
    try {
      const result = (onError as (...args: unknown[]) => unknown)(error, context);
      if (result && typeof (result as PromiseLike<unknown>).then === 'function')
        (result as PromiseLike<unknown>).then(undefined, ignore);
    } catch {
      // onError's own failure must not fail the job a second way.
    }
  };
  let closing = false;
  // What the processor threw after reporting it: BullMQ's 'failed' event reports only the others.
  const reportedFailures = new WeakSet();
  /**
   * Last tries, reported once BullMQ has moved their job to the failed set ('failed' below). The move
   * fails when the job's lock was lost (a handler that held the event loop): the job then stays active
   * and runs again, so that try is reported as one that will.
   */
  const lastTries = new Map<Job<EventJobData>, { error: InnopaasWebhookError; context: WorkerErrorContext }>();
  const reportLastTry = (job: Job<EventJobData>, final: boolean): void => {
    const pending = lastTries.get(job);
    if (!pending) return;
    lastTries.delete(job);
    report(pending.error, { ...pending.context, final });
  };
  /** Jobs whose handler succeeded, until BullMQ says it moved them to completed. */
  const awaitingCompletion = new WeakMap<object, ObservedJob>();

  // Three parameters: BullMQ hands a cancellation signal only to a processor that declares it.
  const processor = async (job: Job<EventJobData>, token?: string, signal?: AbortSignal): Promise<void> => {
    const putBack = async (): Promise<never> => {
      await job.moveToWait(token);
      throw new WaitingError();
    };
    // A fetch already waiting on Redis when close() began can still hand this worker a job.
    if (closing) return putBack();
    const jobId = job.id ?? '';
    const info: JobInfo = { jobId, attempt: job.attemptsMade + 1, attempts: job.opts.attempts ?? 1 };
    const data = job.data as Partial<EventJobData> | null | undefined;
    const payload = typeof data === 'object' && data !== null ? data.event : undefined;
    const meta =
      typeof data === 'object' && data !== null && typeof data.meta === 'object' && data.meta !== null ? data.meta : undefined;
    const observed = observers?.beginJob(meta);
    try {
      const { event, handled } = await dispatch(payload, signal ? { ...info, signal } : info, observed);
      // Acknowledged as the middleware does, but said: the worker's `on` lacks what the web tier accepts.
      if (!handled && log.enabled)
        log('job %s: no handler for type %s, completed without running one', jobId, describeThrown(event.type));
      // Counted once BullMQ has completed the job ('completed' below): a handler that held the event loop
      // past its lock loses the job, which stays active and runs again, and that try completed nothing.
      if (observed) awaitingCompletion.set(job, observed);
    } catch (thrown) {
      // Stopped by close(): back to the queue for another worker, without spending a try.
      if (closing && signal?.aborted) {
        if (observed) observers?.finishJob(observed, SHUTTING_DOWN);
        return putBack();
      }
      const error = isInnopaasWebhookError(thrown)
        ? thrown
        : new InnopaasWebhookError('internal_error', { detail: describeThrown(thrown), cause: thrown });
      if (observed) observers?.finishJob(observed, error);
      const unrecoverable = isPayloadError(error);
      const event = unrecoverable || typeof payload !== 'object' ? undefined : payload;
      const context = { ...info, event, final: unrecoverable || info.attempt >= info.attempts };
      if (context.final) lastTries.set(job, { error, context });
      else report(error, context);
      const rethrown = unrecoverable ? new UnrecoverableError(error.message) : error;
      reportedFailures.add(rethrown);
      throw rethrown;
    }
  };

  /**
   * A job BullMQ failed without the processor: above all one that stalled more than `maxStalledCount`
   * times (its workers died mid-handler), which BullMQ fails in the next worker that takes it, before
   * any processor runs. Reported as a failed try would be, to `onError` and the observers.
   */
  const reportUnseenFailure = (job: Job<EventJobData> | undefined, cause: unknown): void => {
    const reason = cause as Partial<Error> | undefined;
    const error =
      reason?.message === STALLED_REASON
        ? new InnopaasWebhookError('handler_failed', {
            detail:
              'The job stalled more than maxStalledCount times: the worker running its handler died, or blocked its event loop for longer than lockDurationMs.',
            cause,
          })
        : new InnopaasWebhookError('internal_error', { detail: `BullMQ failed the job: ${describeThrown(cause)}`, cause });
    const data = job?.data as Partial<EventJobData> | null | undefined;
    const payload = typeof data === 'object' && data !== null ? data.event : undefined;
    const event = typeof payload === 'object' && payload !== null ? payload : undefined;
    const attempts = job?.opts.attempts ?? 1;
    // BullMQ counted the failed try before it emitted 'failed'.
    const attempt = Math.max(1, job?.attemptsMade ?? 1);
    const final = job === undefined || reason?.name === 'UnrecoverableError' || attempt >= attempts;
    // onError first: it is guarded, and must hear of the dead letter whatever an observer does.
    report(error, { jobId: job?.id, event, attempt, attempts, final });
    if (observers) {
      const meta = typeof data?.meta === 'object' && data.meta !== null ? data.meta : undefined;
      const observed = observers.beginJob(meta);
      // Validated by the web tier when queued: its type labels the metrics and the log line.
      if (event && typeof event.id === 'string') observers.validated(observed, event);
      observers.finishJob(observed, error);
    }
  };

  const worker = new BullWorker<EventJobData>(queueName, processor, {
    connection,
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    concurrency,
    lockDuration,
    stalledInterval,
    maxStalledCount,
  });
  // Without a listener an 'error' event would crash the process; Redis going away is reported, and
  // BullMQ reconnects by itself.
  worker.on('error', (cause) => {
    // BullMQ names the job whose move to the failed set it could not make ("Missing lock for job <id>. …").
    const message: unknown = (cause as Partial<Error> | undefined)?.message;
    if (typeof message === 'string')
      for (const job of lastTries.keys()) {
        const id = job.id ?? '';
        if (message.includes(`job ${id}.`) || message.includes(`Job ${id} `)) reportLastTry(job, false);
      }
    report(new InnopaasWebhookError('queue_unavailable', { detail: `BullMQ worker: ${describeThrown(cause)}`, cause }), {});
  });
  worker.on('completed', (job) => {
    const observed = awaitingCompletion.get(job);
    if (!observed) return;
    awaitingCompletion.delete(job);
    try {
      observers?.finishJob(observed, undefined);
    } catch (error) {
      // An observer's bug: a listener must not throw into BullMQ.
      log('reporting a completed job threw: %s', describeThrown(error));
    }
  });
  worker.on('failed', (job, cause) => {
    try {
      if (job && lastTries.has(job)) reportLastTry(job, true);
      else if (!reportedFailures.has(cause)) reportUnseenFailure(job, cause);
    } catch (error) {
      // A job whose getters throw, or an observer's bug: a listener must not throw into BullMQ.
      log('reporting a failed job threw: %s', describeThrown(error));
    }
  });

  let closed: Promise<void> | undefined;
  return {
    worker,
    waitUntilReady: () => worker.waitUntilReady().then(() => undefined),
    close() {
      closed ??= (async () => {
        closing = true;
        const reason = new InnopaasWebhookError('shutting_down', { detail: 'The worker is shutting down.' });
        // close() first: a job put back by a stopped handler must not be fetched again by this worker.
        const done = worker.close();
        worker.cancelAllJobs(reason as unknown as string);
        await done;
        // Closed before BullMQ moved them: they stay active, and a stalled check hands them to another worker.
        for (const job of lastTries.keys()) reportLastTry(job, false);
      })();
      return closed;
    },
  };
}
