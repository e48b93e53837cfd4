import { execFileSync } from 'node:child_process';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import request from 'supertest';
import { innopaasFetchHandler, type InnopaasFetchHandler } from '../lib';
import { AUTH, USER, credentials, textEvent } from './helpers/app';
import { createFetchApp } from './helpers/fetch-app';
import { chunked, listenLocal, rawPost, sendRaw } from './helpers/raw-http';

/** What the Fetch handler does beyond the status table (which runs in core-status.test.ts). */

const options = { userName: USER, authorization: AUTH };

describe('innopaasFetchHandler: creation', () => {
  test('passThrough is refused: a Fetch handler has no next route', () => {
    expect(() => innopaasFetchHandler({ ...options, passThrough: true } as never)).toThrow(
      /option `passThrough` has no meaning for a Fetch handler/,
    );
  });

  test('the options are checked as the middleware checks them', () => {
    expect(() => innopaasFetchHandler({ ...options, limt: 10 } as never)).toThrow(
      /`limt` is not an option. Did you mean `limit`/,
    );
    expect(() => innopaasFetchHandler({ on: {} })).toThrow(/no credentials are configured/);
  });

  test('given a Request instead of options, it says how to create and call it', () => {
    expect(() => innopaasFetchHandler(new Request('http://x/webhook', { method: 'POST' }) as never)).toThrow(
      /was given a request instead of options/,
    );
  });

  test('mounted in Hono without being called, the error names the fix', async () => {
    const hono = new Hono();
    hono.post('/webhook', innopaasFetchHandler as never);
    let message = '';
    hono.onError((err, c) => {
      message = err.message;
      return c.text('error', 500);
    });
    await request(getRequestListener(hono.fetch)).post('/webhook').send({}).expect(500);
    expect(message).toContain("app.post('/webhook', (c) => handler(c.req.raw))");
  });

  test('called with something other than a Request, the promise rejects with what to pass', async () => {
    const handler = innopaasFetchHandler(options);
    await expect(handler({} as never)).rejects.toThrow(/takes a Request \(in Hono `c.req.raw`/);
  });

  test('on a platform without the Fetch API, creation says what is missing', () => {
    const script =
      "delete globalThis.Response; try { require('./dist').innopaasFetchHandler({ userName: 'u', authorization: 'a' }); } catch (e) { console.log(e.message); }";
    expect(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })).toContain(
      'this platform has no global Response',
    );
  });
});

describe('innopaasFetchHandler: requests', () => {
  test('handlers receive the Request, typed as Request', async () => {
    const seen: string[] = [];
    const { app } = createFetchApp({
      on: {
        whatsapp_mo_message_received: (event, req: Request) => {
          seen.push(`${req.method} ${new URL(req.url).pathname} ${event.body.type}`);
        },
      },
    });
    await request(app).post('/webhook').set(credentials).send(textEvent()).expect(200);
    expect(seen).toEqual(['POST /webhook text']);
  });

  test('a body the app already read → 400 body_already_consumed, naming the fix', async () => {
    const handler = innopaasFetchHandler(options);
    const hono = new Hono();
    hono.post('/webhook', async (c) => {
      await c.req.raw.text();
      return handler(c.req.raw);
    });
    const res = await request(getRequestListener(hono.fetch)).post('/webhook').set(credentials).send(textEvent()).expect(400);
    expect(res.body).toMatchObject({ code: 'body_already_consumed' });
    expect(res.body.detail).toContain('c.req.raw');
  });

  describe('over raw HTTP', () => {
    let handler: InnopaasFetchHandler;
    let server: Awaited<ReturnType<typeof listenLocal>>;
    beforeAll(async () => {
      const app = createFetchApp({ limit: 1024, bodyTimeoutMs: 300 });
      handler = app.webhook;
      server = await listenLocal(app.app);
    });
    afterAll(() => server.close());

    test('a chunked body over the limit, no Content-Length → 413 while streaming', async () => {
      const response = await sendRaw(server.port, rawPost(credentials, { body: Buffer.alloc(64 * 1024, 0x20), chunkSize: 4096 }));
      expect(response.status).toBe(413);
      expect('body' in response && JSON.parse(response.body)).toMatchObject({ code: 'payload_too_large' });
    });

    test('a declared body that never comes → 408 request_timeout after bodyTimeoutMs', async () => {
      const response = await sendRaw(server.port, rawPost(credentials, { contentLength: '100' }));
      expect(response.status).toBe(408);
      expect('body' in response && JSON.parse(response.body)).toMatchObject({ code: 'request_timeout' });
    });

    test('a declared body that trickles in within bodyTimeoutMs → 200', async () => {
      const body = JSON.stringify(textEvent());
      const half = body.length >> 1;
      const response = await sendRaw(
        server.port,
        rawPost(credentials, {
          contentLength: String(Buffer.byteLength(body)),
          then: [body.slice(0, half), 50, body.slice(half)],
        }),
      );
      expect(response.status).toBe(200);
    });

    test('a chunked body that stops half way → 408 request_timeout after bodyTimeoutMs', async () => {
      const first = chunked(Buffer.from('{"id":"abc","type":'), 1 << 10)[0] as Buffer;
      const response = await sendRaw(
        server.port,
        rawPost(credentials, { headers: [['Transfer-Encoding', 'chunked']], contentLength: null, then: [first] }),
      );
      expect(response.status).toBe(408);
      expect('body' in response && JSON.parse(response.body)).toMatchObject({ code: 'request_timeout' });
      expect(handler.inFlight).toBe(0);
    });
  });
});

