import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import fc from 'fast-check';
import { EVENT_TYPES, eventSchema } from '../lib/events';
import { getValidators, validateEvent } from '../lib/validate';
import { AJV_OPTIONS, validatorSchemas } from '../lib/validation/schemas';
import { generateValidatorsSource } from '../scripts/generate-validators';
import { fixtures } from './fixtures';

const generatedPath = join(__dirname, '..', 'lib', 'validation', 'generated.ts');

describe('the validators generated at build time', () => {
  test('lib/validation/generated.ts is up to date with the schemas (UPDATE_GENERATED=1 rewrites it)', () => {
    const source = generateValidatorsSource();
    if (process.env.UPDATE_GENERATED) writeFileSync(generatedPath, source);
    expect(readFileSync(generatedPath, 'utf8')).toBe(source);
  });

  test('every validator of the catalogue is generated, and nothing requires ajv at run time', () => {
    const source = readFileSync(generatedPath, 'utf8');
    for (const name of Object.keys(validatorSchemas())) expect(source).toContain(`export const ${name} =`);
    expect(source).not.toMatch(/require\(|from 'ajv/);
  });
});

/**
 * The middleware runs generated validators, one per inbound message type; users in other languages get
 * the published schemas (`eventSchema(type)`, one `if/then` chain). Both must accept and refuse the same
 * payloads: checked on every fixture and on thousands of mutated ones.
 */
describe('the generated validators agree with the published schemas compiled by ajv', () => {
  const ajv = new Ajv(AJV_OPTIONS);
  const published = new Map<string, ValidateFunction>(EVENT_TYPES.map((type) => [type, ajv.compile(eventSchema(type))]));
  const validators = getValidators();

  function bothAgree(payload: unknown): void {
    const type = (payload as { type?: unknown } | null)?.type;
    const reference = typeof type === 'string' ? published.get(type === 'whatsapp_template_status_update' ? 'whatsapp_template_status_updated' : type) : undefined;
    if (!reference) return;
    let accepted: boolean;
    try {
      accepted = validateEvent(validators, payload).known;
    } catch {
      accepted = false;
    }
    expect({ payload, accepted }).toEqual({ payload, accepted: reference(payload) });
  }

  test.each(Object.entries(fixtures))('fixture %s', (_name, payload) => {
    bothAgree(payload);
    expect(validateEvent(validators, payload).known).toBe(true);
  });

  const anyJson = fc.jsonValue({ maxDepth: 3 });
  const mutation = fc.record({
    fixture: fc.constantFrom(...Object.values(fixtures)),
    path: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
    value: fc.oneof(anyJson, fc.constant(undefined)),
  });

  test('on 3,000 mutated fixtures (a field deleted or replaced at a random depth)', () => {
    fc.assert(
      fc.property(mutation, ({ fixture, path, value }) => {
        const payload = structuredClone(fixture) as unknown as Record<string, unknown>;
        let node: Record<string, unknown> = payload;
        for (const [depth, pick] of path.entries()) {
          const keys = Object.keys(node);
          if (keys.length === 0) break;
          const key = keys[pick % keys.length] as string;
          const child = node[key];
          if (depth === path.length - 1 || typeof child !== 'object' || child === null) {
            if (value === undefined) delete node[key];
            else node[key] = value;
            break;
          }
          node = child as Record<string, unknown>;
        }
        bothAgree(payload);
      }),
      { numRuns: 3000 },
    );
  });

  test('the code-point length matches ajv on surrogate pairs and lone surrogates', () => {
    const id = '😀'.repeat(256);
    const payload = { ...fixtures['mo-text'], id };
    bothAgree(payload);
    bothAgree({ ...payload, id: `${id}x` });
    bothAgree({ ...payload, id: '\ud83d'.repeat(257) });
  });
});
