import { describeThrown, type InnopaasWebhookError } from '../../core/errors';
import type { WorkerErrorContext } from './worker';

/** The worker's default `onError`: one line on stderr, then the stack of what the handler threw. */
export function reportToStderr(error: InnopaasWebhookError, context: WorkerErrorContext): void {
  const where = context.jobId === undefined ? '' : ` job ${context.jobId}`;
  const attempt =
    context.attempt === undefined
      ? ''
      : ` (try ${context.attempt}/${context.attempts ?? '?'}${context.final ? ', dead letter' : ', will retry'})`;
  let stack = '';
  try {
    const cause: unknown = error.cause;
    if (cause instanceof Error && typeof cause.stack === 'string') stack = `\n${cause.stack}`;
  } catch {
    // An unreadable cause: the line says enough.
  }
  process.stderr.write(`innopaas-webhook worker${where}${attempt}: ${error.code}: ${describeThrown(error.message)}${stack}\n`);
}
