import bytes from 'bytes';

// The checks every option goes through when the middleware is created: each error names
// the option, shows the bad value (never a secret) and says the fix.

export function show(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  try {
    // JSON.stringify answers undefined for undefined and symbols, whatever its type says.
    const json = JSON.stringify(value) as string | undefined;
    return json ?? String(value);
  } catch {
    return String(value);
  }
}

/** Errors thrown by the factory name the option, show the bad value (never a secret) and say the fix. */
export function fail(option: string, problem: string, fix: string): never {
  throw new TypeError(`innopaas-webhook: option \`${option}\` ${problem}. ${fix}`);
}

/** Edit distance, to suggest the option a typo meant. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  // A truncated name (`whatsapp_mo_message`) is as clear a typo as a misspelt one.
  const prefixed = lower.length >= 4 ? candidates.find((c) => c.toLowerCase().startsWith(lower)) : undefined;
  if (prefixed) return prefixed;
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = distance(lower, candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

export function rejectUnknownKeys(where: string, given: object, known: readonly string[]): void {
  for (const key of Object.keys(given)) {
    if (known.includes(key)) continue;
    const hint = closest(key, known);
    fail(
      `${where}${key}`,
      'is not an option',
      hint ? `Did you mean \`${where}${hint}\`?` : `Known options: ${known.join(', ')}.`,
    );
  }
}

export function positiveMs(name: string, value: unknown, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    fail(
      name,
      `must be a positive number of milliseconds (got ${show(value)})`,
      `Pass e.g. \`${name.slice(name.lastIndexOf('.') + 1)}: 5000\`, or leave it out.`,
    );
  }
  return value;
}

/** The longest delay a Node timer keeps: a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A duration that runs on a timer: positive, and no longer than a Node timer can wait (about 24.8 days). */
export function timerMs(name: string, value: unknown, fallback: number): number {
  const ms = positiveMs(name, value, fallback) as number;
  if (ms > MAX_TIMER_MS)
    fail(
      name,
      `must be at most ${MAX_TIMER_MS} ms, about 24.8 days (got ${show(value)})`,
      'Node cannot wait longer on a timer: a longer delay would fire at once.',
    );
  return ms;
}

export function optionalFunction(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function')
    fail(name, `must be a function (got ${show(value)})`, 'Pass a function or leave it out.');
}

/** A function that must answer synchronously: an `async function` is refused with `fix`. */
export function optionalSyncFunction(name: string, value: unknown, fix: string): void {
  optionalFunction(name, value);
  const kind = (value as { constructor?: { name?: unknown } } | undefined)?.constructor?.name;
  if (kind === 'AsyncFunction' || kind === 'AsyncGeneratorFunction') fail(name, 'must not be an async function', fix);
}

export function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T))
    fail(name, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')} (got ${show(value)})`, `Defaults to '${fallback}'.`);
  return value as T;
}

/**
 * A size in bytes: a positive number, or a string with one of the units below (`'512kb'`, `'1mb'`).
 * `bytes.parse` alone reads a unit it does not know as no unit at all (`'1m'` is 1 byte, `'512k'` 512),
 * which would answer every delivery 413: such a value is refused here, with the spelling it meant.
 */
const SIZE = /^(\d+(?:\.\d+)?) *([a-z]*)$/i;
const SIZE_UNITS = ['b', 'kb', 'mb', 'gb'];

export function sizeInBytes(name: string, value: unknown, fallback: string): number {
  const given = value ?? fallback;
  const text = typeof given === 'string' ? given.trim() : undefined;
  const match = text === undefined ? null : SIZE.exec(text);
  const unit = match?.[2]?.toLowerCase() ?? '';
  if (match && unit !== '' && !SIZE_UNITS.includes(unit)) {
    const meant = /^[kmg]/.test(unit) ? ` Did you mean '${match[1] ?? ''}${unit[0] ?? ''}b'?` : '';
    fail(
      name,
      `has a unit it does not know (got ${show(given)}): the units are ${SIZE_UNITS.join(', ')} (1kb = 1024 bytes)`,
      `Write e.g. '512kb' or '1mb', or a number of bytes.${meant}`,
    );
  }
  const size = typeof given === 'number' ? given : match ? bytes.parse(match[0]) : null;
  if (size === null || !Number.isFinite(size) || size <= 0)
    fail(name, `must be a positive number of bytes or a size such as '1mb' (got ${show(value)})`, `Defaults to '${fallback}'.`);
  return size;
}
