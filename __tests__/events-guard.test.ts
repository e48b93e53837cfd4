import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { isInnopaasEvent } from '../lib';
import { createApp, credentials, expressVersions } from './helpers/app';
import { fixture } from './fixtures';

describe.each(expressVersions)('a route after the middleware tells events apart with isInnopaasEvent (%s)', (_name, express) => {
  const { app } = createApp(
    express,
    { passThrough: true },
    {
      route: true,
      after: (req, res) => {
        const ev = req.innopaasEvent;
        if (isInnopaasEvent(ev, 'whatsapp_template_status_updated')) res.json({ template: ev.body.templateStatus });
        else if (isInnopaasEvent(ev, 'whatsapp_mo_message_received')) res.json({ from: ev.body.from });
        else res.json({ other: ev ? String(ev.type) : null });
      },
    },
  );
  // A fresh id each time: the documented examples share ids, and dedupe would answer a duplicate.
  const post = (event: object) =>
    request(app)
      .post('/webhook')
      .set(credentials)
      .send({ ...event, id: randomUUID() });

  test('an inbound message, and both spellings of the template status event', async () => {
    expect((await post(fixture('mo-text'))).body).toEqual({ from: 'PHONE-NUMBER' });
    expect((await post(fixture('template-status'))).body).toEqual({ template: 'APPROVED' });
    expect((await post(fixture('template-status-update-spelling'))).body).toEqual({ template: 'APPROVED' });
  });

  test('an event of another type, or of a type outside the catalogue', async () => {
    expect((await post(fixture('status-read'))).body).toEqual({ other: 'whatsapp_message_status_updated' });
    expect((await post({ ...fixture('chat-mo'), type: 'whatsapp_brand_new' })).body).toEqual({ other: 'whatsapp_brand_new' });
  });
});

describe('isInnopaasEvent reads the envelope', () => {
  test('values that are not events are not', () => {
    const event = fixture('mo-text');
    for (const value of [undefined, null, 'whatsapp_mo_message_received', 42, [], { type: 'whatsapp_mo_message_received' }])
      expect(isInnopaasEvent(value, 'whatsapp_mo_message_received')).toBe(false);
    expect(isInnopaasEvent({ ...event, body: null }, 'whatsapp_mo_message_received')).toBe(false);
    expect(isInnopaasEvent({ ...event, id: 7 }, 'whatsapp_mo_message_received')).toBe(false);
    expect(isInnopaasEvent(event, 'whatsapp_mo_message_received')).toBe(true);
    // `constructor` and `__proto__` are not event types, whatever the prototype holds.
    expect(isInnopaasEvent({ ...event, type: 'constructor' }, 'whatsapp_mo_message_received')).toBe(false);
  });

  test('a name outside the catalogue throws (from JavaScript, a typo would otherwise be false forever)', () => {
    expect(() => isInnopaasEvent(fixture('mo-text'), 'whatsapp_mo_message_recieved' as never)).toThrow(
      /"whatsapp_mo_message_recieved" is not an InnoPaaS event type; expected one of whatsapp_message_status_updated, /,
    );
    // The other spelling of the template status type stands for it.
    expect(isInnopaasEvent(fixture('template-status'), 'whatsapp_template_status_update' as never)).toBe(true);
  });
});
