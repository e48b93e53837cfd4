import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import fc from 'fast-check';
import { EVENT_TYPES, eventSchema } from '../lib/events';
import { buildValidators, getValidators, validateEvent, type Validators } from '../lib/stages/validate';
import { AJV_OPTIONS, validatorSchemas } from '../lib/validation/schemas';
import { generateValidatorsSource } from '../scripts/generate-validators';
import { fixtures } from './fixtures';

const generatedPath = join(__dirname, '..', 'lib', 'validation', 'generated.ts');

describe('the validators generated at build time', () => {
  test('lib/validation/generated.ts is up to date with the schemas', () => {
    // Not toBe: a diff of two 80 KB one-line modules says less than the fix.
    if (readFileSync(generatedPath, 'utf8') !== generateValidatorsSource()) {
      throw new Error('lib/validation/generated.ts is stale: run `npm run generate` and commit the result.');
    }
  });

  test('every validator of the catalogue is generated, and nothing requires ajv at run time', () => {
    const source = readFileSync(generatedPath, 'utf8');
    for (const name of Object.keys(validatorSchemas())) expect(source).toContain(`export const ${name} =`);
    expect(source).not.toMatch(/require\(|from 'ajv/);
  });
});

const anyJson = fc.jsonValue({ maxDepth: 3 });
/** A fixture with one field deleted or replaced at a random depth. */
const mutation = fc.record({
  fixture: fc.constantFrom(...Object.values(fixtures)),
  path: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
  value: fc.oneof(anyJson, fc.constant(undefined)),
});

function mutated({ fixture, path, value }: { fixture: unknown; path: number[]; value: unknown }): unknown {
  const payload = structuredClone(fixture) as Record<string, unknown>;
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
  return payload;
}

/**
 * The generated module records each failed check through one helper instead of ajv's inline error
 * objects (scripts/generate-validators.ts, for start-up). A 400 must still list what ajv's own code
 * lists: the same schemas compiled by ajv at run time, filed the same way, give the same answer.
 */
describe('the generated validators report the problems ajv reports', () => {
  const ajv = new Ajv(AJV_OPTIONS);
  const schemas = validatorSchemas();
  for (const [name, schema] of Object.entries(schemas)) ajv.addSchema(schema, name);
  const reference = buildValidators(
    Object.fromEntries(Object.keys(schemas).map((name) => [name, ajv.getSchema(name) as ValidateFunction])),
  );
  const validators = getValidators();

  function outcome(using: Validators, payload: unknown): unknown {
    try {
      return { known: validateEvent(using, payload).known };
    } catch (error) {
      const { code, detail, problems } = error as { code: string; detail: string; problems?: unknown };
      return { code, detail, problems };
    }
  }

  function sameAnswer(payload: unknown): void {
    expect({ payload, answer: outcome(validators, payload) }).toEqual({ payload, answer: outcome(reference, payload) });
  }

  test('a payload that fails many checks at once lists them alike, in the same order', () => {
    const text = fixtures['mo-text'] as unknown as { body: Record<string, unknown> };
    const broken = {
      id: 7,
      type: 'whatsapp_mo_message_received',
      eventTime: [],
      body: { ...text.body, type: 'text', text: { body: 5 }, from: {} },
    };
    const answer = outcome(validators, broken) as { problems?: { path: string; message: string }[] };
    expect(answer.problems?.length).toBeGreaterThan(1);
    expect(answer.problems?.[0]).toEqual({ path: '/id', message: 'must be string' });
    sameAnswer(broken);
    sameAnswer({
      id: 'x',
      type: 'whatsapp_mo_message_received',
      eventTime: '2024-01-01 00:00:00',
      body: { ...text.body, type: 'text', text: { body: 5 }, from: {} },
    });
  });

  test.each(Object.entries(fixtures))('fixture %s', (_name, payload) => {
    sameAnswer(payload);
  });

  test('on 3,000 mutated fixtures', () => {
    fc.assert(
      fc.property(mutation, (change) => {
        sameAnswer(mutated(change));
      }),
      { numRuns: 3000 },
    );
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
    const reference =
      typeof type === 'string'
        ? published.get(type === 'whatsapp_template_status_update' ? 'whatsapp_template_status_updated' : type)
        : undefined;
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

  test('on 3,000 mutated fixtures (a field deleted or replaced at a random depth)', () => {
    fc.assert(
      fc.property(mutation, (change) => {
        bothAgree(mutated(change));
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
