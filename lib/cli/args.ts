import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError, type CommandName } from './usage';

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
>;

/**
 * `parseArgs` in strict mode, its errors turned into a {@link UsageError}. Node's messages go on to
 * explain `--`; the first sentence is the one-line error.
 */
export function parseCommandArgs<O extends Options>(args: string[], options: O, command?: CommandName): Parsed<O> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = (error as Error).message.split(/\.\s/)[0]?.replace(/\.$/, '') ?? 'invalid arguments';
    throw new UsageError(message, command);
  }
}

/** The longest delay a Node timer holds (2^31 - 1 ms, about 24.8 days): a longer one fires at once. */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/** A whole number from 1 to `max` given to `--name`. */
export function positiveInteger(
  value: string | undefined,
  name: string,
  fallback: number,
  command: CommandName,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < 1 || number > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? 'of at least 1' : `from 1 to ${max}`;
    throw new UsageError(`--${name} must be a whole number ${range}, not ${JSON.stringify(value)}`, command);
  }
  return number;
}
