import { isInnopaasWebhookError } from '../core/errors';
import { decodeBody } from '../stages/body';
import { getValidators, validateEvent } from '../stages/validate';
import { parseCommandArgs } from './args';
import { readSource } from './input';
import { USAGE, UsageError } from './usage';

// ajv reports a failed `if/then` twice: the real failure inside `then`, and "must match then" at the
// body. The second says nothing the first does not.
const ECHO = /^must match "(then|else)" schema$/;

// The middleware's default `limit` ('1mb'): above it, a delivery is answered 413 unless that option is raised.
const DEFAULT_LIMIT = 1024 * 1024;

/** The middleware's own connectivity-test rule: an empty or blank body, or `{}`. */
const isConnectivityTest = (payload: unknown): boolean =>
  payload === undefined ||
  (typeof payload === 'object' && payload !== null && !Array.isArray(payload) && Object.keys(payload).length === 0);

/**
 * The payload as the middleware decodes it (UTF-8 only, a byte order mark ignored, blank for nothing),
 * so that both give the same verdict on the same bytes; `false` when it is refused, the reason printed.
 */
function decode(name: string, bytes: Buffer): { payload: unknown } | false {
  try {
    return { payload: decodeBody({ bytes }) };
  } catch (error) {
    if (!isInnopaasWebhookError(error)) throw error;
    if (error.code !== 'invalid_json') {
      process.stdout.write(`${name}: invalid (${error.code}): ${error.message}\n`);
      return false;
    }
    // The middleware keeps the parser's message out of its answer; here it says where the JSON breaks.
    let reason = error.message;
    try {
      JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''));
    } catch (parseError) {
      reason = (parseError as Error).message;
    }
    process.stdout.write(`${name}: invalid: not JSON (${reason})\n`);
    return false;
  }
}

/** Checks one payload; prints the verdict and each problem; answers whether it is valid. */
function check(name: string, bytes: Buffer): boolean {
  // A warning, not a verdict: the limit is an option, and a receiver may have raised it.
  if (bytes.length > DEFAULT_LIMIT)
    process.stdout.write(
      `${name}: warning: ${bytes.length} bytes, over the middleware's default limit of 1mb (${DEFAULT_LIMIT} bytes): with default options it answers 413\n`,
    );
  const decoded = decode(name, bytes);
  if (!decoded) return false;
  const { payload } = decoded;
  if (isConnectivityTest(payload)) {
    process.stdout.write(`${name}: connectivity test (empty body or {}): the middleware answers 200 and calls no handler\n`);
    return true;
  }
  try {
    const { known, event } = validateEvent(getValidators(), payload);
    if (!known) {
      process.stdout.write(
        `${name}: valid envelope; type ${JSON.stringify(event.type)} is not in the catalogue, so its body was not checked\n`,
      );
    } else {
      const messageType = event.type === 'whatsapp_mo_message_received' ? ` (message type ${String(event.body.type)})` : '';
      process.stdout.write(`${name}: valid ${event.type}${messageType}, id ${event.id}\n`);
    }
    return true;
  } catch (error) {
    if (!isInnopaasWebhookError(error)) throw error;
    const problems = error.problems ?? [];
    const shown = problems.some((problem) => !ECHO.test(problem.message))
      ? problems.filter((problem) => !ECHO.test(problem.message))
      : problems;
    process.stdout.write(`${name}: invalid (${error.code}): ${error.message}\n`);
    for (const problem of shown) {
      // ajv places a missing property at its parent; the path of the property itself is what to add.
      const missing = /^must have required property '(.+)'$/.exec(problem.message)?.[1];
      const line =
        missing !== undefined ? `${problem.path}/${missing}: required, missing` : `${problem.path || '/'}: ${problem.message}`;
      process.stdout.write(`  ${line}\n`);
    }
    return false;
  }
}

/** `innopaas-webhook validate`: 0 when every payload is valid, 1 when any is not. */
export async function runValidate(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { help: { type: 'boolean', short: 'h' } }, 'validate');
  if (values.help) {
    process.stdout.write(`${USAGE.validate}\n`);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('which file? give a path, or - for stdin', 'validate');
  if (positionals.filter((source) => source === '-').length > 1)
    throw new UsageError('stdin (-) can be read only once', 'validate');
  // Read everything first: an unreadable file is a usage error, reported before any verdict.
  const inputs: [string, Buffer][] = [];
  for (const source of positionals) inputs.push([source === '-' ? '<stdin>' : source, await readSource(source, 'validate')]);
  let valid = true;
  for (const [name, bytes] of inputs) valid = check(name, bytes) && valid;
  return valid ? 0 : 1;
}