describe("innopaasFetchHandler: ack: 'immediately' and waitUntil", () => {
  function gated() {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    return { gate, release };
  }

  // An observer wraps the request the receiver sees: waitUntil must reach the platform through it too.
  test.each([
    ['without observers', undefined],
    ['with an observer', [{ begin: () => ({}) }]],
  ])('answers 200 before the handler ends, and hands the rest of the work to waitUntil (%s)', async (_label, observers) => {
    const { gate, release } = gated();
    const order: string[] = [];
    const waited: Promise<unknown>[] = [];
    const handler = innopaasFetchHandler({
      ...options,
      observers,
      ack: 'immediately',
      on: {
        whatsapp_mo_message_received: async () => {
          await gate;
          order.push('handler done');
        },
      },
    });
    const hono = new Hono();
    // What Workers' `ctx` gives; Hono on Node has none, so the test passes its own.
    hono.post('/webhook', (c) => handler(c.req.raw, { waitUntil: (work) => waited.push(work) }));
    const res = await request(getRequestListener(hono.fetch)).post('/webhook').set(credentials).send(textEvent()).expect(200);
    order.push('answered');
    expect(res.body).toEqual({ received: true });
    expect(waited).toHaveLength(1);
    expect(handler.inFlight).toBe(1);
    release();
    await waited[0];
    expect(order).toEqual(['answered', 'handler done']);
    expect(handler.inFlight).toBe(0);
  });

  test('a waitUntil that throws does not cost the answer or the handler', async () => {
    let handled = 0;
    const handler = innopaasFetchHandler({
      ...options,
      ack: 'immediately',
      on: {
        whatsapp_mo_message_received: async () => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          handled += 1;
        },
      },
    });
    const hono = new Hono();
    hono.post('/webhook', (c) =>
      handler(c.req.raw, {
        waitUntil: () => {
          throw new Error('too late');
        },
      }),
    );
    await request(getRequestListener(hono.fetch)).post('/webhook').set(credentials).send(textEvent()).expect(200);
    await handler.drain();
    expect(handled).toBe(1);
  });

  test("without ack: 'immediately', nothing is handed to waitUntil: the answer waits for the handler", async () => {
    const waited: unknown[] = [];
    const handler = innopaasFetchHandler({ ...options, on: { whatsapp_mo_message_received: async () => undefined } });
    const hono = new Hono();
    hono.post('/webhook', (c) => handler(c.req.raw, { waitUntil: (work) => waited.push(work) }));
    await request(getRequestListener(hono.fetch)).post('/webhook').set(credentials).send(textEvent()).expect(200);
    expect(waited).toEqual([]);
  });

  test('close(): new deliveries get 503 shutting_down', async () => {
    const { app, webhook } = createFetchApp();
    await webhook.close();
    const res = await request(app).post('/webhook').set(credentials).send(textEvent()).expect(503);
    expect(res.body.code).toBe('shutting_down');
  });
});
