import { bodySchemas, envelopeSchema, EVENT_TYPES, eventSchema } from '../lib';
import { validatorSchemas } from '../lib/validation/schemas';

/**
 * Regular expressions in the schemas run on strings an unauthenticated-looking payload chooses (after
 * authentication, but from a sender that may be compromised or buggy): each `pattern` must come with a
 * `maxLength`, and none may backtrack catastrophically (ReDoS). ajv's own advice (https://ajv.js.org/security.html).
 */

interface Finding {
  path: string;
  problem: string;
}

/** Longest string a bounded `pattern` may be asked to match. */
const MAX_PATTERN_INPUT = 4096;

// A quantified group holding a quantifier — (a+)+, (\w*\s?)*, (x|y+){2,} — is the classic shape
// whose matching time explodes on a near-miss input.
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*[+*]|\{\d*,\}(?:[^()\\]|\\.)*\)(?:[+*]|\{\d*,\d*\})/;

/** Walks every sub-schema (objects and arrays alike) and lists what is unsafe about its patterns. */
function audit(schema: unknown, path = '#', findings: Finding[] = [], visited = { nodes: 0, patterns: 0 }) {
  if (Array.isArray(schema)) {
    schema.forEach((item, i) => audit(item, `${path}/${i}`, findings, visited));
    return { findings, visited };
  }
  if (typeof schema !== 'object' || schema === null) return { findings, visited };
  visited.nodes += 1;
  const node = schema as Record<string, unknown>;
  if (typeof node.pattern === 'string') {
    visited.patterns += 1;
    const maxLength = node.maxLength;
    if (typeof maxLength !== 'number') findings.push({ path, problem: `pattern ${node.pattern} without maxLength` });
    else if (maxLength > MAX_PATTERN_INPUT)
      findings.push({ path, problem: `pattern ${node.pattern} with maxLength ${maxLength} > ${MAX_PATTERN_INPUT}` });
    if (NESTED_QUANTIFIER.test(node.pattern))
      findings.push({ path, problem: `pattern ${node.pattern} nests quantifiers (ReDoS)` });
    else if (matchTakesLong(node.pattern, Math.min(Number(maxLength) || MAX_PATTERN_INPUT, MAX_PATTERN_INPUT)))
      findings.push({ path, problem: `pattern ${node.pattern} is slow on a near miss` });
  }
  // Property names are unbounded unless propertyNames says otherwise.
  if (node.patternProperties && !(node.propertyNames as { maxLength?: number } | undefined)?.maxLength) {
    findings.push({ path, problem: 'patternProperties without propertyNames.maxLength' });
  }
  if (typeof node.format === 'string')
    findings.push({ path, problem: `format ${node.format}: unchecked without ajv-formats, and some formats are regex-heavy` });
  for (const [key, value] of Object.entries(node)) {
    // `examples`, `enum`, `const` and `default` hold data, not schemas.
    if (!['examples', 'enum', 'const', 'default'].includes(key)) audit(value, `${path}/${key}`, findings, visited);
  }
  return { findings, visited };
}

/**
 * Times the pattern on near misses built from its own literal characters, growing the length slowly
 * (by 2 up to 64, then doubling) up to `length`: an exponential pattern shows at a couple of dozen
 * characters, a few steps before one match could take minutes.
 */
function matchTakesLong(pattern: string, length: number): boolean {
  const regex = new RegExp(pattern, 'u');
  // Only ASCII is left after the replace, so splitting by code unit splits no character.
  const alphabet =
    [
      ...new Set(
        pattern
          .replace(/\\./g, '')
          .replace(/[^\w -]/g, '')
          .split(''),
      ),
    ].join('') || 'a';
  for (let size = 8; size < length * 2; size = size < 64 ? size + 2 : size * 2) {
    for (const unit of [alphabet, 'a', '0', ' ', alphabet.split('').reverse().join('')]) {
      const input = unit.repeat(Math.ceil(size / unit.length)).slice(0, Math.min(size, length) - 1) + '\u0000';
      const started = process.hrtime.bigint();
      regex.test(input);
      if (Number(process.hrtime.bigint() - started) / 1e6 > 20) return true;
    }
  }
  return false;
}

