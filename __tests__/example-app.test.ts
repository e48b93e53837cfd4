import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express5 from 'express';
import express4 from 'express4';
import request from 'supertest';
import samples from '../example-app/samples.json';

// The example requires the built package (`require('..')`), as a user's app would.
if (!existsSync(path.join(__dirname, '..', 'dist', 'index.js'))) {
  throw new Error('dist/index.js is missing: run npm run build first (the example app requires the built package).');
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createExampleApp } = require('../example-app/app') as typeof import('../example-app/app');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { EVENT_TYPES } = require('..') as typeof import('../lib');

const USER = 'example-user';
const AUTH = 'Example-Authorization-5d1c';
const webhookHeaders = { UserName: USER, Authorization: AUTH };
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

type Sample = keyof typeof samples;
const withId = (name: Sample, id: string) => ({ ...samples[name], id });

function create(options: Partial<Parameters<typeof createExampleApp>[0]> = {}) {
  const lines: string[] = [];
  const created = createExampleApp({ userName: USER, authorization: AUTH, log: (line) => lines.push(line), ...options });
  return { ...created, lines };
}

const summaries: [Sample, string][] = [
  ['inboundText', 'inbound text from PHONE-NUMBER: "OK"'],
  ['inboundImage', 'inbound image from PHONE-NUMBER (image/jpeg): "CAPTION"'],
  ['statusDelivered', 'status delivered for 356139161272397824'],
  ['statusRead', 'status read for 356139161272397824'],
  [
    'statusFailed',
    'status failed for 356139161272397824 (error 131014: "Request for url https://URL.jpg failed with error: 404 (Not Found)")',
  ],
  ['templateStatus', 'template transland_common_otp (en_US) APPROVED'],
  ['templateQuality', 'template transland_common_otp quality GREEN -> YELLOW'],
  ['templateCategory', 'template ? category ? -> ?'],
  ['accountReview', 'account review ? for WABA ?'],
  ['phoneNumberName', 'display name "Example Brand" APPROVED for 8618912123456'],
  ['chatMt', 'inbox outbound text to PHONE-NUMBER: "this is test message"'],
  ['chatMo', 'inbox inbound text from PHONE-NUMBER: "hello"'],
];

describe.each([
  ['Express 4', express4],
  ['Express 5', express5],
])('example app webhook (%s)', (_name, express) => {
  test('the samples cover every event type of the catalogue', () => {
    const covered = new Set(summaries.map(([name]) => samples[name].type));
    expect([...covered].sort()).toEqual([...EVENT_TYPES].sort());
  });

  test.each(summaries)('%s → 200 and the one-line summary %j', async (name, line) => {
    const { app, lines } = create({ express });
    await request(app).post('/webhook').set(webhookHeaders).send(samples[name]).expect(200);
    expect(lines).toEqual([line]);
  });

  test('wrong credentials → 401 and no handler runs', async () => {
    const { app, lines } = create({ express });
    await request(app).post('/webhook').set({ UserName: USER, Authorization: 'wrong' }).send(samples.inboundText).expect(401);
    expect(lines).toEqual([]);
  });

  test('an invalid event → 400, logged with its first problem', async () => {
    const { app, lines } = create({ express });
    const res = await request(app).post('/webhook').set(webhookHeaders).send(samples.invalidStatus).expect(400);
    expect(res.body.code).toBe('invalid_event');
    expect(lines).toEqual([`rejected invalid_event: "/body must have required property 'wamid'" (+1 more)`]);
  });

  test('an unknown type is acknowledged, a repeated id is a duplicate', async () => {
    const { app, lines } = create({ express });
    await request(app)
      .post('/webhook')
      .set(webhookHeaders)
      .send({ ...samples.accountReview, type: 'brand_new_event' })
      .expect(200);
    await request(app).post('/webhook').set(webhookHeaders).send(samples.inboundText).expect(200);
    await request(app).post('/webhook').set(webhookHeaders).send(samples.inboundText).expect(200);
    expect(lines).toEqual([
      'unknown event type "brand_new_event" acknowledged',
      'inbound text from PHONE-NUMBER: "OK"',
      'duplicate b5e984b3-21b2-42a9-b08b-72e5a4096ac6 ignored (already handled)',
    ]);
  });

  test('status reports out of order: the older one is logged as such and the newer status kept', async () => {
    const { app, lines, messages } = create({ express });
    for (const name of ['statusRead', 'statusDelivered', 'statusFailed', 'statusDelivered'] as const)
      await request(app)
        .post('/webhook')
        .set(webhookHeaders)
        .send(withId(name, `${name}-${lines.length}`))
        .expect(200);
    expect(lines).toEqual([
      'status read for 356139161272397824',
      'status delivered for 356139161272397824 (not newer than read, which is kept)',
      'status failed for 356139161272397824 (error 131014: "Request for url https://URL.jpg failed with error: 404 (Not Found)")',
      'status delivered for 356139161272397824 (not newer than failed, which is kept)',
    ]);
    expect(messages.list()).toEqual([
      expect.objectContaining({
        id: '356139161272397824',
        status: 'failed',
        error: '131014',
        lastReport: 'delivered',
        reports: 4,
      }),
    ]);
  });

  test('payload text cannot forge log lines', async () => {
    const { app, lines } = create({ express });
    const event = withId('inboundText', 'forged-1');
    event.body = { ...event.body, from: 'x\nFAKE', text: { body: 'hi\n2026-01-01 status read for 1\u001b[31m' } };
    await request(app).post('/webhook').set(webhookHeaders).send(event).expect(200);
    expect(lines).toEqual(['inbound text from x?FAKE: "hi\\n2026-01-01 status read for 1\\u001b[31m"']);
  });
});

