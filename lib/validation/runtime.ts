/**
 * Length of a string in Unicode code points, as JSON Schema's `maxLength` counts it (a surrogate pair
 * is one character). The generated validators call it.
 */
export function ucs2length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    length++;
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
  }
  return length;
}

/** What a generated validator records of one failed check: all that a 400's problem list reports. */
export interface GeneratedError {
  instancePath: string;
  keyword: string;
  message: string;
}

/** How many failed checks a validator records in full: a 400 lists at most this many (lib/stages/validate.ts). */
export const RECORDED_ERRORS = 20;

/** Stands for every failed check past {@link RECORDED_ERRORS}: one shared object, nothing allocated per check. */
const UNRECORDED: GeneratedError = Object.freeze({ instancePath: '', keyword: 'unrecorded', message: '' });

/**
 * After this many failed checks a validator stops: the payload is invalid whatever the rest holds. Safe
 * because no `anyOf` of the schemas can fail this deep and still pass through a later branch: a branch
 * that checks nested values has a JSON type no sibling shares, so a sibling that passes saw a value of
 * another type, on which the deep branch failed at once (__tests__/security-schemas.test.ts checks it).
 */
export const MAX_FAILED_CHECKS = 1000;

/** Thrown by {@link addError} to stop a validator, with what it recorded; not an Error: no stack to build. */
export class TooManyFailedChecks {
  constructor(readonly errors: readonly GeneratedError[]) {}
}

/**
 * Records one failed check; the generated validators call it where ajv's code builds an error object
 * inline (scripts/generate-validators.ts), which makes the module half the size and start-up cheaper.
 *
 * Past the first {@link RECORDED_ERRORS} it pushes a shared placeholder, and at {@link MAX_FAILED_CHECKS}
 * it stops the validator: a hostile payload of a megabyte can fail hundreds of thousands of checks, and
 * an object each cost tens of megabytes and hundreds of milliseconds. Until then the array gets one entry
 * per failed check, because ajv's code for `anyOf` truncates it back to a count when a later branch passes.
 */
export function addError(
  errors: GeneratedError[] | null,
  instancePath: string,
  keyword: string,
  message: string,
): GeneratedError[] {
  if (errors === null) return [{ instancePath, keyword, message }];
  // A sentinel that validateEvent catches: it needs no stack.
  // eslint-disable-next-line @typescript-eslint/only-throw-error
  if (errors.length >= MAX_FAILED_CHECKS) throw new TooManyFailedChecks(errors);
  errors.push(errors.length < RECORDED_ERRORS ? { instancePath, keyword, message } : UNRECORDED);
  return errors;
}
