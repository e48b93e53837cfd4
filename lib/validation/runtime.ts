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
 * Records one failed check; the generated validators call it where ajv's code builds an error object
 * inline (scripts/generate-validators.ts), which makes the module half the size and start-up cheaper.
 *
 * Past the first {@link RECORDED_ERRORS} it pushes a shared placeholder: a hostile payload of a
 * megabyte can fail hundreds of thousands of checks, and an object each cost tens of megabytes and
 * hundreds of milliseconds. The array still gets one entry per failed check, because ajv's code for
 * `anyOf` truncates it back to a count when a later branch passes.
 */
export function addError(
  errors: GeneratedError[] | null,
  instancePath: string,
  keyword: string,
  message: string,
): GeneratedError[] {
  if (errors === null) return [{ instancePath, keyword, message }];
  errors.push(errors.length < RECORDED_ERRORS ? { instancePath, keyword, message } : UNRECORDED);
  return errors;
}
