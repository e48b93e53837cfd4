import { existsSync } from 'node:fs';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import express5 from 'express';
import request from 'supertest';
import type { EnqueueResult, EventQueue } from '../lib';
import samples from '../example-app/samples.json';

// The inspector's recorder under what a sender controls: depth, size, ids, redeliveries in queue mode.
if (!existsSync(path.join(__dirname, '..', 'dist', 'index.js'))) {
  throw new Error('dist/index.js is missing: run npm run build first (the example app requires the built package).');
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createExampleApp } = require('../example-app/app') as typeof import('../example-app/app');

const USER = 'example-user';
const AUTH = 'Example-Authorization-5d1c';
const webhookHeaders = { UserName: USER, Authorization: AUTH, 'Content-Type': 'application/json' };

interface Row {
  seq: number;
  eventId: string | null;
  outcome: string;
}

const rows = async (app: Parameters<typeof request>[0]) =>
  (await request(app).get('/inspector/deliveries').auth(USER, AUTH).expect(200)).body as Row[];

function create(queue?: EventQueue) {
  return createExampleApp({
    userName: USER,
    authorization: AUTH,
    log: () => undefined,
    express: express5,
    inspector: { enabled: true },
    ...(queue ? { queue } : {}),
  });
}

/** A queue of the documented `EventQueue` interface, in memory: each id queued once. */
function memoryQueue(): EventQueue & { ids: string[] } {
  const ids: string[] = [];
  return {
    ids,
    enqueue(event): EnqueueResult {
      if (ids.includes(event.id)) return { status: 'duplicate' };
      ids.push(event.id);
      return { status: 'queued' };
    },
  };
}

describe('example app inspector: the recorder', () => {
  test('an event nested deeper than JSON.stringify can go is answered and shown as such, without a crash', async () => {
    const depth = 20_000;
    const body = `{"id":"deep","type":"zz_new_type","eventTime":"2026-01-01T00:00:00Z","body":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    const { app } = create();
    await request(app).post('/webhook').set(webhookHeaders).send(body).expect(200);
    const [row] = await rows(app);
    expect(row).toMatchObject({ eventId: 'deep', outcome: 'unknown event type: acknowledged' });
    const detail = (await request(app).get(`/inspector/deliveries/${row!.seq}`).auth(USER, AUTH).expect(200)).body;
    expect(detail).toMatchObject({ payload: '(too deeply nested to show)', truncated: true });
  });

  test('large payloads keep no more than their shown part in memory', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { app } = create();
    // 0.9 MB bodies, about 2.7 MB each once pretty-printed: 40 of them kept whole would hold 100 MB.
    const large = (n: number) =>
      `{"id":"large-${n}","type":"zz_new_type","eventTime":"2026-01-01T00:00:00Z","body":{"a":[${'0,'.repeat(450_000)}0]}}`;
    await request(app).post('/webhook').set(webhookHeaders).send(large(0)).expect(200);
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let n = 1; n <= 40; n += 1) await request(app).post('/webhook').set(webhookHeaders).send(large(n)).expect(200);
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    expect((await rows(app)).length).toBe(41);
    // 40 shown parts of 64 KiB are under 6 MB; the whole texts would be over 100.
    expect(grown).toBeLessThan(30 * 1024 * 1024);
  }, 60_000);

  describe('queue mode', () => {
    test("a redelivery's row stays a duplicate; the job's states go to the first delivery's row", async () => {
      const queue = memoryQueue();
      const { app, inspector } = create(queue);
      const event = { ...samples.inboundText, id: 'queued-once' };
      await request(app).post('/webhook').set(webhookHeaders).send(event).expect(200);
      const again = await request(app).post('/webhook').set(webhookHeaders).send(event).expect(200);
      expect(again.body).toEqual({ received: true, duplicate: true });
      inspector!.noteJob('queued-once', 'done');
      const [duplicate, first] = await rows(app);
      expect(queue.ids).toEqual(['queued-once']);
      expect(first).toMatchObject({ eventId: 'queued-once', outcome: 'done' });
      expect(duplicate).toMatchObject({ eventId: 'queued-once', outcome: 'duplicate: handlers not called again' });
    });

    test('the job states of an id longer than the row shows reach its row', async () => {
      const { app, inspector } = create(memoryQueue());
      const id = `long-${'x'.repeat(150)}`;
      await request(app)
        .post('/webhook')
        .set(webhookHeaders)
        .send({ ...samples.inboundText, id })
        .expect(200);
      inspector!.noteJob(id, 'done');
      const [row] = await rows(app);
      expect(row?.eventId).toBe(`${id.slice(0, 100)}…`);
      expect(row?.outcome).toBe('done');
    });
  });
});
