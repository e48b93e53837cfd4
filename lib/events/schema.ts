/**
 * An enumeration InnoPaaS may extend without notice (docs/events.md#validation-policy): the documented values
 * are offered by editors, any other string is still accepted. `string & {}` keeps the literals visible
 * in autocompletion, where a plain `| string` would swallow them.
 */
export type OpenEnum<Known extends string> = Known | (string & {});

/**
 * The JSON Schema side of {@link OpenEnum}: a plain string. The documented values go in `examples`, an
 * annotation, so that a value InnoPaaS adds later still validates.
 */
export function openEnum<const Known extends readonly string[]>(known: Known, description: string) {
  return { type: 'string', description, examples: known } as const;
}

/**
 * A JSON Schema (draft-07) document, as this package publishes them (`eventSchema()`, `bodySchemas`,
 * `schemas/*.json`): a plain object any JSON Schema validator accepts, ajv's `compile()` among them.
 * Declared here so that the package's types need no validator installed.
 */
export interface JsonSchema {
  $schema?: string;
  $id?: string;
  title?: string;
  description?: string;
  [keyword: string]: unknown;
}
