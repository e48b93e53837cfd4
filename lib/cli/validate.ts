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

/** The verdict on one payload: what `--json` prints as one line, and what the text lines say. */
interface Verdict {
  file: string;
  valid: boolean;
  /** `valid`, `connectivity_test`, `unknown_type`, or the problem code of an invalid payload. */
  result: string;
  type?: string;
  messageType?: string;
  id?: string;
  message?: string;
  problems?: { path: string; message: string }[];
  warnings: string[];
}

/**
 * The payload as the middleware decodes it (UTF-8 only, a byte order mark ignored, blank for nothing),
 * so that both give the same verdict on the same bytes; the refusal's code and reason when it is refused.
 */
function decode(bytes: Buffer): { payload: unknown } | { code: string; message: string } {
  try {
    return { payload: decodeBody({ bytes }) };
  } catch (error) {
    if (!isInnopaasWebhookError(error)) throw error;
    if (error.code !== 'invalid_json') return { code: error.code, message: error.message };
    // The middleware keeps the parser's message out of its answer; here it says where the JSON breaks.
    let reason = error.message;
    try {
      JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''));
    } catch (parseError) {
      reason = (parseError as Error).message;
    }
    return { code: 'invalid_json', message: `not JSON (${reason})` };
  }
}

/** Checks one payload against the middleware's rules. */
function check(file: string, bytes: Buffer): Verdict {
  // A warning, not a verdict: the limit is an option, and a receiver may have raised it.
  const warnings =
    bytes.length > DEFAULT_LIMIT
      ? [
          `${bytes.length} bytes, over the middleware's default limit of 1mb (${DEFAULT_LIMIT} bytes): with default options it answers 413`,
        ]
      : [];
  const decoded = decode(bytes);
  if (!('payload' in decoded)) return { file, valid: false, result: decoded.code, message: decoded.message, warnings };
  const { payload } = decoded;
  if (isConnectivityTest(payload)) return { file, valid: true, result: 'connectivity_test', warnings };
  try {
    const { known, event } = validateEvent(getValidators(), payload);
    const verdict: Verdict = {
      file,
      valid: true,
      result: known ? 'valid' : 'unknown_type',
      type: event.type,
      id: event.id,
      warnings,
    };
    if (event.type === 'whatsapp_mo_message_received') verdict.messageType = String(event.body.type);
    return verdict;
  } catch (error) {
    if (!isInnopaasWebhookError(error)) throw error;
    const problems = error.problems ?? [];
    const shown = problems.some((problem) => !ECHO.test(problem.message))
      ? problems.filter((problem) => !ECHO.test(problem.message))
      : problems;
    // ajv places a missing property at its parent; the path of the property itself is what to add.
    const listed = shown.map((problem) => {
      const missing = /^must have required property '(.+)'$/.exec(problem.message)?.[1];
      return missing !== undefined
        ? { path: `${problem.path}/${missing}`, message: 'required, missing' }
        : { path: problem.path || '/', message: problem.message };
    });
    return { file, valid: false, result: error.code, message: error.message, problems: listed, warnings };
  }
}

/** The verdict as lines of text. */
function describeVerdict(verdict: Verdict): string {
  const { file } = verdict;
  const lines = verdict.warnings.map((warning) => `${file}: warning: ${warning}`);
  switch (verdict.result) {
    case 'connectivity_test':
      lines.push(`${file}: connectivity test (empty body or {}): the middleware answers 200 and calls no handler`);
      break;
    case 'unknown_type':
      lines.push(
        `${file}: valid envelope; type ${JSON.stringify(verdict.type)} is not in the catalogue, so its body was not checked`,
      );
      break;
    case 'valid': {
      const messageType = verdict.messageType === undefined ? '' : ` (message type ${verdict.messageType})`;
      lines.push(`${file}: valid ${String(verdict.type)}${messageType}, id ${String(verdict.id)}`);
      break;
    }
    case 'invalid_json':
      lines.push(`${file}: invalid: ${String(verdict.message)}`);
      break;
    default:
      lines.push(`${file}: invalid (${verdict.result}): ${String(verdict.message)}`);
      for (const problem of verdict.problems ?? []) lines.push(`  ${problem.path}: ${problem.message}`);
  }
  return lines.join('\n');
}

/** `innopaas-webhook validate`: 0 when every payload is valid, 1 when any is not. */
export async function runValidate(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    { help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' } },
    'validate',
  );
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
  for (const [name, bytes] of inputs) {
    const verdict = check(name, bytes);
    valid &&= verdict.valid;
    process.stdout.write(`${values.json ? JSON.stringify(verdict) : describeVerdict(verdict)}\n`);
  }
  return valid ? 0 : 1;
}
