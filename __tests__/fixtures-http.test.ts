import request from 'supertest';
import { EVENT_TYPES, canonicalEventType, type EventHandlers, type InnopaasEvent } from '../lib';
import { fixtures } from './fixtures';
import { createApp, credentials, expressVersions } from './helpers/app';

/**
 * Every documented example (and one fixture per inbound message type) goes over real HTTP through the
 * middleware and must reach the handler registered for its type, with dates parsed beside the strings.
 */
describe.each(expressVersions)('every fixture reaches its typed handler (%s)', (_name, express) => {
  const received: { type: string; event: InnopaasEvent }[] = [];
  const on = Object.fromEntries(
    EVENT_TYPES.map((type) => [
      type,
      (event: InnopaasEvent) => {
        received.push({ type, event });
      },
    ]),
  ) as EventHandlers;
  const { app } = createApp(express, { on, dedupe: false });

  test.each(Object.entries(fixtures))('%s', async (_fixture, payload) => {
    received.length = 0;
    const res = await request(app).post('/webhook').set(credentials).send(payload).expect(200);
    expect(res.body).toEqual({ received: true });
    expect(received).toHaveLength(1);
    const [{ type, event }] = received as [{ type: string; event: InnopaasEvent }];
    expect(type).toBe(canonicalEventType(payload.type));
    expect(JSON.parse(JSON.stringify(event))).toEqual(payload);
    expect(event.eventDate?.toISOString()).toBe(new Date(payload.eventTime).toISOString());
  });
});

describe('parsed dates are offered beside the original strings', () => {
  test('eventTime, sendTime and conversation.expireAt in both formats, the zone-less one read in timeZone', async () => {
    const seen: Record<string, string | undefined> = {};
    const { app } = createApp(expressVersions[1][1], {
      timeZone: '+08:00',
      on: {
        whatsapp_mo_message_received: (event) => {
          seen.sendDate = event.body.sendDate?.toISOString();
        },
        whatsapp_message_status_updated: (event) => {
          seen.eventDate = event.eventDate?.toISOString();
          seen.expireDate = event.body.conversation?.expireDate?.toISOString();
          seen.expireAt = event.body.conversation?.expireAt;
        },
      },
    });
    const status = structuredClone(fixtures['status-full-field-set']) as unknown as { eventTime: string };
    status.eventTime = '2023-02-22 12:00:00';
    await request(app).post('/webhook').set(credentials).send(status).expect(200);
    await request(app).post('/webhook').set(credentials).send(fixtures['mo-text']).expect(200);
    expect(seen).toEqual({
      eventDate: '2023-02-22T04:00:00.000Z',
      expireAt: '2023-02-23 12:00:00',
      expireDate: '2023-02-23T04:00:00.000Z',
      sendDate: '2023-02-22T12:00:00.000Z',
    });
  });
});
