import type { Job, Queue } from 'bullmq';
import { describeThrown } from '../core/errors';
import { eventIdOf, jobIdOf } from '../integrations/bullmq/job-id';
import { loadBullmq } from '../integrations/bullmq/load';
import { parseCommandArgs } from './args';
import { USAGE, UsageError } from './usage';

const PAGE = 200;
const CONNECT_TIMEOUT_MS = 5_000;

/** One dead letter, as listed. */
interface DeadLetter {
  id: string;
  type: string;
  attempts: number;
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

async function* failedJobs(queue: Queue): AsyncGenerator<Job> {
  for (let start = 0; ; start += PAGE) {
    const jobs = (await queue.getFailed(start, start + PAGE - 1)) as Job[];
    for (const job of jobs) if (job) yield job;
    if (jobs.length < PAGE) return;
  }
}

/** Connects, or fails with one line naming the URL (without its password) instead of retrying forever. */
async function openQueue(url: string, name: string, prefix: string | undefined): Promise<Queue> {
  const { Queue } = loadBullmq();
  // A one-shot command: no reconnecting, so that an unreachable Redis ends it.
  const connection = { url, maxRetriesPerRequest: 1, retryStrategy: () => null };
  const queue = new Queue(name, { connection, ...(prefix ? { prefix } : {}) });
  queue.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      queue.waitUntilReady(),
      new Promise((_, reject) => {
        timer = setTimeout(() => {
          reject(new Error('no answer'));
        }, CONNECT_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    await queue.close().catch(() => undefined);
    const shown = url.replace(/\/\/[^@/]*@/, '//***@');
    throw new Error(`cannot reach Redis at ${shown}: ${describeThrown(error)}`);
  } finally {
    clearTimeout(timer);
  }
  return queue;
}

function table(letters: DeadLetter[]): string {
  const header = { id: 'EVENT ID', type: 'TYPE', attempts: 'TRIES', failedAt: 'FAILED AT', error: 'LAST ERROR' };
  const rows = [header, ...letters.map((l) => ({ ...l, attempts: String(l.attempts) }))];
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

  const queue = await openQueue(url, values.queue, values.prefix);
  try {
    if (action === 'list') {
      const letters: DeadLetter[] = [];
      for await (const job of failedJobs(queue)) letters.push(describe(job));
      if (values.json) for (const letter of letters) process.stdout.write(`${JSON.stringify(letter)}\n`);
      else process.stdout.write(letters.length === 0 ? 'no dead letters\n' : `${table(letters)}\n`);
      return 0;
    }
    let replayed = 0;
    let failed = 0;
    const replay = async (job: Job, id: string) => {
      try {
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        replayed += 1;
        process.stdout.write(`replayed ${id}\n`);
      } catch (error) {
        failed += 1;
        process.stderr.write(`error: ${id}: ${describeThrown(error)}\n`);
      }
    };
    if (values.all) {
      // Collected first: a replayed job leaves the failed set and would shift the pages.
      const jobs: Job[] = [];
      for await (const job of failedJobs(queue)) jobs.push(job);
      for (const job of jobs) await replay(job, describe(job).id);
    } else {
      for (const id of ids) {
        const job = (await queue.getJob(jobIdOf(id))) as Job | undefined;
        if (!job || !(await job.isFailed())) {
          failed += 1;
          process.stderr.write(`error: ${id}: ${job ? `not a dead letter (${await job.getState()})` : 'no such job'}\n`);
        } else await replay(job, id);
      }
    }
    process.stdout.write(`${replayed} replayed${failed ? `, ${failed} not` : ''}\n`);
    return failed ? 1 : 0;
  } finally {
    await queue.close();
  }
}
