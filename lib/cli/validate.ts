import { isInnopaasWebhookError } from '../core/errors';
import { getValidators, validateEvent } from '../stages/validate';
import { parseCommandArgs } from './args';
import { readSource } from './input';
import { USAGE, UsageError } from './usage';

// ajv reports a failed `if/then` twice: the real failure inside `then`, and "must match then" at the
// body. The second says nothing the first does not.
const ECHO = /^must match "(then|else)" schema$/;

/** Checks one payload; prints the verdict and each problem; answers whether it is valid. */
function check(name: string, bytes: Buffer): boolean {
  let payload: unknown;
  try {
    payload = JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (error) {
    process.stdout.write(`${name}: invalid: not JSON (${(error as Error).message})\n`);
    return false;
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
