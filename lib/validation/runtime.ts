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

/**
 * Records one failed check; the generated validators call it where ajv's code builds an error object
 * inline (scripts/generate-validators.ts), which makes the module half the size and start-up cheaper.
 */
export function addError(
  errors: GeneratedError[] | null,
  instancePath: string,
  keyword: string,
  message: string,
): GeneratedError[] {
  const error = { instancePath, keyword, message };
  if (errors === null) return [error];
  errors.push(error);
  return errors;
}
