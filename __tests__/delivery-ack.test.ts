import request from 'supertest';
import type { ClaimResult, DedupeStore } from '../lib';
import { MemoryStore } from '../lib';
import { createApp, credentials, expressVersions, textEvent } from './helpers/app';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Posts like InnoPaaS would: retries 409 and 5xx answers, a bounded number of times. */
async function deliverWithRetries(app: Parameters<typeof request>[0], event: object, tries = 50): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < tries; i++) {
    const res = await request(app).post('/webhook').set(credentials).send(event);
    statuses.push(res.status);
    if (res.status < 300) return statuses;
    await sleep(20);
  }
  return statuses;
}

describe.each(expressVersions)('delivery guarantees (%s)', (_name, express) => {
  test('the same event delivered three times at once is handled exactly once; the others see 409 or 200 duplicate', async () => {
    let calls = 0;
    const { app } = createApp(express, {
      on: {
        whatsapp_mo_message_received: async () => {
          calls += 1;
          await sleep(50);
        },
      },
    });
    const event = textEvent();
    const statuses = await Promise.all(
      [1, 2, 3].map(() =>
        request(app)
          .post('/webhook')
          .set(credentials)
          .send(event)
          .then((r) => r.status),
      ),
    );
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    expect(calls).toBe(1);
    const retried = await deliverWithRetries(app, event);
    expect(retried.at(-1)).toBe(200);
    expect(calls).toBe(1);
  });

  test("ack: 'immediately' answers 200 before the handler finishes; drain() waits for it", async () => {
    let finished = false;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { app, webhook } = createApp(express, {
      ack: 'immediately',
      on: {
        whatsapp_mo_message_received: async () => {
          await gate;
          finished = true;
        },
      },
    });
    await request(app).post('/webhook').set(credentials).send(textEvent()).expect(200);
    expect(finished).toBe(false);
    expect(webhook.inFlight).toBe(1);
    const drained = webhook.drain();
    release();
    await drained;
    expect(finished).toBe(true);
    expect(webhook.inFlight).toBe(0);
  });

  test("ack: 'immediately': a failing handler reaches onError and its claim is released, so the redelivery runs", async () => {
    let calls = 0;
    const errors: string[] = [];
    const { app, webhook } = createApp(express, {
      ack: 'immediately',
      on: {
        whatsapp_mo_message_received: async () => {
          calls += 1;
          if (calls === 1) throw new Error('first try fails');
        },
      },
      onError: (error) => {
        errors.push(error.code);
      },
    });
    const event = textEvent();
    await request(app).post('/webhook').set(credentials).send(event).expect(200);
    await webhook.drain();
    expect(errors).toEqual(['handler_failed']);
    await request(app).post('/webhook').set(credentials).send(event).expect(200);
    await webhook.drain();
    expect(calls).toBe(2);
    const third = await request(app).post('/webhook').set(credentials).send(event).expect(200);
    expect(third.body.duplicate).toBe(true);
  });

  test('handlerTimeoutMs: a handler that hangs → 503 handler_timeout, the claim is released', async () => {
    let calls = 0;
    const errors: string[] = [];
    const { app } = createApp(express, {
      handlerTimeoutMs: 100,
      on: {
        whatsapp_mo_message_received: async () => {
          calls += 1;
          if (calls === 1) await sleep(1000);
        },
      },
      onError: (error) => {
        errors.push(error.code);
      },
    });
    const event = textEvent();
    const res = await request(app).post('/webhook').set(credentials).send(event).expect(503);
    expect(res.body.code).toBe('handler_timeout');
    await request(app).post('/webhook').set(credentials).send(event).expect(200);
    expect(calls).toBe(2);
    expect(errors).toEqual(['handler_timeout']);
  });

  test('dedupe: false handles every delivery', async () => {
    let calls = 0;
    const { app } = createApp(express, {
      dedupe: false,
      on: {
        whatsapp_mo_message_received: () => {
          calls += 1;
        },
      },
    });
    const event = textEvent();
    await request(app).post('/webhook').set(credentials).send(event).expect(200);
    await request(app).post('/webhook').set(credentials).send(event).expect(200);
    expect(calls).toBe(2);
  });

  test('dedupe.key overrides the key (here: the WhatsApp message id)', async () => {
    let calls = 0;
    const { app } = createApp(express, {
      dedupe: { key: (event) => String((event.body as { wamid?: string }).wamid) },
      on: {
        whatsapp_mo_message_received: () => {
          calls += 1;
        },
      },
    });
    await request(app).post('/webhook').set(credentials).send(textEvent()).expect(200);
    await request(app).post('/webhook').set(credentials).send(textEvent()).expect(200);
    expect(calls).toBe(1);
  });

  test('unauthenticated and invalid requests never reach the store', async () => {
    const store = new MemoryStore();
    const { app } = createApp(express, { dedupe: { store } });
    await request(app).post('/webhook').send(textEvent()).expect(401);
    await request(app)
      .post('/webhook')
      .set(credentials)
      .send({ ...textEvent(), body: 'x' })
      .expect(400);
    expect(store.size).toBe(0);
    await request(app).post('/webhook').set(credentials).send(textEvent()).expect(200);
    expect(store.size).toBe(1);
  });
});

/** A store whose health the test controls: healthy, throwing, or stalled. */
class FlakyStore implements DedupeStore {
  mode: 'ok' | 'throw' | 'stall' = 'ok';
  private readonly inner = new MemoryStore();
  claim(key: string, ttl: number): ClaimResult | Promise<ClaimResult> {
    if (this.mode === 'throw') return Promise.reject(new Error('connection refused'));
    if (this.mode === 'stall') return new Promise(() => {});
    return this.inner.claim(key, ttl);
  }
  complete(key: string, token: string, ttl: number) {
    this.inner.complete(key, token, ttl);
  }
  release(key: string, token: string) {
    this.inner.release(key, token);
  }
}

describe.each(expressVersions)('a failing dedupe store (%s)', (_name, express) => {
  test.each(['throw', 'stall'] as const)(
    "failMode 'closed' (default): a store that %ss → 503 dedupe_unavailable, handled once it recovers",
    async (mode) => {
      const store = new FlakyStore();
      let calls = 0;
      const errors: string[] = [];
      const { app } = createApp(express, {
        dedupe: { store, timeoutMs: 100 },
        on: {
          whatsapp_mo_message_received: () => {
            calls += 1;
          },
        },
        onError: (e) => {
          errors.push(e.code);
        },
      });
      const event = textEvent();
      store.mode = mode;
      const res = await request(app).post('/webhook').set(credentials).send(event).expect(503);
      expect(res.body.code).toBe('dedupe_unavailable');
      expect(calls).toBe(0);
      store.mode = 'ok';
      await request(app).post('/webhook').set(credentials).send(event).expect(200);
      expect(calls).toBe(1);
      expect(errors).toEqual(['dedupe_unavailable']);
    },
  );

  test("failMode 'open': the event is handled without dedupe and onError is told", async () => {
    const store = new FlakyStore();
    store.mode = 'throw';
    let calls = 0;
    const errors: string[] = [];
    const { app } = createApp(express, {
      dedupe: { store, failMode: 'open' },
      on: {
        whatsapp_mo_message_received: () => {
          calls += 1;
        },
      },
      onError: (e) => {
        errors.push(e.code);
      },
    });
    await request(app).post('/webhook').set(credentials).send(textEvent()).expect(200);
    expect(calls).toBe(1);
    expect(errors).toEqual(['dedupe_unavailable']);
  });
});
