import { Writable } from 'node:stream';
import { format } from 'node:util';
import createDebug from 'debug';
import pino from 'pino';

/** A real pino logger at debug level whose lines are kept, parsed, in `lines`. */
export function lineSink() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    }),
  );
  return { lines, logger };
}

/** Runs `body` with the package's `DEBUG` lines on, each formatted into `lines`; debug is reset after. */
export async function withDebugLines(lines: string[], body: () => Promise<void>): Promise<void> {
  const originalLog = createDebug.log;
  createDebug.enable('innopaas-webhook');
  createDebug.log = (...args: unknown[]) => {
    lines.push(format(...args));
  };
  try {
    await body();
  } finally {
    createDebug.disable();
    createDebug.log = originalLog;
  }
}
