import { existsSync } from 'node:fs';
import path from 'node:path';
import express5 from 'express';
import express4 from 'express4';
import request from 'supertest';
import samples from '../example-app/samples.json';
import { parseExposition } from './helpers/prometheus';

if (!existsSync(path.join(__dirname, '..', 'dist', 'metrics', 'index.js'))) {
  throw new Error('dist/metrics/index.js is missing: run npm run build first (the example app requires the built package).');
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createExampleApp } = require('../example-app/app') as typeof import('../example-app/app');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { histogramQuantile } = require('../example-app/inspector/stats') as {
  histogramQuantile: (q: number, buckets: { le: number; count: number }[]) => { seconds: number; beyond: boolean } | null;
};

const USER = 'example-user';
const AUTH = 'Example-Authorization-5d1c';
const webhookHeaders = { UserName: USER, Authorization: AUTH };
const basic = `Basic ${Buffer.from(`${USER}:${AUTH}`).toString('base64')}`;

describe.each([
  ['Express 4', express4],
  ['Express 5', express5],
])('example app metrics (%s)', (_name, express) => {
  async function deliverSome() {
    const created = createExampleApp({
      userName: USER,
      authorization: AUTH,
      express,
      inspector: { enabled: true },
      log: () => {},
    });
    const post = () => request(created.app).post('/webhook').set(webhookHeaders);
    await post().send(samples.inboundText).expect(200);
    await post().send(samples.inboundText).expect(200);
    await post().send(samples.statusRead).expect(200);
    await post()
      .send({ ...samples.statusDelivered, eventTime: new Date(Date.now() - 2000).toISOString() })
      .expect(200);
    await post().send(samples.invalidStatus).expect(400);
    await request(created.app).post('/webhook').send(samples.chatMo).expect(401);
    return created;
  }

  test('/metrics serves the Prometheus text format with the deliveries counted', async () => {
    const { app } = await deliverSome();
    const res = await request(app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const samplesOut = parseExposition(res.text);
    const value = (name: string, labels: Record<string, string>) =>
      samplesOut.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    expect(value('innopaas_webhook_events_total', { type: 'whatsapp_mo_message_received', outcome: 'received' })).toBe(1);
    expect(value('innopaas_webhook_events_total', { type: 'whatsapp_mo_message_received', outcome: 'duplicate' })).toBe(1);
    expect(value('innopaas_webhook_events_total', { type: 'whatsapp_message_status_updated', outcome: 'received' })).toBe(2);
    expect(value('innopaas_webhook_responses_total', { status: '400', code: 'invalid_event' })).toBe(1);
    expect(value('innopaas_webhook_responses_total', { status: '401', code: 'unauthorized' })).toBe(1);
    expect(res.text).not.toContain(AUTH);
  });

  test('the inspector summary: counts by type and outcome, handler and lag quantiles, behind basic auth', async () => {
    const { app } = await deliverSome();
    await request(app).get('/inspector/stats').expect(401);
    const { body } = await request(app).get('/inspector/stats').set('Authorization', basic).expect(200);
    expect(body.types.map((row: { type: string }) => row.type)).toEqual([
      'whatsapp_message_status_updated',
      'whatsapp_mo_message_received',
    ]);
    const [status, inbound] = body.types;
    expect(status).toMatchObject({ total: 2, outcomes: { received: 2 }, handler: { count: 2 }, lag: { count: 2 } });
    expect(inbound).toMatchObject({ total: 2, outcomes: { received: 1, duplicate: 1 }, handler: { count: 1 } });
    // The handlers only log a line: well under the first bucket (5 ms).
    expect(inbound.handler.p99.seconds).toBeLessThanOrEqual(0.005);
    // One status event two seconds late, one years late (the sample's eventTime): p99 is past the last bucket.
    expect(status.lag.p50).toMatchObject({ beyond: false });
    expect(status.lag.p99).toEqual({ seconds: 3600, beyond: true });
  });
});

describe('histogramQuantile, as PromQL estimates it', () => {
  const buckets = [
    { le: 0.1, count: 10 },
    { le: 1, count: 90 },
    { le: 10, count: 100 },
    { le: Infinity, count: 100 },
  ];
  test('interpolates linearly inside the bucket where the rank falls', () => {
    expect(histogramQuantile(0.05, buckets)?.seconds).toBeCloseTo(0.05);
    expect(histogramQuantile(0.5, buckets)?.seconds).toBeCloseTo(0.1 + 0.9 * (40 / 80));
    expect(histogramQuantile(0.99, buckets)?.seconds).toBeCloseTo(1 + 9 * (9 / 10));
  });
  test('nothing observed: no estimate; past the last finite bound: that bound, flagged', () => {
    expect(histogramQuantile(0.5, [{ le: Infinity, count: 0 }])).toBeNull();
    expect(
      histogramQuantile(0.99, [
        { le: 1, count: 1 },
        { le: Infinity, count: 10 },
      ]),
    ).toEqual({ seconds: 1, beyond: true });
  });
});
