import { canonicalEventType, getContacts } from '../lib/events';
import { validationErrors as errorsOf } from './fixtures/ajv';
import { fixture, variant } from './fixtures';

// One test per quirk of docs/events.md#known-quirks (its numbers in the names): the schemas must
// accept every variant the docs show, since a rejected delivery is a lost or endlessly retried event.

describe('documentation quirks the schemas accept (docs/events.md#quirk-N)', () => {
  it('1: eventTime as `2023-02-22 12:00:00` and as ISO-8601, with or without ms or an offset', () => {
    for (const eventTime of [
      '2023-02-22 12:00:00',
      '2023-02-22T12:00:00.000Z',
      '2023-02-22T12:00:00Z',
      '2023-02-22T20:00:00+08:00',
    ]) {
      expect(errorsOf({ ...fixture('status-read'), eventTime })).toEqual([]);
    }
  });

  it('2: conversation.expireAt in both formats', () => {
    expect(fixture('status-delivered').body).toHaveProperty('conversation.expireAt', '2023-02-23T12:00:00.000Z');
    expect(fixture('status-full-field-set').body).toHaveProperty('conversation.expireAt', '2023-02-23 12:00:00');
    expect(errorsOf(fixture('status-delivered'))).toEqual([]);
    expect(errorsOf(fixture('status-full-field-set'))).toEqual([]);
  });

  it('3: conversation.id is optional', () => {
    expect(errorsOf(variant('status-delivered', (body) => delete body.conversation.id))).toEqual([]);
  });

  it('4: sendPhone (and uid) are optional though the table marks sendPhone required', () => {
    expect(fixture('status-read').body).not.toHaveProperty('sendPhone');
    expect(errorsOf(fixture('status-read'))).toEqual([]);
    expect(errorsOf(fixture('status-full-field-set'))).toEqual([]);
  });

  it('5: an undocumented extra property (currency) is allowed', () => {
    expect(fixture('status-delivered').body).toHaveProperty('currency', 'USD');
    expect(errorsOf(variant('status-read', (body) => (body.somethingNew = { nested: true })))).toEqual([]);
  });

  it.each(['delivered', 'read', 'failed', 'SMECL:FAILED', 'sent', 'deleted', 'warning'])(
    '6: status %s is accepted (open enumeration)',
    (status) => {
      expect(errorsOf(variant('status-read', (body) => (body.status = status)))).toEqual([]);
    },
  );

  it('7: SMECL:FAILED without errorData is accepted', () => {
    expect(errorsOf(variant('status-read', (body) => (body.status = 'SMECL:FAILED')))).toEqual([]);
  });

  it('8: errorData.errorCode as a string or a number, errors[].code as a number or a string', () => {
    expect(fixture('status-failed').body).toHaveProperty('errorData.errorCode', '131014');
    expect(errorsOf(variant('status-failed', (body) => (body.errorData.errorCode = 131014)))).toEqual([]);
    expect(fixture('mo-unknown').body).toHaveProperty(['errors', 0, 'code'], 131051);
    expect(errorsOf(fixture('mo-unknown'))).toEqual([]);
    expect(errorsOf(variant('mo-unknown', (body) => (body.errors[0].code = '131051')))).toEqual([]);
  });

  it('9: the document type, missing from the documented type list, is accepted and checked', () => {
    expect(errorsOf(fixture('mo-document'))).toEqual([]);
    expect(errorsOf(variant('mo-document', (body) => delete body.document.link))).toEqual([
      expect.objectContaining({ instancePath: '/document', params: { missingProperty: 'link' } }),
      expect.objectContaining({ keyword: 'if' }),
    ]);
  });

  describe('10: contacts under `contact` or `contacts`, as an object or an array', () => {
    const card = fixture('mo-contacts-object').body.contacts;
    it.each([
      ['contacts', 'object', card],
      ['contacts', 'array', [card]],
      ['contact', 'object', card],
      ['contact', 'array', [card, card]],
    ])('%s as %s', (key, _shape, cards) => {
      const event = variant('mo-contacts-object', (body) => {
        delete body.contacts;
        body[key] = cards;
      });
      expect(errorsOf(event)).toEqual([]);
      expect(getContacts(event.body)).toEqual(Array.isArray(cards) ? cards : [cards]);
    });

    it('neither key is rejected', () => {
      const errors = errorsOf(variant('mo-contacts-object', (body) => delete body.contacts));
      expect(errors).toContainEqual(expect.objectContaining({ keyword: 'anyOf', instancePath: '' }));
    });

    it('the published example (key `contact`, an array) reads as one card', () => {
      expect(getContacts(fixture('mo-contacts-published').body)).toHaveLength(1);
    });
  });

  it('11: phones[].wa_id, the one snake_case key, is typed', () => {
    expect(getContacts(fixture('mo-contacts-published').body)[0]?.phones?.[0]?.wa_id).toBe('CONTACT_WA_ID1');
    expect(errorsOf(variant('mo-contacts-published', (body) => (body.contact[0].phones[0].wa_id = 16505551234)))).toContainEqual(
      expect.objectContaining({ instancePath: '/contact/0/phones/0/wa_id', keyword: 'type' }),
    );
  });

  it.each(['image', 'video', 'audio', 'sticker', 'document'])('12: %s caption is optional', (type) => {
    expect(errorsOf(variant(`mo-${type}`, (body) => delete body[type].caption))).toEqual([]);
  });

  it('13: location coordinates are numbers, and a string coordinate is rejected', () => {
    expect(errorsOf(fixture('mo-location'))).toEqual([]);
    expect(errorsOf(variant('mo-location', (body) => (body.location.latitude = '39.90539')))).toContainEqual(
      expect.objectContaining({ instancePath: '/location/latitude', keyword: 'type' }),
    );
  });

  it('14: the whatsapp_template_status_update spelling is the same event', () => {
    const event = fixture('template-status-update-spelling');
    expect(canonicalEventType(event.type)).toBe('whatsapp_template_status_updated');
    expect(errorsOf(event)).toEqual([]);
  });

  it('17: the inbox `from` may hold a wamid, as in the MT example', () => {
    expect(fixture('chat-mt').body.from).toMatch(/^wamid\./);
    expect(errorsOf(fixture('chat-mt'))).toEqual([]);
  });

  it('18: the inbox context is message content, not a quoted-message reference', () => {
    expect(fixture('chat-mt').body.context).toEqual({ text: 'this is test message' });
    expect(errorsOf(variant('chat-mt', (body) => (body.context = { image: { link: 'http://x' } })))).toEqual([]);
    expect(errorsOf(variant('chat-mt', (body) => (body.context = 'this is test message')))).toContainEqual(
      expect.objectContaining({ instancePath: '/context', keyword: 'type' }),
    );
  });

  it('19: rejectionReason is required but may be null', () => {
    expect(fixture('phone-number-name-update').body.rejectionReason).toBeNull();
    expect(errorsOf(fixture('phone-number-name-update'))).toEqual([]);
    expect(errorsOf(variant('phone-number-name-update', (body) => (body.rejectionReason = 'NAME_FORMAT_UNACCEPTABLE')))).toEqual(
      [],
    );
    expect(errorsOf(variant('phone-number-name-update', (body) => delete body.rejectionReason))).toContainEqual(
      expect.objectContaining({ instancePath: '', params: { missingProperty: 'rejectionReason' } }),
    );
  });

  it.each([
    '356139161272397824',
    '63f5d602367ea403f8175a6c',
    'a1301cb6d0094b2fae36546c22e09044',
    'e5cb1bc6-ad90-419d-8f83-aa394c0b7cc7',
    '<event id>',
  ])('22: id %s is an opaque string, in the envelope and the body', (id) => {
    const event = variant('status-read', (body) => (body.id = id));
    expect(errorsOf({ ...event, id })).toEqual([]);
  });
});
