import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { schemaFiles, writeSchemas } from '../lib/events/write-schemas';
import { strictAjv } from './fixtures/ajv';
import { fixtures } from './fixtures';

// schemas/*.json is generated from lib/events and committed, so that it ships in the package. This
// keeps the committed copy in step; `npm run generate` rewrites it.
const schemasDir = join(__dirname, '..', 'schemas');
const stale = 'schemas/ is stale: run `npm run generate` and commit the result';

describe('the published schema files', () => {
  const expected = schemaFiles();

  it.each(Object.keys(expected))('schemas/%s matches lib/events', (file) => {
    let committed: string | undefined;
    try {
      committed = readFileSync(join(schemasDir, file), 'utf8');
    } catch {
      committed = undefined;
    }
    if (committed !== expected[file]) throw new Error(`${file}: ${stale}`);
  });

  it('has no file that lib/events no longer generates', () => {
    const extra = readdirSync(schemasDir).filter((file) => !(file in expected));
    if (extra.length > 0) throw new Error(`${extra.join(', ')}: ${stale}`);
  });

  it('writeSchemas writes them all, each a schema every matching fixture passes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'innopaas-schemas-'));
    try {
      const written = writeSchemas(join(dir, 'nested'));
      expect(written.map((path) => basename(path)).sort()).toEqual(Object.keys(expected).sort());
      for (const path of written) {
        const validate = strictAjv().compile(JSON.parse(readFileSync(path, 'utf8')));
        const enumerated = (validate.schema as { properties: { type: { enum?: string[] } } }).properties.type.enum;
        for (const event of Object.values(fixtures)) {
          if (!enumerated || enumerated.includes(event.type)) expect(validate(event)).toBe(true);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
