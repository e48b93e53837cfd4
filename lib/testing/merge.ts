/**
 * A recursive partial: every property optional at every depth, and `undefined` (which removes the key)
 * accepted even under `exactOptionalPropertyTypes`. Arrays are replaced whole, never merged by index, so
 * they take their full element type: a half-built contact card in an array would not be completed by
 * anything.
 */
export type DeepPartial<T> = T extends readonly unknown[] | Date | string | number | boolean
  ? T // `string` first: an open enumeration's `string & {}` is an object type too, and would be mapped.
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> | undefined }
    : T;

// Keys that would reach Object.prototype through a dotted path or a merged object.
const FORBIDDEN_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

/**
 * An object literal or parsed JSON object, from any realm: `structuredClone` under jest returns objects
 * of the outer realm, whose `Object.prototype` is not this one's.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/**
 * `overrides` laid over `base`: plain objects merge key by key, anything else (arrays, strings, null)
 * replaces. A key whose override is `undefined` is removed, so a test can build an event that lacks a
 * required field. Neither argument is modified; the result shares nothing with `overrides`.
 */
export function deepMerge<T>(base: T, overrides: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(overrides)) return structuredClone(overrides) as T;
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (FORBIDDEN_KEYS.has(key)) continue;
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- a JSON object, not a map: the key must go, not hold undefined
    if (value === undefined) delete result[key];
    else {
      // A nested override with no counterpart merges into {} so that its own undefined keys vanish too.
      const own = Object.prototype.hasOwnProperty.call(result, key);
      result[key] = deepMerge(own ? result[key] : isPlainObject(value) ? {} : undefined, value);
    }
  }
  return result as T;
}

/**
 * Sets `value` at a dotted `path` (`body.text.body`, `body.contact.0.name`), creating the objects on the
 * way. A numeric segment indexes an existing array. Throws on a path that would write to a prototype or
 * through a value that is not an object, naming the segment.
 */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const segments = path.split('.');
  if (segments.some((segment) => segment === '')) throw new Error(`"${path}" has an empty segment`);
  const forbidden = segments.find((segment) => FORBIDDEN_KEYS.has(segment));
  if (forbidden) throw new Error(`"${path}" contains "${forbidden}", which cannot be set`);
  let node: Record<string, unknown> | unknown[] = target;
  segments.forEach((segment, index) => {
    const container = node as Record<string, unknown>;
    if (index === segments.length - 1) {
      container[segment] = value;
      return;
    }
    const next = container[segment];
    if (next === undefined) container[segment] = {};
    else if (typeof next !== 'object' || next === null) {
      throw new Error(`"${segments.slice(0, index + 1).join('.')}" is ${JSON.stringify(next)}, not an object`);
    }
    node = container[segment] as Record<string, unknown>;
  });
}
