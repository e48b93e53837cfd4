import { decorateDates, type InboundMessageEvent, type MessageStatusEvent } from '../lib/events';
import { fixture, fixtures } from './fixtures';

// docs/events.md#timestamps: the parsed dates sit beside the original strings without changing what the event serialises to.

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) for (const member of Object.values(value)) deepFreeze(member);
  return Object.freeze(value);
}

describe('decorateDates', () => {
  it('adds eventDate to every event, parsed from eventTime', () => {
    for (const name of Object.keys(fixtures)) {
      const event = decorateDates(fixture(name));
      expect(event.eventDate?.toISOString()).toBe(new Date(event.eventTime).toISOString());
    }
  });

  it.each(Object.keys(fixtures))('leaves %s serialising exactly as received, before and after the dates are read', (name) => {
    const event = decorateDates(fixture(name));
    expect(JSON.stringify(event)).toBe(JSON.stringify(fixtures[name]));
    const body = event.body as { sendDate?: Date; conversation?: { expireDate?: Date } };
    const read = [event.eventDate, body.sendDate, body.conversation?.expireDate];
    expect(read[0]).toBeInstanceOf(Date);
    expect(JSON.stringify(event)).toBe(JSON.stringify(fixtures[name]));
    expect(Object.keys(event)).toEqual(Object.keys(fixtures[name]!));
    expect({ ...event }).not.toHaveProperty('eventDate');
  });

  it('adds body.sendDate to inbound messages, distinct from eventDate (quirk 21)', () => {
    const event = decorateDates(fixture('mo-contacts-published')) as unknown as InboundMessageEvent;
    expect(event.body.sendDate).toEqual(new Date('2024-03-07T10:46:24.000Z'));
    expect(event.eventDate).toEqual(new Date('2024-03-08T09:42:06.363Z'));
    expect(Object.keys(event.body)).not.toContain('sendDate');
  });

  it('adds conversation.expireDate to status reports, from either format (quirk 2)', () => {
    const iso = decorateDates(fixture('status-delivered')) as unknown as MessageStatusEvent;
    expect(iso.body.conversation?.expireDate).toEqual(new Date('2023-02-23T12:00:00.000Z'));
    const table = decorateDates(fixture('status-full-field-set')) as unknown as MessageStatusEvent;
    expect(table.body.conversation?.expireDate).toEqual(new Date('2023-02-23T12:00:00.000Z'));
    expect(Object.keys(table.body.conversation!)).not.toContain('expireDate');
  });

  it('reads a time without a zone in the given time zone (the docs never state one)', () => {
    const event = decorateDates({ ...fixture('status-full-field-set'), eventTime: '2023-02-22 12:00:00' }, 'Asia/Shanghai');
    expect(event.eventDate).toEqual(new Date('2023-02-22T04:00:00.000Z'));
    expect((event.body as unknown as MessageStatusEvent['body']).conversation?.expireDate).toEqual(
      new Date('2023-02-23T04:00:00.000Z'),
    );
  });

  it('gives undefined, not an Invalid Date, for a value that is not a timestamp', () => {
    const event = decorateDates({ ...fixture('mo-text'), eventTime: 'yesterday' });
    expect(event.eventDate).toBeUndefined();
  });

  it('computes once, on first read', () => {
    const event = decorateDates(fixture('status-read'));
    const first = event.eventDate;
    (event as { eventTime: string }).eventTime = '2030-01-01T00:00:00.000Z';
    expect(event.eventDate).toBe(first);
  });

  it('replaces a payload key of the same name: the date is always parsed by the middleware', () => {
    const event = fixture('mo-text');
    (event as unknown as Record<string, unknown>).eventDate = '2000-01-01T00:00:00Z';
    event.body.sendDate = 'as sent';
    decorateDates(event);
    expect((event as unknown as Record<string, unknown>).eventDate).toEqual(new Date('2023-02-22T12:00:00.000Z'));
    expect(event.body.sendDate).toBeInstanceOf(Date);
    // Not enumerable, like every date the middleware adds: the JSON shows no date at all.
    expect(JSON.parse(JSON.stringify(event))).not.toHaveProperty('eventDate');
    expect(JSON.parse(JSON.stringify(event)).body).not.toHaveProperty('sendDate');
  });

  it('dates a frozen event on a copy, the payload left as it was', () => {
    const frozen = deepFreeze({ ...fixture('status-delivered'), eventDate: 'not a date' });
    const dated = decorateDates(frozen) as unknown as MessageStatusEvent;
    expect(dated.eventDate).toEqual(new Date('2023-02-22T12:00:00.000Z'));
    expect(dated.body.conversation?.expireDate).toEqual(new Date('2023-02-23T12:00:00.000Z'));
    expect(JSON.stringify(dated)).toBe(JSON.stringify(fixtures['status-delivered']));
    expect(frozen.eventDate).toBe('not a date');
  });

  it('adds nothing to bodies of other events, nor to a status without a conversation', () => {
    const name = decorateDates(fixture('template-status'));
    expect('sendDate' in name.body).toBe(false);
    const read = decorateDates(fixture('status-read'));
    expect(read.body).not.toHaveProperty('conversation');
  });
});
