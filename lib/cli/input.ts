import { readFileSync } from 'node:fs';
import { UsageError, type CommandName } from './usage';

/** Reads all of stdin. */
async function readStdin(): Promise<Buffer> {
  // On a terminal the read waits for typing: say so, rather than leave a newcomer at a silent prompt.
  if (process.stdin.isTTY) {
    const eof = process.platform === 'win32' ? 'Ctrl-Z then Enter' : 'Ctrl-D';
    process.stderr.write(`innopaas-webhook: reading the payload from stdin; paste it and press ${eof}, or pass a file\n`);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The bytes of `source`, a path or `-` for stdin. A file that cannot be read is the caller's mistake,
 * so it is a usage error (exit 2), not an invalid payload (exit 1).
 */
export async function readSource(source: string, command: CommandName): Promise<Buffer> {
  if (source === '-') return readStdin();
  try {
    return readFileSync(source);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new UsageError(`cannot read ${source}: ${reason}`, command);
  }
}

/** The value of `--set path=value`: JSON when it parses (`42`, `true`, `"42"`, `{…}`), else the string. */
export function parseSetValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
