import createDebug from 'debug';
import { dropResult } from './async';
import { describeThrown, type InnopaasWebhookError } from './errors';
import type { DeliveryAnswer, DeliveryObservation, DeliveryObserver } from './observer';
import { fail, show } from './option-checks';

type LogMethod = (fields: Record<string, unknown>, message: string) => unknown;

/** What the `logger` option needs: pino's levels and `child` (bunyan and pino-compatible loggers have them). */
export interface LoggerLike {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  child(bindings: Record<string, unknown>): LoggerLike;
}

const METHODS = ['debug', 'info', 'warn', 'error', 'child'] as const;
const log = createDebug('innopaas-webhook');

/**
 * The `logger` option as an observer: a debug line when an event is validated, an error line when its
 * handler fails, and one line for every answer (info below 400, warn for 4xx and handler failures,
 * error for the other 5xx). Lines about an event are written by a child bound to its id and type.
 * Error messages and stacks can quote anything, a credential included: every configured credential
 * is cut out of them.
 */
export function loggerObserver(logger: unknown, redact = (text: string) => text): DeliveryObserver | undefined {
  if (logger === undefined) return undefined;
  for (const method of METHODS) {
    if (typeof (logger as Record<string, unknown> | null)?.[method] !== 'function') {
      fail(
        'logger',
        `has no \`${method}()\` method (got ${show(logger)})`,
        'Pass a pino logger (or one with debug, info, warn, error and child).',
      );
    }
  }
  const root = logger as LoggerLike;
  const describeError = (error: InnopaasWebhookError) => {
    const fields: Record<string, unknown> = { code: error.code, message: redact(error.message) };
    const { cause } = error;
    if (cause !== undefined) {
      fields.cause = describeThrown(cause, redact);
      const stack = cause instanceof Error ? cause.stack : undefined;
      if (typeof stack === 'string') fields.stack = redact(stack);
    }
    return fields;
  };
  return {
    begin: (start) => new LoggedDelivery(root, describeError, start.source === 'job'),
  };
}

class LoggedDelivery implements DeliveryObservation {
  private logger: LoggerLike;
  private handlerFailed = false;

  constructor(
    logger: LoggerLike,
    private readonly describeError: (error: InnopaasWebhookError) => Record<string, unknown>,
    private readonly job: boolean,
  ) {
    this.logger = logger;
  }

  /** One line; a logger whose methods return promises must not leave a rejection unhandled. */
  private write(level: 'debug' | 'info' | 'warn' | 'error', fields: Record<string, unknown>, message: string): void {
    dropResult(this.logger[level](fields, message), (error) => {
      log('logger.%s() rejected: %s', level, describeThrown(error));
    });
  }

  event(event: { id: string; type: unknown }, _type: string, lagMs: number | undefined): void {
    this.logger = this.logger.child({ eventId: event.id, eventType: String(event.type) });
    this.write('debug', { lagMs }, 'event received');
  }

  handled(failure: InnopaasWebhookError | undefined, durationMs: number | undefined): void {
    if (durationMs === undefined) {
      this.write('debug', {}, 'no handler for this type');
      return;
    }
    if (!failure) {
      this.write('debug', { durationMs }, 'handler succeeded');
      return;
    }
    this.handlerFailed = true;
    this.write('error', { durationMs, err: this.describeError(failure) }, 'handler failed');
  }

  answered({ status, code, error }: DeliveryAnswer): void {
    if (this.job) {
      // A job has no answer: it completed, or failed (and may be tried again), or went back to the queue.
      if (status < 400) this.write('info', { code: 'completed' }, 'job completed');
      else if (code === 'shutting_down') this.write('info', { code }, 'job put back');
      else if (this.handlerFailed) this.write('warn', { code }, 'job failed');
      else this.write('error', { code, ...(error ? { err: this.describeError(error) } : {}) }, 'job failed');
      return;
    }
    const fields: Record<string, unknown> = { status, code };
    if (status >= 500 && !this.handlerFailed) {
      if (error) fields.err = this.describeError(error);
      this.write('error', fields, 'answered');
      return;
    }
    this.write(status >= 400 ? 'warn' : 'info', fields, 'answered');
  }
}
