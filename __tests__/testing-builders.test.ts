import { EVENT_TYPES, type EventMap, type InnopaasEvent } from '../lib/events';
import {
  DEFAULT_EXAMPLES,
  INBOUND_MESSAGE_TYPES,
  MESSAGE_EXAMPLES,
  buildEvent,
  buildInboundMessage,
  examples,
} from '../lib/testing';
import { getValidators, validateEvent } from '../lib/stages/validate';
import { fixtures } from './fixtures';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The middleware's own verdict: throws with the problems when the event is invalid. */
function expectValid(event: unknown): void {
  const result = validateEvent(getValidators(), JSON.parse(JSON.stringify(event)));
  expect(result.known).toBe(true);
}

describe('examples', () => {
  it('embeds every fixture of __tests__/fixtures, equal to the file', () => {
    expect(Object.keys(examples).sort()).toEqual(Object.keys(fixtures).sort());
    for (const [name, fixture] of Object.entries(fixtures))
      expect([name, examples[name as keyof typeof examples]]).toEqual([name, fixture]);
  });

  it('is frozen, so that no test can change what the next builds from', () => {
    expect(Object.isFrozen(examples['mo-image'].body)).toBe(true);
  });
});

describe('buildEvent', () => {
  it.each(EVENT_TYPES)('builds a valid %s from its documented example', (type) => {
    const event = buildEvent(type);
    expectValid(event);
    // Only the envelope id, eventTime (and an inbound message's sendTime) are new.
    const expected = structuredClone(examples[DEFAULT_EXAMPLES[type]]) as {
      id: string;
      eventTime: string;
      body: Record<string, unknown>;
    };
    Object.assign(expected, { id: event.id, eventTime: event.eventTime });
    if ('sendTime' in expected.body) expected.body.sendTime = event.eventTime;
    expect(event).toEqual(expected);
  });

  it.each(INBOUND_MESSAGE_TYPES)('starts from the %s example when body.type names it', (messageType) => {
    const event = buildEvent('whatsapp_mo_message_received', { body: { type: messageType } });
    expectValid(event);
    const { sendTime: _sendTime, ...body } = examples[MESSAGE_EXAMPLES[messageType]].body as Record<string, unknown>;
    expect(event.body).toMatchObject(body);
  });

  it('gives each call a fresh UUID and the current time', () => {
    const before = Date.now();
    const [a, b] = [buildEvent('whatsapp_message_status_updated'), buildEvent('whatsapp_message_status_updated')];
    expect(a.id).toMatch(UUID);
    expect(b.id).toMatch(UUID);
    expect(a.id).not.toBe(b.id);
    expect(Date.parse(a.eventTime)).toBeGreaterThanOrEqual(before - 1);
    expect(a.eventTime).toBe(new Date(a.eventTime).toISOString());
    const message = buildEvent('whatsapp_mo_message_received');
    expect(message.body.sendTime).toBe(message.eventTime);
  });

  it('keeps the id, eventTime and sendTime given as overrides', () => {
    const event = buildEvent('whatsapp_mo_message_received', {
      id: 'fixed',
      eventTime: '2023-02-22 12:00:00',
      body: { sendTime: '2023-02-21T12:00:00.000Z' },
    });
    expect(event).toMatchObject({
      id: 'fixed',
      eventTime: '2023-02-22 12:00:00',
      body: { sendTime: '2023-02-21T12:00:00.000Z' },
    });
    expect(event.eventDate).toEqual(new Date('2023-02-22T12:00:00.000Z'));
  });

  it('deep-merges overrides: nested keys change, their siblings stay', () => {
    const event = buildEvent('whatsapp_mo_message_received', {
      body: { type: 'image', image: { caption: 'receipt' }, customerProfile: { name: 'Ana' } },
    });
    expect(event.body).toMatchObject({
      type: 'image',
      image: { caption: 'receipt', mimeType: 'image/jpeg', sha256: 'IMAGE_HASH', link: 'http://xxxxxxxxxx' },
      customerProfile: { name: 'Ana' },
      wabaId: 'WHATSAPP_BUSINESS_ACCOUNT_ID',
    });
    expect(event.body).not.toHaveProperty('text');
    expectValid(event);
  });

  it('replaces arrays whole and removes keys set to undefined', () => {
    const errors = [{ code: 1, title: 'only one' }];
    const event = buildEvent('whatsapp_mo_message_received', { body: { type: 'unknown', errors, customerProfile: undefined } });
    expect(event.body).toMatchObject({ type: 'unknown', errors });
    expect(event.body).not.toHaveProperty('customerProfile');
    errors[0]!.code = 2;
    expect(event.body).toMatchObject({ errors: [{ code: 1 }] });
  });

  it('can build an invalid event on purpose, for negative tests', () => {
    const event = buildEvent('whatsapp_message_status_updated', { body: { wamid: undefined } });
    expect(() => validateEvent(getValidators(), event)).toThrow(expect.objectContaining({ code: 'invalid_event' }));
  });

  it('starts a status report from the example of the status named', () => {
    expect(buildEvent('whatsapp_message_status_updated', { body: { status: 'failed' } }).body.errorData).toEqual(
      examples['status-failed'].body.errorData,
    );
    expect(buildEvent('whatsapp_message_status_updated', { body: { status: 'read' } }).body).not.toHaveProperty('conversation');
    expect(buildEvent('whatsapp_message_status_updated', { body: { status: 'SMECL:FAILED' } }).body.status).toBe('SMECL:FAILED');
  });

  it('builds an interactive button reply from its own example', () => {
    const event = buildEvent('whatsapp_mo_message_received', {
      body: { type: 'interactive', interactive: { type: 'buttonReply' } },
    });
    expect(event.body).toMatchObject({
      interactive: { type: 'buttonReply', buttonReply: { id: 'unique-button-identifier-here' } },
    });
    expect(event.body).not.toHaveProperty('interactive.listReply');
  });

  it('accepts the whatsapp_template_status_update spelling (quirk 14)', () => {
    const event = buildEvent('whatsapp_template_status_updated', { type: 'whatsapp_template_status_update' });
    expect(event.type).toBe('whatsapp_template_status_update');
    expectValid(event);
  });

  it('gives the parsed dates a handler sees, outside the JSON', () => {
    const event = buildEvent('whatsapp_message_status_updated');
    expect(event.eventDate).toEqual(new Date(event.eventTime));
    expect(event.body.conversation?.expireDate).toEqual(new Date('2023-02-23T12:00:00.000Z'));
    expect(Object.keys(event)).toEqual(['id', 'type', 'eventTime', 'body']);
  });

  it('never lets an override reach Object.prototype', () => {
    buildEvent('chat_mt_message_notify', JSON.parse('{"body":{"__proto__":{"polluted":true}}}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects a type outside the catalogue', () => {
    expect(() => buildEvent('nope' as never)).toThrow(/unknown event type "nope"/);
  });

  it('is typed by event type', () => {
    const status: EventMap['whatsapp_message_status_updated'] = buildEvent('whatsapp_message_status_updated', {
      body: { status: 'read' },
    });
    const any: InnopaasEvent = buildEvent('chat_mo_message_notify');
    // @ts-expect-error `status` belongs to status reports, not to inbox events
    buildEvent('chat_mo_message_notify', { body: { status: 'read' } });
    // @ts-expect-error a wrong value type
    buildEvent('whatsapp_message_status_updated', { body: { wamid: 42 } });
    expect([status.type, any.type]).toEqual(['whatsapp_message_status_updated', 'chat_mo_message_notify']);
  });
});

describe('buildInboundMessage', () => {
  it.each(INBOUND_MESSAGE_TYPES)('builds a valid %s message', (messageType) => {
    const event = buildInboundMessage(messageType);
    expectValid(event);
    expect(event).toMatchObject({ type: 'whatsapp_mo_message_received', body: { type: messageType } });
  });

  it('is typed by message type and takes body overrides', () => {
    const event = buildInboundMessage('text', { text: { body: 'STOP' } }, { id: 'evt-1' });
    const text: string = event.body.text.body;
    expect([event.id, text]).toEqual(['evt-1', 'STOP']);
    // @ts-expect-error an image message has no `text`
    expect(buildInboundMessage('image').body.text).toBeUndefined();
  });

  it('rejects a message type that is not documented', () => {
    expect(() => buildInboundMessage('nfm_reply' as never)).toThrow(/unknown message type "nfm_reply"/);
  });

  it('an envelope field given as undefined counts as not given: a fresh id, not none', () => {
    const maybeId: string | undefined = undefined;
    const event = buildInboundMessage('text', {}, { id: maybeId, eventTime: undefined });
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(typeof event.eventTime).toBe('string');
  });
});
