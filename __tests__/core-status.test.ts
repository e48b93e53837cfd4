import request from 'supertest';
import { innopaasWebhook, type InnopaasWebhookOptions } from '../lib';
import { AUTH, USER, createApp as createExpressApp, credentials, expressVersions, textEvent } from './helpers/app';
import { createFetchApp } from './helpers/fetch-app';

/**
 * Where the status table runs: the Express middleware under both majors, and the Fetch handler in a Hono
 * app on Node. Each gives a request listener with the webhook at /webhook, and an error handler that
 * answers 599 with what a forwarded error carried (next(err), or the rejected handler promise).
 */
const receivers = [
  ...expressVersions.map(
    ([name, express]) =>
      [
        name,
        {
          createApp: (options: Partial<InnopaasWebhookOptions> = {}) => createExpressApp(express, options),
          /** Express handlers get Node's req, with the event attached. */
          requestCarries: (req: unknown, event: unknown) => (req as { innopaasEvent?: unknown }).innopaasEvent === event,
        },
      ] as const,
  ),
  [
    'Fetch handler, Hono on Node',
    {
      createApp: (options: Partial<InnopaasWebhookOptions> = {}) => createFetchApp(options as never),
      /** Fetch handlers get the Request itself. */
      requestCarries: (req: unknown) => req instanceof Request,
    },
  ] as const,
];

