import express from 'express';
import request from 'supertest';
import { MemoryStore, type ClaimResult, type DedupeStore, type InnopaasWebhookOptions } from '../lib';
import { createApp, credentials, textEvent } from './helpers/app';

/**
 * What an attacker without the credentials can make the middleware do: nothing that costs state.
 * The dedupe store is touched only after authentication and validation, so unauthenticated or invalid
 * requests cannot fill it (or evict real ids from a bounded one); the allowRequest gate runs before
 * everything; maxEventAgeMs turns a replay of an old captured event away before it is claimed.
 */

/** A MemoryStore that counts what is asked of it. */
class CountingStore implements DedupeStore {
  claims = 0;
  private readonly inner = new MemoryStore();
  claim(key: string, claimTtlMs: number): ClaimResult {
    this.claims += 1;
    return this.inner.claim(key, claimTtlMs);
  }
  complete(key: string, token: string, ttlMs: number): void {
    this.inner.complete(key, token, ttlMs);
  }
  release(key: string, token: string): void {
    this.inner.release(key, token);
  }
}

function setup(options: Partial<InnopaasWebhookOptions> = {}) {
  const store = new CountingStore();
  let handled = 0;
  let gateCalls = 0;
  const { app } = createApp(express, {
    dedupe: { store },
    on: {
      whatsapp_mo_message_received: () => {
        handled += 1;
      },
    },
    allowRequest: (req) => {
      gateCalls += 1;
      return req.headers['x-forwarded-for'] !== '203.0.113.9';
    },
    ...options,
  });
  return { app, store, handled: () => handled, gateCalls: () => gateCalls };
}

test('a hundred unauthenticated events with fresh ids claim nothing and run nothing', async () => {
  const { app, store, handled } = setup();
  for (let i = 0; i < 100; i++) {
    const headers = i % 2 === 0 ? {} : { UserName: credentials.UserName, Authorization: `guess-${i}` };
    await request(app).post('/webhook').set(headers).send(textEvent()).expect(401);
  }
  expect(store.claims).toBe(0);
  expect(handled()).toBe(0);
  await request(app).post('/webhook').set(credentials).send(textEvent()).expect(200);
  expect(store.claims).toBe(1);
});

test.each([
  ['malformed JSON', 400, '{"id":'],
  ['an invalid envelope', 400, JSON.stringify({ id: 'x' })],
  ['an invalid event body', 400, JSON.stringify({ ...textEvent(), body: { type: 'text' } })],
  ['a batch', 400, JSON.stringify([textEvent()])],
  ['the connectivity test', 200, '{}'],
])('authenticated but %s → %d, and still no claim', async (_case, status, body) => {
  const { app, store } = setup();
  await request(app).post('/webhook').set(credentials).set('Content-Type', 'application/json').send(body).expect(status);
  expect(store.claims).toBe(0);
});

test('allowRequest runs first: a refused address gets 403 even with the right credentials, before the body is read', async () => {
  const { app, store, gateCalls } = setup({ limit: 10 });
  const res = await request(app)
    .post('/webhook')
    .set(credentials)
    .set('X-Forwarded-For', '203.0.113.9')
    .send(textEvent())
    .expect(403);
  expect(res.body.code).toBe('forbidden');
  expect(gateCalls()).toBe(1);
  expect(store.claims).toBe(0);
});

test('maxEventAgeMs: a replayed old event is refused before it is claimed; a fresh one passes', async () => {
  const { app, store, handled } = setup({ maxEventAgeMs: 5 * 60_000 });
  const captured = { ...textEvent(), eventTime: new Date(Date.now() - 60 * 60_000).toISOString() };
  const res = await request(app).post('/webhook').set(credentials).send(captured).expect(400);
  expect(res.body.code).toBe('event_too_old');
  expect(store.claims).toBe(0);
  await request(app)
    .post('/webhook')
    .set(credentials)
    .send({ ...textEvent(), eventTime: new Date().toISOString() })
    .expect(200);
  expect(handled()).toBe(1);
});

test('maxEventAgeMs: an eventTime that is not a timestamp cannot slip past the age check', async () => {
  const { app, handled } = setup({ maxEventAgeMs: 5 * 60_000 });
  for (const eventTime of ['', 'now', '9999-99-99T99:99:99Z', '2023-02-22 12:00:00 junk']) {
    const res = await request(app)
      .post('/webhook')
      .set(credentials)
      .send({ ...textEvent(), eventTime })
      .expect(400);
    expect(res.body.code).toBe('event_too_old');
  }
  expect(handled()).toBe(0);
});
