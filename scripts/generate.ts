// `npm run generate`: rewrites the files generated from lib/events and committed so that they ship:
// lib/validation/generated.ts (the validators the middleware runs) and schemas/*.json (the published
// schemas). __tests__/validators-generated.test.ts and __tests__/events-schemas-files.test.ts fail
// while either is stale.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { schemaFiles, writeSchemas } from '../lib/events/write-schemas';
import { generateValidatorsSource } from './generate-validators';

const root = join(__dirname, '..');
const generated = join(root, 'lib', 'validation', 'generated.ts');
const schemasDir = join(root, 'schemas');

writeFileSync(generated, generateValidatorsSource());
console.log(`wrote ${relative(root, generated)}`);
for (const path of writeSchemas(schemasDir)) console.log(`wrote ${relative(root, path)}`);
const current = schemaFiles();
for (const file of readdirSync(schemasDir)) {
  if (!(file in current)) {
    rmSync(join(schemasDir, file));
    console.log(`deleted schemas/${file} (lib/events no longer generates it)`);
  }
}