describe.each([
  ['Express 4', express4],
  ['Express 5', express5],
])('example app inspector (%s)', (_name, express) => {
  test('is off unless enabled: 404 with a hint, nothing recorded', async () => {
    const { app, inspector } = create({ express });
    expect(inspector).toBeNull();
    const res = await request(app).get('/').expect(404);
    expect(res.text).toMatch(/INSPECTOR=1/);
    await request(app).get('/inspector/deliveries').auth(USER, AUTH).expect(404);
    await request(app).get('/inspector/events').auth(USER, AUTH).expect(404);
  });

  test('needs basic auth, with the webhook credentials by default', async () => {
    const { app } = create({ express, inspector: { enabled: true } });
    const denied = await request(app).get('/').expect(401);
    expect(denied.headers['www-authenticate']).toMatch(/^Basic realm="InnoPaaS webhook inspector"/);
    await request(app).get('/').auth(USER, 'wrong').expect(401);
    await request(app).get('/').set('Authorization', 'Bearer x').expect(401);
    const page = await request(app).get('/').auth(USER, AUTH).expect(200);
    expect(page.text).toContain('InnoPaaS webhook inspector');
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    await request(app)
      .get('/inspector.js')
      .auth(USER, AUTH)
      .expect(200)
      .expect('Content-Type', /javascript/);
  });

  test('its own user and password replace the webhook credentials', async () => {
    const { app } = create({ express, inspector: { enabled: true, userName: 'viewer', password: 'pass:with:colons' } });
    await request(app).get('/inspector/deliveries').auth(USER, AUTH).expect(401);
    await request(app).get('/inspector/deliveries').set('Authorization', basic('viewer', 'pass:with:colons')).expect(200);
  });

  test('the webhook keeps its own header check, whatever the inspector', async () => {
    const { app } = create({ express, inspector: { enabled: true } });
    await request(app).post('/webhook').auth(USER, AUTH).send(samples.inboundText).expect(401);
  });

  test('records every delivery newest first, with status, types and problems, never a credential', async () => {
    const { app } = create({ express, inspector: { enabled: true } });
    await request(app).post('/webhook').set(webhookHeaders).send(samples.inboundText).expect(200);
    await request(app).post('/webhook').set(webhookHeaders).send(samples.statusRead).expect(200);
    await request(app).post('/webhook').set(webhookHeaders).send(samples.invalidStatus).expect(400);
    await request(app).post('/webhook').set({ UserName: USER, Authorization: 'guess' }).send(samples.chatMo).expect(401);
    await request(app).post('/webhook').set(webhookHeaders).send(samples.inboundText).expect(200);
    await request(app).post('/webhook').set(webhookHeaders).send({}).expect(200);

    const list = (await request(app).get('/inspector/deliveries').auth(USER, AUTH).expect(200)).body as Delivery[];
    expect(list.map((d) => [d.status, d.eventType, d.messageType, d.outcome])).toEqual([
      [200, null, null, 'empty body (connectivity test)'],
      [200, 'whatsapp_mo_message_received', 'text', 'duplicate: handlers not called again'],
      [401, null, null, 'UserName/Authorization did not match'],
      [400, 'whatsapp_message_status_updated', null, 'invalid_event'],
      [200, 'whatsapp_message_status_updated', null, 'handled'],
      [200, 'whatsapp_mo_message_received', 'text', 'handled'],
    ]);
    expect(list[3]!.problems).toEqual([
      { path: '/body', message: "must have required property 'wamid'" },
      { path: '/body/status', message: 'must be string' },
    ]);

    const detail = (await request(app).get(`/inspector/deliveries/${list[5]!.seq}`).auth(USER, AUTH).expect(200)).body;
    expect(detail.payload).toBe(JSON.stringify(samples.inboundText, null, 2));
    const rejected = (await request(app).get(`/inspector/deliveries/${list[2]!.seq}`).auth(USER, AUTH).expect(200)).body;
    expect(rejected.payload).toBeNull();
    const everything = JSON.stringify([list, detail, rejected]);
    expect(everything).not.toContain(AUTH);
    expect(everything).not.toContain('guess');
  });

  test("shows each message's latest status, never downgraded, most recently reported first", async () => {
    const { app } = create({ express, inspector: { enabled: true } });
    const report = (id: string, eventId: string, status: string) =>
      request(app)
        .post('/webhook')
        .set(webhookHeaders)
        .send({ ...samples.statusRead, id: eventId, body: { ...samples.statusRead.body, id, status } })
        .expect(200);
    await report('msg-1', 'e-1', 'read');
    await report('msg-2', 'e-2', 'sent');
    await report('msg-1', 'e-3', 'delivered');
    await report('msg-2', 'e-4', 'delivered');
    const list = (await request(app).get('/inspector/messages').auth(USER, AUTH).expect(200)).body;
    expect(
      list.map((m: { id: string; status: string; lastReport: string; reports: number }) => [
        m.id,
        m.status,
        m.lastReport,
        m.reports,
      ]),
    ).toEqual([
      ['msg-2', 'delivered', 'delivered', 2],
      ['msg-1', 'read', 'delivered', 2],
    ]);
    await request(app).get('/inspector/messages').expect(401);
  });

  test('keeps only the last `max` deliveries', async () => {
    const { app } = create({ express, inspector: { enabled: true, max: 3 } });
    for (let i = 1; i <= 5; i += 1)
      await request(app)
        .post('/webhook')
        .set(webhookHeaders)
        .send(withId('statusRead', `id-${i}`))
        .expect(200);
    const list = (await request(app).get('/inspector/deliveries').auth(USER, AUTH).expect(200)).body;
    expect(list.map((d: { eventId: string }) => d.eventId)).toEqual(['id-5', 'id-4', 'id-3']);
    await request(app).get('/inspector/deliveries/1').auth(USER, AUTH).expect(404);
  });
});