describe.each(receivers)('status table (%s)', (_name, { createApp, requestCarries }) => {
  test('POST of a valid event with the right credentials → 200 and the typed handler runs', async () => {
    const seen: unknown[] = [];
    const { app } = createApp({
      on: {
        whatsapp_mo_message_received: async (event, req) => {
          seen.push([event.body.type, requestCarries(req, event)]);
        },
      },
    });
    const res = await request(app).post('/webhook').set(credentials).send(textEvent('hello')).expect(200);
    expect(res.body).toEqual({ received: true });
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength(res.text)));
    expect(seen).toEqual([['text', true]]);
  });

  test.each(['GET', 'PUT', 'DELETE', 'PATCH'] as const)('%s → 405 with Allow: POST', async (method) => {
    const { app } = createApp();
    const res = await request(app)[method.toLowerCase() as 'get'](`/webhook`).set(credentials).expect(405);
    expect(res.headers.allow).toBe('POST');
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 405, code: 'method_not_allowed' });
  });

  test('the methods option widens what is accepted', async () => {
    const { app } = createApp({ methods: ['POST', 'PUT'] });
    await request(app).put('/webhook').set(credentials).send(textEvent()).expect(200);
    const res = await request(app).get('/webhook').set(credentials).expect(405);
    expect(res.headers.allow).toBe('POST, PUT');
  });

  test.each([
    ['no headers', {}],
    ['only UserName', { UserName: USER }],
    ['only Authorization', { Authorization: AUTH }],
    ['wrong UserName', { UserName: 'someone-else', Authorization: AUTH }],
    ['wrong Authorization', { UserName: USER, Authorization: 'nope' }],
    ['Authorization with a Bearer scheme', { UserName: USER, Authorization: `Bearer ${AUTH}` }],
    ['Authorization one character short', { UserName: USER, Authorization: AUTH.slice(0, -1) }],
  ])('%s → 401 with the same body, never echoing a credential', async (_case, headers) => {
    let called = false;
    const { app } = createApp({
      on: {
        whatsapp_mo_message_received: () => {
          called = true;
        },
      },
    });
    const res = await request(app).post('/webhook').set(headers).send(textEvent()).expect(401);
    expect(res.body).toEqual({
      type: 'urn:innopaas-webhook:problem:unauthorized',
      title: 'Unauthorized',
      status: 401,
      code: 'unauthorized',
      detail: 'The UserName and Authorization headers do not match the configured credentials.',
    });
    expect(res.text).not.toContain(AUTH);
    expect(res.text).not.toContain(USER);
    expect(called).toBe(false);
  });

  test('header names are case-insensitive', async () => {
    const { app } = createApp();
    await request(app).post('/webhook').set({ username: USER, AUTHORIZATION: AUTH }).send(textEvent()).expect(200);
  });

  test('credential rotation: every configured pair is accepted', async () => {
    const { app } = createApp({
      userName: undefined,
      authorization: undefined,
      credentials: [
        { userName: 'old', authorization: 'old-secret' },
        { userName: 'new', authorization: 'new-secret' },
      ],
    });
    await request(app).post('/webhook').set({ UserName: 'old', Authorization: 'old-secret' }).send(textEvent()).expect(200);
    await request(app).post('/webhook').set({ UserName: 'new', Authorization: 'new-secret' }).send(textEvent()).expect(200);
    await request(app).post('/webhook').set({ UserName: 'old', Authorization: 'new-secret' }).send(textEvent()).expect(401);
  });

  test('401 is decided before the body is read (an unauthenticated oversized body is 401, not 413)', async () => {
    const { app } = createApp({ limit: 100 });
    await request(app).post('/webhook').set('Content-Type', 'application/json').send('x'.repeat(5000)).expect(401);
  });

  test.each([
    ['application/json', 200],
    ['application/json; charset=utf-8', 200],
    ['application/json;charset=UTF-8', 200],
    ['application/vnd.innopaas+json', 200],
    ['text/plain', 415],
    ['application/x-www-form-urlencoded', 415],
    // Any charset label: the bytes are read as UTF-8 (see the test below for bytes that are not).
    ['application/json; charset=latin1', 200],
    ['application/json; charset=GBK', 200],
    ['application/json; charset', 415],
  ])('Content-Type %s → %d', async (type, status) => {
    const { app } = createApp();
    const res = await request(app)
      .post('/webhook')
      .set(credentials)
      .set('Content-Type', type)
      .send(JSON.stringify(textEvent()))
      .expect(status);
    if (status === 415) expect(res.body.code).toBe('unsupported_media_type');
  });

  test('a missing Content-Type is read as JSON', async () => {
    const { app } = createApp();
    await request(app)
      .post('/webhook')
      .set(credentials)
      .send(Buffer.from(JSON.stringify(textEvent())))
      .unset('Content-Type')
      .expect(200);
  });

  test('Content-Encoding gzip → 415 unsupported_content_encoding', async () => {
    const { app } = createApp();
    const res = await request(app)
      .post('/webhook')
      .set(credentials)
      .set('Content-Encoding', 'gzip')
      .set('Content-Type', 'application/json')
      .send('{}')
      .expect(415);
    expect(res.body.code).toBe('unsupported_content_encoding');
  });

  test('a body over the limit → 413 (Content-Length pre-check)', async () => {
    const { app } = createApp({ limit: 1024 });
    const res = await request(app)
      .post('/webhook')
      .set(credentials)
      .send({ ...textEvent(), pad: 'x'.repeat(2000) })
      .expect(413);
    expect(res.body.code).toBe('payload_too_large');
  });

  test('malformed JSON → 400 invalid_json without echoing the payload', async () => {
    const { app } = createApp();
    const res = await request(app)
      .post('/webhook')
      .set(credentials)
      .set('Content-Type', 'application/json')
      .send('{"id": "secret-payload-value",')
      .expect(400);
    expect(res.body.code).toBe('invalid_json');
    expect(res.text).not.toContain('secret-payload-value');
  });

  test.each([
    ['invalid UTF-8', 'application/json', Buffer.from([0xc3, 0x28])],
    // Labelled Latin-1 and holding a Latin-1 é: the label is accepted, the bytes are still read as UTF-8.
    ['Latin-1 bytes under a Latin-1 label', 'application/json; charset=ISO-8859-1', Buffer.from([0xe9])],
  ])('%s → 400 invalid_encoding', async (_case, type, inner) => {
    const { app } = createApp();
    const bytes = Buffer.concat([Buffer.from('{"id":"'), inner, Buffer.from('"}')]);
    const res = await request(app)
      .post('/webhook')
      .set(credentials)
      .set('Content-Type', type)
      .serialize((b: Buffer) => b as never)
      .send(bytes as never)
      .expect(400);
    expect(res.body.code).toBe('invalid_encoding');
  });

  test.each([
    ['an empty body', ''],
    ['{}', '{}'],
    ['whitespace', '  \n '],
  ])('%s with credentials → 200, no handler (connectivity test)', async (_case, body) => {
    let called = 0;
    const { app } = createApp({
      on: {
        whatsapp_mo_message_received: () => {
          called += 1;
        },
      },
      onUnknownEvent: () => {
        called += 1;
      },
      onInvalidEvent: () => {
        called += 1;
      },
    });
    const res = await request(app)
      .post('/webhook')
      .set(credentials)
      .set('Content-Type', 'application/json')
      .send(body)
      .expect(200);
    expect(res.body).toEqual({ received: true, test: true });
    expect(called).toBe(0);
  });

  test('a JSON array → 400 batch_not_supported, seen by onInvalidEvent', async () => {
    const invalid: string[] = [];
    const { app } = createApp({
      onInvalidEvent: (info) => {
        invalid.push(info.error.code);
      },
    });
    const res = await request(app).post('/webhook').set(credentials).send([textEvent(), textEvent()]).expect(400);
    expect(res.body.code).toBe('batch_not_supported');
    expect(invalid).toEqual(['batch_not_supported']);
  });

  test('an invalid envelope → 400 listing the failing JSON paths, onInvalidEvent called', async () => {
    const infos: { code: string; paths: string[] }[] = [];
    const { app } = createApp({
      onInvalidEvent: (info) => {
        infos.push({ code: info.error.code, paths: info.problems.map((p) => p.path) });
      },
    });
    const res = await request(app)
      .post('/webhook')
      .set(credentials)
      .send({ id: 42, type: 'whatsapp_mo_message_received', body: {} })
      .expect(400);
    expect(res.body.code).toBe('invalid_envelope');
    expect(res.body.problems).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: '/id' }), expect.objectContaining({ path: '' })]),
    );
    expect(infos).toEqual([{ code: 'invalid_envelope', paths: res.body.problems.map((p: { path: string }) => p.path) }]);
  });

  test('an event body failing its schema → 400 invalid_event with /body paths', async () => {
    const event = textEvent();
    delete (event.body as Record<string, unknown>).wamid;
    const { app } = createApp({
      on: {
        whatsapp_mo_message_received: () => {
          throw new Error('must not run');
        },
      },
    });
    const res = await request(app).post('/webhook').set(credentials).send(event).expect(400);
    expect(res.body.code).toBe('invalid_event');
    expect(res.body.problems).toContainEqual({ path: '/body', message: "must have required property 'wamid'" });
  });

  test("invalidEvents: 'acknowledge' answers 200 and still calls onInvalidEvent", async () => {
    let seen = 0;
    const { app } = createApp({
      invalidEvents: 'acknowledge',
      onInvalidEvent: () => {
        seen += 1;
      },
    });
    const res = await request(app)
      .post('/webhook')
      .set(credentials)
      .send({ id: 'x', type: 'whatsapp_mo_message_received', eventTime: 'now', body: {} })
      .expect(200);
    expect(res.body).toEqual({ received: true, invalid: true });
    expect(seen).toBe(1);
  });

  test('an unknown type → 200 and onUnknownEvent with the event', async () => {
    const unknown: string[] = [];
    const { app } = createApp({
      onUnknownEvent: (event) => {
        unknown.push(String(event.type));
      },
    });
    await request(app)
      .post('/webhook')
      .set(credentials)
      .send({ id: 'u-1', type: 'whatsapp_brand_new_event', eventTime: '2024-01-01T00:00:00Z', body: { anything: 1 } })
      .expect(200);
    expect(unknown).toEqual(['whatsapp_brand_new_event']);
  });

  test('a prototype key as type is an unknown type, not a crash', async () => {
    const { app } = createApp();
    await request(app)
      .post('/webhook')
      .set(credentials)
      .send({ id: 'p-1', type: 'constructor', eventTime: 't', body: {} })
      .expect(200);
  });

  test('the same id again → 200 duplicate, handler not called twice', async () => {
    let calls = 0;
    const duplicates: string[] = [];
    const { app } = createApp({
      on: {
        whatsapp_mo_message_received: () => {
          calls += 1;
        },
      },
      onDuplicate: (event) => {
        duplicates.push(event.id);
      },
    });
    const event = textEvent();
    await request(app).post('/webhook').set(credentials).send(event).expect(200);
    const res = await request(app).post('/webhook').set(credentials).send(event).expect(200);
    expect(res.body).toEqual({ received: true, duplicate: true });
    expect(calls).toBe(1);
    expect(duplicates).toEqual([event.id]);
  });

  test('the same id while the first is being handled → 409', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { app } = createApp({ on: { whatsapp_mo_message_received: () => gate } });
    const event = textEvent();
    const first = request(app)
      .post('/webhook')
      .set(credentials)
      .send(event)
      .then((r) => r.status);
    await new Promise((r) => setTimeout(r, 100));
    const second = await request(app).post('/webhook').set(credentials).send(event).expect(409);
    expect(second.body.code).toBe('event_in_progress');
    release();
    expect(await first).toBe(200);
  });

  test('a handler that throws → 500 handler_failed, onError called, the retry runs the handler again', async () => {
    let calls = 0;
    const errors: string[] = [];
    const { app } = createApp({
      on: {
        whatsapp_mo_message_received: async () => {
          calls += 1;
          if (calls === 1) throw new Error('database down: secret detail');
        },
      },
      onError: (error) => {
        errors.push(`${error.code}:${(error.cause as Error).message}`);
      },
    });
    const event = textEvent();
    const res = await request(app).post('/webhook').set(credentials).send(event).expect(500);
    expect(res.body).toMatchObject({ code: 'handler_failed', status: 500 });
    expect(res.text).not.toContain('secret detail');
    await request(app).post('/webhook').set(credentials).send(event).expect(200);
    expect(calls).toBe(2);
    expect(errors).toEqual(['handler_failed:database down: secret detail']);
  });

  test("forwardErrors: 'handler' hands handler failures to next(err)", async () => {
    const { app } = createApp({
      forwardErrors: 'handler',
      on: {
        whatsapp_mo_message_received: () => {
          throw new Error('boom');
        },
      },
    });
    const res = await request(app).post('/webhook').set(credentials).send(textEvent()).expect(599);
    expect(res.body).toMatchObject({ forwarded: true, code: 'handler_failed', status: 500, name: 'InnopaasWebhookError' });
    await request(app).post('/webhook').send(textEvent()).expect(401);
  });

  test("forwardErrors: 'all' hands every rejection to next(err)", async () => {
    const { app } = createApp({ forwardErrors: 'all' });
    const res = await request(app).post('/webhook').send(textEvent()).expect(599);
    expect(res.body).toMatchObject({ code: 'unauthorized', status: 401 });
  });
});

describe.each(expressVersions)('status table, Express only (%s)', (_name, express) => {
  test('passThrough calls next() after the handlers so the route answers, with req.innopaasEvent set', async () => {
    const order: string[] = [];
    const { app } = createExpressApp(
      express,
      {
        passThrough: true,
        on: {
          whatsapp_mo_message_received: () => {
            order.push('handler');
          },
        },
      },
      {
        route: true,
        after: (req, res) => {
          order.push('route');
          res.status(202).json({ id: req.innopaasEvent?.id });
        },
      },
    );
    const event = textEvent();
    const res = await request(app).post('/webhook').set(credentials).send(event).expect(202);
    expect(res.body).toEqual({ id: event.id });
    expect(order).toEqual(['handler', 'route']);
  });

  test('app.use(innopaasWebhook) without calling it is explained through next(err)', async () => {
    const app = express();
    app.use('/webhook', innopaasWebhook as never);
    app.use(((err, _req, res, _next) => {
      res.status(500).send(err.message);
    }) as import('express').ErrorRequestHandler);
    const res = await request(app).post('/webhook').send({}).expect(500);
    expect(res.text).toContain('mounted without being called');
  });
});
