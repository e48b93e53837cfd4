import type { Job, Queue } from 'bullmq';
import { describeThrown, escapeText } from '../core/errors';
import { eventIdOf, jobIdOf } from '../integrations/bullmq/job-id';
import { loadBullmq } from '../integrations/bullmq/load';
import { MAX_TIMEOUT_MS, parseCommandArgs, positiveInteger } from './args';
import { redactUrl } from './redact';
import { USAGE, UsageError } from './usage';

const PAGE = 200;
// For connecting, and for each command once connected: a Redis that stops answering (a partition, a
// stalled server) would otherwise hold the command forever. --timeout sets it, for a slow Redis.
const DEFAULT_TIMEOUT_MS = 5_000;

/** One dead letter, as listed; `attempts` is null for a job whose stored data cannot be read. */
interface DeadLetter {
  id: string;
  type: string;
  attempts: number | null;
  failedAt: string;
  error: string;
}

function describe(job: Job): DeadLetter {
  const data = job.data as { event?: { id?: unknown; type?: unknown } } | undefined;
  const id = typeof data?.event?.id === 'string' ? data.event.id : eventIdOf(job.id ?? '');
  return {
    id,
    type: typeof data?.event?.type === 'string' ? data.event.type : job.name,
    attempts: job.attemptsMade,
    failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : '',
    // One line: a handler's message may hold anything, newlines included.
    error: describeThrown(job.failedReason ?? ''),
  };
}

/** A failed job as loaded: the job, or why its stored hash could not be read (e.g. `data` not JSON). */
type Loaded = { jobId: string; job: Job } | { jobId: string; unreadable: string };

/**
 * An id or type as a line of text shows it: they come from the sender, and a newline or a terminal escape
 * in one would split a row or recolour the terminal. `--json` keeps them as they are.
 */
const shown = (text: string): string => escapeText(text, Number.MAX_SAFE_INTEGER);

const unreadableLetter = (jobId: string, reason: string): DeadLetter => ({
  id: eventIdOf(jobId),
  type: '(unreadable)',
  attempts: null,
  failedAt: '',
  error: `cannot read job ${shown(jobId)}: ${reason}`,
});

/**
 * The failed set, one job at a time: `getFailed()` loads a whole page at once, and one job whose
 * stored data is corrupt would fail the page, hiding every other dead letter.
 */
async function* failedJobs(queue: Queue): AsyncGenerator<Loaded> {
  for (let start = 0; ; start += PAGE) {
    const ids = await queue.getRanges(['failed'], start, start + PAGE - 1, false);
    for (const jobId of ids) {
      let job: Job | undefined;
      try {
        job = (await queue.getJob(jobId)) as Job | undefined;
      } catch (error) {
        if (isTimeout(error)) throw error;
        yield { jobId, unreadable: describeThrown(error) };
        continue;
      }
      // Removed between the two reads: no longer a dead letter.
      if (job) yield { jobId, job };
    }
    if (ids.length < PAGE) return;
  }
}

/** ioredis's rejection of a command that got no reply within `commandTimeout`. */
const isTimeout = (error: unknown): boolean => error instanceof Error && error.message === 'Command timed out';

/**
 * Connects, or fails with one line naming the URL (without its credentials) instead of retrying
 * forever. Fails too when the queue has no keys there: a mistyped name or prefix must not read as
 * "no dead letters".
 */
async function openQueue(url: string, name: string, prefix: string | undefined, timeoutMs: number): Promise<Queue> {
  const { Queue } = loadBullmq();
  // A one-shot command: no reconnecting, so that an unreachable Redis ends it.
  const connection = {
    url,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
  };
  // skipMetasUpdate: a Queue otherwise writes its meta key on creation, which would make a mistyped
  // queue name exist from then on; this command only reads and replays.
  const queue = new Queue(name, { connection, skipMetasUpdate: true, ...(prefix ? { prefix } : {}) });
  queue.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  const noAnswer = new Error('no answer');
  try {
    await Promise.race([
      queue.waitUntilReady(),
      new Promise((_, reject) => {
        timer = setTimeout(() => {
          reject(noAnswer);
        }, timeoutMs);
      }),
    ]);
  } catch (error) {
    // On a connection still being set up, disconnect() would first wait for it to be ready (for as long
    // again on a silent Redis); close() drops it at once.
    await (error === noAnswer ? queue.close() : queue.disconnect()).catch(() => undefined);
    throw new Error(`cannot reach Redis at ${redactUrl(url)}: ${describeThrown(error)}`);
  } finally {
    clearTimeout(timer);
  }
  let exists: boolean;
  try {
    // Every Queue writes `<prefix>:<name>:meta` when created (unless told not to); the failed set
    // counts too, for a queue whose producers all skipped the meta.
    const client = await queue.backend.client;
    exists = Object.keys(await client.hgetall(queue.toKey('meta'))).length > 0 || (await client.zcard(queue.toKey('failed'))) > 0;
  } catch (error) {
    await queue.disconnect().catch(() => undefined);
    throw redisError(error, url, timeoutMs);
  }
  if (!exists) {
    await queue.close().catch(() => undefined);
    throw new Error(
      `no queue ${JSON.stringify(name)} with prefix ${JSON.stringify(prefix ?? 'bull')} at ${redactUrl(url)}: check --queue and --prefix`,
    );
  }
  return queue;
}

/** A Redis failure after connecting, as one line; a timeout says what happened rather than ioredis's words. */
function redisError(error: unknown, url: string, timeoutMs: number): Error {
  return isTimeout(error)
    ? new Error(`Redis at ${redactUrl(url)} stopped answering: no reply within ${timeoutMs} ms`)
    : (error as Error);
}