describe('inspector event stream', () => {
  test('sends the list, then each delivery as it settles; close() ends it', async () => {
    const { app, inspector } = create({ inspector: { enabled: true } });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await request(server).post('/webhook').set(webhookHeaders).send(samples.statusRead).expect(200);
      const events: { name: string; data: unknown }[] = [];
      let ended = false;
      const stream = await new Promise<http.IncomingMessage>((resolve) => {
        http.get({ port, host: '127.0.0.1', path: '/inspector/events', headers: { Authorization: basic(USER, AUTH) } }, resolve);
      });
      expect(stream.statusCode).toBe(200);
      expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
      let buffer = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const name = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (name && data) events.push({ name, data: JSON.parse(data) });
        }
      });
      stream.on('end', () => {
        ended = true;
      });
      await waitFor(() => events.length === 2);
      expect(events[0]).toMatchObject({
        name: 'snapshot',
        data: [{ eventType: 'whatsapp_message_status_updated', status: 200 }],
      });
      expect(events[1]).toMatchObject({ name: 'messages', data: [{ id: '356139161272397824', status: 'read' }] });

      await request(server).post('/webhook').set(webhookHeaders).send(samples.invalidStatus).expect(400);
      await waitFor(() => events.length === 3);
      expect(events[2]).toMatchObject({ name: 'delivery', data: { status: 400, outcome: 'invalid_event' } });

      // An older report: the message keeps its status, and the page is told of the report.
      await request(server).post('/webhook').set(webhookHeaders).send(samples.statusDelivered).expect(200);
      await waitFor(() => events.length === 5);
      expect(events.slice(3).map((event) => event.name)).toEqual(['message', 'delivery']);
      expect(events[3]).toMatchObject({ data: { status: 'read', lastReport: 'delivered', reports: 2 } });

      await inspector?.close();
      await waitFor(() => ended);
    } finally {
      server.close();
    }
  });
});

/** One row of the inspector's list, as `/inspector/deliveries` answers it. */
interface Delivery {
  seq: number;
  status: number;
  eventType: string | null;
  messageType: string | null;
  outcome: string;
  problems?: unknown;
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting for a condition');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