describe('regular expressions in the published schemas are bounded', () => {
  test('the auditor itself flags what it is meant to (else a clean result proves nothing)', () => {
    const { findings } = audit({
      properties: {
        unbounded: { type: 'string', pattern: '^[a-z]+$' },
        nested: { type: 'string', pattern: '^(a+)+$', maxLength: 64 },
        alternation: { type: 'string', pattern: '^(a|a)*$', maxLength: 64 },
        huge: { type: 'string', pattern: '^[a-z]+$', maxLength: 1_000_000 },
        keys: { type: 'object', patternProperties: { '^x-': {} } },
        fine: { type: 'string', pattern: '^[0-9a-f]{32}$', maxLength: 32 },
      },
    });
    expect(findings.map((f) => f.path)).toEqual([
      '#/properties/unbounded',
      '#/properties/nested',
      '#/properties/alternation',
      '#/properties/huge',
      '#/properties/keys',
    ]);
  });

  test('the envelope bounds every string it requires (id, type, eventTime feed dedupe keys and logs)', () => {
    for (const key of ['id', 'type', 'eventTime'] as const) {
      expect(typeof envelopeSchema.properties[key].maxLength).toBe('number');
    }
  });

  test.each([...EVENT_TYPES])('%s: every pattern bounded, none backtracking (body and full event schema)', (type) => {
    const body = audit(bodySchemas[type]);
    const full = audit(eventSchema(type));
    expect(body.findings).toEqual([]);
    expect(full.findings).toEqual([]);
    // The walk reached the nested schemas (allOf/if/then, items): more than a handful of nodes.
    expect(full.visited.nodes).toBeGreaterThan(body.visited.nodes);
  });

  test('the envelope has no unsafe pattern', () => {
    expect(audit(envelopeSchema).findings).toEqual([]);
  });
});

/**
 * A validator stops at MAX_FAILED_CHECKS failed checks (lib/validation/runtime.ts). That is only sound if
 * no schema can fail that many checks inside an `anyOf` branch and still pass through a later one: a
 * branch that checks nested values must have a JSON type that no sibling lacks or shares, so that a value
 * of its type fails every other branch too. `oneOf`, `not` and `if` also discard the failures of a
 * sub-schema, so they must not appear in what the validators compile.
 */
describe('every anyOf fails shallowly before a sibling can pass (the validators stop at MAX_FAILED_CHECKS)', () => {
  const isDeep = (branch: Record<string, unknown>): boolean =>
    ['items', 'prefixItems', 'additionalProperties', 'patternProperties', 'allOf', 'anyOf', 'oneOf', 'if', 'not'].some(
      (key) => branch[key] !== undefined && branch[key] !== true,
    ) || Object.values((branch.properties ?? {}) as Record<string, unknown>).some((member) => member !== true);

  function check(schema: unknown, path: string, problems: string[]): void {
    if (Array.isArray(schema)) {
      schema.forEach((item, i) => {
        check(item, `${path}/${i}`, problems);
      });
      return;
    }
    if (typeof schema !== 'object' || schema === null) return;
    const node = schema as Record<string, unknown>;
    for (const keyword of ['oneOf', 'not', 'if']) if (node[keyword] !== undefined) problems.push(`${path}: ${keyword}`);
    if (Array.isArray(node.anyOf)) {
      const branches = node.anyOf as Record<string, unknown>[];
      branches.forEach((branch, i) => {
        if (!isDeep(branch)) return;
        const siblings = branches.filter((_, j) => j !== i);
        if (
          typeof branch.type !== 'string' ||
          siblings.some((other) => typeof other.type !== 'string' || other.type === branch.type)
        )
          problems.push(`${path}/anyOf/${i}: checks nested values but shares its type with a sibling`);
      });
    }
    for (const [key, value] of Object.entries(node)) {
      if (!['examples', 'enum', 'const', 'default'].includes(key)) check(value, `${path}/${key}`, problems);
    }
  }

  test.each(Object.entries(validatorSchemas()))('%s', (_name, schema) => {
    const problems: string[] = [];
    check(schema, '#', problems);
    expect(problems).toEqual([]);
  });

  test('the check itself flags a deep branch beside a branch that can pass', () => {
    const problems: string[] = [];
    check({ anyOf: [{ type: 'object', properties: { a: { type: 'string' } } }, { required: ['b'] }] }, '#', problems);
    expect(problems).toHaveLength(1);
  });
});