function table(letters: DeadLetter[]): string {
  const header = { id: 'EVENT ID', type: 'TYPE', attempts: 'TRIES', failedAt: 'FAILED AT', error: 'LAST ERROR' };
  const rows = [
    header,
    ...letters.map((l) => ({
      ...l,
      id: shown(l.id),
      type: shown(l.type),
      attempts: l.attempts === null ? '-' : String(l.attempts),
    })),
  ];
  const width = (key: 'id' | 'type' | 'attempts' | 'failedAt') => Math.max(...rows.map((row) => row[key].length));
  const widths = { id: width('id'), type: width('type'), attempts: width('attempts'), failedAt: width('failedAt') };
  return rows
    .map((row) =>
      [
        row.id.padEnd(widths.id),
        row.type.padEnd(widths.type),
        row.attempts.padEnd(widths.attempts),
        row.failedAt.padEnd(widths.failedAt),
        row.error,
      ].join('  '),
    )
    .join('\n');
}

/**
 * `innopaas-webhook dead-letters list|replay`: the jobs of a `bullmqQueue()` queue that used up their
 * tries. `replay` moves them back to wait with their tries reset, for the workers to run again.
 */
export async function runDeadLetters(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      redis: { type: 'string', short: 'r' },
      queue: { type: 'string', short: 'q' },
      prefix: { type: 'string' },
      all: { type: 'boolean' },
      json: { type: 'boolean' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    'dead-letters',
  );
  if (values.help) {
    process.stdout.write(`${USAGE['dead-letters']}\n`);
    return 0;
  }
  const [action, ...ids] = positionals;
  if (action !== 'list' && action !== 'replay')
    throw new UsageError(
      action === undefined ? 'missing list or replay' : `unknown action ${JSON.stringify(action)}`,
      'dead-letters',
    );
  const url = values.redis ?? process.env.REDIS_URL;
  if (!url) throw new UsageError('--redis <url> is required (or set REDIS_URL)', 'dead-letters');
  if (!values.queue) throw new UsageError('--queue <name> is required', 'dead-letters');
  if (action === 'list' && (ids.length > 0 || values.all)) throw new UsageError('list takes no ids and no --all', 'dead-letters');
  if (action === 'replay' && ids.length > 0 === Boolean(values.all))
    throw new UsageError('replay takes event ids, or --all', 'dead-letters');
  const timeoutMs = positiveInteger(values.timeout, 'timeout', DEFAULT_TIMEOUT_MS, 'dead-letters', MAX_TIMEOUT_MS);

  const queue = await openQueue(url, values.queue, values.prefix, timeoutMs);
  let healthy = false;
  try {
    const code = await (action === 'list' ? list(queue, Boolean(values.json)) : replay(queue, ids));
    healthy = true;
    return code;
  } catch (error) {
    throw redisError(error, url, timeoutMs);
  } finally {
    // quit() waits for Redis to answer, which one that stopped answering never does.
    if (healthy) await queue.close().catch(() => queue.disconnect());
    else await queue.disconnect().catch(() => undefined);
  }
}

async function list(queue: Queue, json: boolean): Promise<number> {
  const letters: DeadLetter[] = [];
  let unreadable = 0;
  for await (const loaded of failedJobs(queue)) {
    if ('job' in loaded) letters.push(describe(loaded.job));
    else {
      unreadable += 1;
      letters.push(unreadableLetter(loaded.jobId, loaded.unreadable));
      process.stderr.write(`error: cannot read job ${shown(loaded.jobId)}: ${loaded.unreadable}\n`);
    }
  }
  if (json) for (const letter of letters) process.stdout.write(`${JSON.stringify(letter)}\n`);
  else process.stdout.write(letters.length === 0 ? 'no dead letters\n' : `${table(letters)}\n`);
  return unreadable ? 1 : 0;
}

async function replay(queue: Queue, ids: string[]): Promise<number> {
  let replayed = 0;
  let failed = 0;
  const replayOne = async (job: Job, id: string) => {
    try {
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      replayed += 1;
      process.stdout.write(`replayed ${shown(id)}\n`);
    } catch (error) {
      // A silent Redis would time out on every job in turn: stop at the first.
      if (isTimeout(error)) throw error;
      failed += 1;
      process.stderr.write(`error: ${shown(id)}: ${describeThrown(error)}\n`);
    }
  };
  if (ids.length === 0) {
    // Collected first: a replayed job leaves the failed set and would shift the pages.
    const jobs: Loaded[] = [];
    for await (const loaded of failedJobs(queue)) jobs.push(loaded);
    for (const loaded of jobs) {
      if ('job' in loaded) await replayOne(loaded.job, describe(loaded.job).id);
      else {
        failed += 1;
        process.stderr.write(`error: skipped job ${shown(loaded.jobId)}: cannot read it: ${loaded.unreadable}\n`);
      }
    }
  } else {
    for (const id of ids) {
      let job: Job | undefined;
      try {
        job = (await queue.getJob(jobIdOf(id))) as Job | undefined;
      } catch (error) {
        if (isTimeout(error)) throw error;
        failed += 1;
        process.stderr.write(`error: ${shown(id)}: cannot read its job: ${describeThrown(error)}\n`);
        continue;
      }
      if (!job || !(await job.isFailed())) {
        failed += 1;
        process.stderr.write(`error: ${shown(id)}: ${job ? `not a dead letter (${await job.getState()})` : 'no such job'}\n`);
      } else await replayOne(job, id);
    }
  }
  process.stdout.write(`${replayed} replayed${failed ? `, ${failed} not` : ''}\n`);
  return failed ? 1 : 0;
}
