import { EVENT_TYPES, EVENT_TYPE_ALIASES, bodySchemas, canonicalEventType, envelopeSchema, eventSchema } from '../lib/events';
import { MO_MESSAGE_TYPES } from '../lib/events/inbound/common';
import { moMessageTypeSchemas } from '../lib/events/inbound/members';

describe('the event catalogue', () => {
  it('lists the nine documented types and a body schema for each', () => {
    expect(EVENT_TYPES).toHaveLength(9);
    expect(Object.keys(bodySchemas).sort()).toEqual([...EVENT_TYPES].sort());
  });

  it('resolves a canonical type to itself and the template alias to its type (quirk 14)', () => {
    for (const type of EVENT_TYPES) expect(canonicalEventType(type)).toBe(type);
    expect(canonicalEventType('whatsapp_template_status_update')).toBe('whatsapp_template_status_updated');
    expect(EVENT_TYPE_ALIASES).toEqual({ whatsapp_template_status_update: 'whatsapp_template_status_updated' });
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', '', 'WHATSAPP_MESSAGE_STATUS_UPDATED'])(
    'finds nothing for %p',
    (type) => {
      expect(canonicalEventType(type)).toBeUndefined();
    },
  );

  it('has an if/then rule for every documented message type, and no other', () => {
    const rules = bodySchemas.whatsapp_mo_message_received.allOf as { if: { properties: { type: { const: string } } } }[];
    expect(rules.map((rule) => rule.if.properties.type.const)).toEqual([...MO_MESSAGE_TYPES]);
    expect(Object.keys(moMessageTypeSchemas)).toEqual([...MO_MESSAGE_TYPES]);
  });
});

describe('eventSchema', () => {
  it('wraps the body schema in the envelope, as a titled draft-07 document', () => {
    const schema = eventSchema('whatsapp_message_status_updated');
    expect(schema).toMatchObject({
      $schema: 'http://json-schema.org/draft-07/schema#',
      title: 'InnoPaaS whatsapp_message_status_updated event',
      required: envelopeSchema.required,
      additionalProperties: true,
      properties: {
        id: envelopeSchema.properties.id,
        type: { type: 'string', enum: ['whatsapp_message_status_updated'] },
        body: bodySchemas.whatsapp_message_status_updated,
      },
    });
  });

  it('admits the aliases of a type', () => {
    const schema = eventSchema('whatsapp_template_status_updated') as { properties: { type: { enum: string[] } } };
    expect(schema.properties.type.enum).toEqual(['whatsapp_template_status_updated', 'whatsapp_template_status_update']);
  });
});
