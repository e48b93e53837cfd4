import { EVENT_TYPES, bodySchemas, canonicalEventType, envelopeSchema, eventSchema } from '../lib/events';
import { strictAjv } from './fixtures/ajv';
import { fixtures } from './fixtures';

const ajv = strictAjv();
const validateEnvelope = ajv.compile(envelopeSchema);
const validateBody = Object.fromEntries(EVENT_TYPES.map((type) => [type, ajv.compile(bodySchemas[type])]));
const validateEvent = Object.fromEntries(EVENT_TYPES.map((type) => [type, strictAjv().compile(eventSchema(type))]));

describe('the schemas', () => {
  it.each(EVENT_TYPES)('%s compiles under strict ajv without a single warning', (type) => {
    expect(() => strictAjv().compile(bodySchemas[type])).not.toThrow();
    expect(() => strictAjv().compile(eventSchema(type))).not.toThrow();
  });

  it('give every object schema additionalProperties: true, and no pattern or format', () => {
    const offences: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (Array.isArray(node)) {
        node.forEach((item, i) => {
          walk(item, `${path}/${i}`);
        });
        return;
      }
      if (typeof node !== 'object' || node === null) return;
      const schema = node as Record<string, unknown>;
      if (schema.type === 'object' && schema.additionalProperties !== true) offences.push(`${path}: additionalProperties`);
      if ('pattern' in schema || 'format' in schema) offences.push(`${path}: pattern/format`);
      for (const [key, value] of Object.entries(schema)) walk(value, `${path}/${key}`);
    };
    walk(envelopeSchema, 'envelope');
    for (const type of EVENT_TYPES) walk(bodySchemas[type], type);
    expect(offences).toEqual([]);
  });
});

describe.each(Object.entries(fixtures))('fixture %s', (_name, event) => {
  const type = canonicalEventType(event.type);

  it('is a known event type', () => {
    expect(type).toBeDefined();
  });

  it('passes the envelope schema', () => {
    expect(validateEnvelope(event)).toBe(true);
  });

  it('passes its body schema', () => {
    const validate = validateBody[type!]!;
    expect([validate(event.body), validate.errors ?? []]).toEqual([true, []]);
  });

  it('passes the published event schema', () => {
    const validate = validateEvent[type!]!;
    expect([validate(event), validate.errors ?? []]).toEqual([true, []]);
  });
});

describe('fixture coverage', () => {
  it('has at least one fixture per event type', () => {
    const covered = new Set(Object.values(fixtures).map((event) => canonicalEventType(event.type)));
    expect([...EVENT_TYPES].filter((type) => !covered.has(type))).toEqual([]);
  });

  it('has one inbound fixture per documented message type', () => {
    const types = Object.values(fixtures)
      .filter((event) => event.type === 'whatsapp_mo_message_received')
      .map((event) => event.body.type);
    expect(new Set(types)).toEqual(
      new Set([
        'text',
        'reaction',
        'image',
        'video',
        'audio',
        'sticker',
        'document',
        'location',
        'contacts',
        'button',
        'interactive',
        'unknown',
        'order',
        'system',
      ]),
    );
  });
});
