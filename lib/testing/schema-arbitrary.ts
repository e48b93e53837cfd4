import type * as FastCheck from 'fast-check';

/** fast-check as `import fc from 'fast-check'` gives it (a namespace import fits too): an optional peer, never imported here. */
export type FastCheckModule = typeof FastCheck.default;

type Schema = boolean | { readonly [key: string]: unknown };
type ObjectSchema = { readonly [key: string]: unknown };

// Names of fields whose schema is a plain string or number but whose meaning is narrower; generating
// within that meaning keeps the events realistic for handler code (dates that parse, real coordinates).
const FIELD_HINTS: Record<string, (fc: FastCheckModule) => FastCheck.Arbitrary<unknown>> = {
  eventTime: timestamp,
  sendTime: timestamp,
  expireAt: timestamp,
  latitude: (fc) => fc.double({ min: -90, max: 90, noNaN: true }),
  longitude: (fc) => fc.double({ min: -180, max: 180, noNaN: true }),
};

// Keys InnoPaaS might add one day (the schemas allow extra properties everywhere). A fixed set
// keeps generated keys away from the documented ones and from `__proto__`.
const EXTRA_KEYS = ['addedLater', 'vendorFlag', 'x_trace'] as const;

/** ISO-8601 with milliseconds, as in every example, or the table's zone-less `2023-02-22 12:00:00`. */
export function timestamp(fc: FastCheckModule): FastCheck.Arbitrary<string> {
  const date = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true });
  return fc
    .tuple(date, fc.boolean())
    .map(([value, iso]) => (iso ? value.toISOString() : value.toISOString().slice(0, 19).replace('T', ' ')));
}

const isObjectSchema = (schema: unknown): schema is ObjectSchema => typeof schema === 'object' && schema !== null;
const asList = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);

/**
 * Two schemas that must both hold, as one: `required` united, `properties` merged with the later one
 * winning, except that a `true` placeholder (ajv strictRequired's) never replaces a real schema.
 */
function mergeSchemas(first: ObjectSchema, second: ObjectSchema): ObjectSchema {
  const properties: Record<string, unknown> = { ...(first.properties as object) };
  for (const [key, value] of Object.entries((second.properties as object | undefined) ?? {})) {
    if (value !== true || !(key in properties)) properties[key] = value;
  }
  const required = [...new Set([...asList(first.required), ...asList(second.required)])];
  return { ...first, ...second, properties, required };
}

/**
 * The branches an object schema allows: plain `allOf` members merged in, one branch per `if/then`
 * member (the inbound body's message types) and per `anyOf` member (`contacts` or `contact`).
 */
function branches(schema: ObjectSchema): ObjectSchema[] {
  const { allOf, anyOf, ...rest } = schema;
  let base: ObjectSchema = rest;
  const conditional: ObjectSchema[] = [];
  for (const member of asList(allOf).filter(isObjectSchema)) {
    if (isObjectSchema(member.then)) conditional.push(member.then);
    else base = mergeSchemas(base, member);
  }
  // A merged member may bring its own `anyOf` (the contacts member does): expand it in turn.
  if (conditional.length > 0) return conditional.flatMap((then) => branches(mergeSchemas(base, then)));
  const alternatives = asList(anyOf).filter(isObjectSchema);
  if (alternatives.length > 0) return alternatives.flatMap((alternative) => branches(mergeSchemas(base, alternative)));
  return [base];
}

function stringArbitrary(fc: FastCheckModule, schema: ObjectSchema): FastCheck.Arbitrary<unknown> {
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : 40;
  // ajv counts code points; a grapheme can be several, so a bounded string stays ASCII.
  const unit = typeof schema.maxLength === 'number' ? 'grapheme-ascii' : 'grapheme';
  const free = fc.string({ minLength, maxLength, unit });
  const known = asList(schema.examples).filter((value): value is string => typeof value === 'string');
  // Open enumerations: mostly a documented value, sometimes one InnoPaaS has not documented.
  return known.length > 0 ? fc.oneof({ arbitrary: fc.constantFrom(...known), weight: 3 }, { arbitrary: free, weight: 1 }) : free;
}

function objectArbitrary(fc: FastCheckModule, schema: ObjectSchema): FastCheck.Arbitrary<unknown> {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = asList(schema.required) as string[];
  const model: Record<string, FastCheck.Arbitrary<unknown>> = {};
  for (const [key, child] of Object.entries(properties)) model[key] = schemaArbitrary(fc, child, key);
  const known = fc.record(model, { requiredKeys: required.filter((key) => key in model) });
  if (schema.additionalProperties === false) return known;
  const extraValue = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
  const extras = fc.record(Object.fromEntries(EXTRA_KEYS.filter((key) => !(key in model)).map((key) => [key, extraValue])), {
    requiredKeys: [],
  });
  const sometimes = fc.oneof({ arbitrary: fc.constant({}), weight: 4 }, { arbitrary: extras, weight: 1 });
  return fc.tuple(known, sometimes).map(([value, extra]) => ({ ...extra, ...(value as object) }));
}

/**
 * An arbitrary of the values a JSON Schema (the subset this package's schemas use) accepts. `name` is
 * the property the schema describes, for the hints above.
 */
export function schemaArbitrary(fc: FastCheckModule, schema: Schema, name?: string): FastCheck.Arbitrary<unknown> {
  const hint = name === undefined ? undefined : FIELD_HINTS[name];
  if (hint) return hint(fc);
  if (schema === true) return fc.jsonValue();
  if (!isObjectSchema(schema)) throw new Error('schemaArbitrary: a `false` schema accepts nothing');
  if ('const' in schema) return fc.constant(schema.const);
  if (schema.type === undefined && Array.isArray(schema.anyOf)) {
    return fc.oneof(...schema.anyOf.map((member: Schema) => schemaArbitrary(fc, member, name)));
  }
  switch (schema.type) {
    case 'string':
      return stringArbitrary(fc, schema);
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'integer':
      return fc.integer();
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(schemaArbitrary(fc, (schema.items ?? true) as Schema), { maxLength: 3 });
    case 'object':
      return fc.oneof(...branches(schema).map((branch) => objectArbitrary(fc, branch)));
    default:
      throw new Error(`schemaArbitrary: unsupported schema ${JSON.stringify(schema).slice(0, 120)}`);
  }
}
