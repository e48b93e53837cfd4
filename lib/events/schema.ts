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
