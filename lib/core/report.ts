import type { InnopaasWebhookError } from './errors';
import type { ErrorContext, ErrorHook } from './types';

/** Causes wrapped in causes (a driver's error inside a pool's) are followed this deep. */
const MAX_CAUSES = 4;

/**
 * Control characters (and the two JavaScript line separators) written as escapes: the header line holds
 * text a sender chose, such as an unknown event's `type`, which must not forge log lines of its own.
 */
const escapeControls = (text: string): string =>
  // eslint-disable-next-line no-control-regex
  text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** What a thrown value says about itself: its stack when it has one, else the value as text. Never throws. */
function describeThrown(value: unknown): string {
  try {
    if (typeof value !== 'object' || value === null) return String(value);
    const stack = (value as { stack?: unknown }).stack;
    if (typeof stack === 'string' && stack !== '') return stack;
    return JSON.stringify(value) ?? Object.prototype.toString.call(value);
  } catch {
    // A cyclic object, a BigInt inside, a getter or a proxy that throws.
    return Object.prototype.toString.call(value);
  }
}

function causeOf(value: unknown): unknown {
  try {
    return typeof value === 'object' && value !== null ? (value as { cause?: unknown }).cause : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The text of one reported error: a header line (what failed, its code, the event's id), then the
 * stack of its cause, the user's own error, and of that error's causes.
 */
export function formatReport(error: InnopaasWebhookError, context: Pick<ErrorContext<unknown>, 'event'>): string {
  const event = context.event;
  const where = event ? `, event ${JSON.stringify(event.id)}` : '';
  const lines = [escapeControls(`innopaas-webhook: ${error.message} (${error.code}${where})`)];
  let cause = causeOf(error);
  for (let depth = 0; cause !== undefined && depth < MAX_CAUSES; depth++) {
    lines.push(depth === 0 ? describeThrown(cause) : `[cause]: ${describeThrown(cause)}`);
    cause = causeOf(cause);
  }
  return lines.join('\n');
}

/**
 * What a reported error (a handler's failure or timeout, a dedupe store or hook failure) becomes when the
 * app gave no `onError`: one `console.error` block, as Express's final handler prints an error nobody
 * handled, so that a failing handler is never silent. `onError: false` turns it off.
 */
export function stderrReport(redact?: (text: string) => string): ErrorHook<unknown> {
  // The stacks printed are the app's own errors, which may quote a credential as well as any message.
  const report = (error: InnopaasWebhookError, context: ErrorContext<unknown>) => {
    const text = formatReport(error, context);
    console.error(redact ? redact(text) : text);
  };
  stderrReports.add(report);
  return report;
}

const stderrReports = new WeakSet();

/** Whether `onError` is the default report (for the description `debug` prints at creation). */
export const isStderrReport = (hook: object): boolean => stderrReports.has(hook);
