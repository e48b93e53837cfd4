import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_TYPES, envelopeSchema, eventSchema } from './index';

/**
 * The published JSON Schema files, by file name: `envelope.json` and one `<type>.json` per event type,
 * for receivers written in other languages (package.json exports them as `innopaas-webhook/schemas/*`).
 */
export function schemaFiles(): Record<string, string> {
  const documents: Record<string, object> = {
    'envelope.json': { $schema: 'http://json-schema.org/draft-07/schema#', ...envelopeSchema },
  };
  for (const type of EVENT_TYPES) documents[`${type}.json`] = eventSchema(type);
  return Object.fromEntries(Object.entries(documents).map(([file, schema]) => [file, `${JSON.stringify(schema, null, 2)}\n`]));
}

/** Writes {@link schemaFiles} into `outDir` (created if missing) and answers the paths written. */
export function writeSchemas(outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  return Object.entries(schemaFiles()).map(([file, text]) => {
    const path = join(outDir, file);
    writeFileSync(path, text);
    return path;
  });
}
