import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestHandler } from 'express';
import request from 'supertest';
import { innopaasWebhook } from '../lib';
import { AUTH, USER, createApp, credentials, expressVersions, textEvent } from './helpers/app';

describe.each(expressVersions)('body intake whatever ran before (%s)', (_name, express) => {
  const received = () => {
    const seen: string[] = [];
    return {
      seen,
      on: {
        whatsapp_mo_message_received: (event: { body: { text?: { body: string } } }) => {
          seen.push(event.body.text?.body ?? '');
        },
      },
    };
  };

  test('nothing before it: the stream is read here', async () => {
    const { seen, on } = received();
    const { app } = createApp(express, { on: on as never });
    await request(app).post('/webhook').set(credentials).send(textEvent('raw')).expect(200);
    expect(seen).toEqual(['raw']);
  });

  test('express.json() mounted globally: req.body is used', async () => {
    const { seen, on } = received();
    const { app } = createApp(express, { on: on as never }, { before: [express.json()] });
    await request(app).post('/webhook').set(credentials).send(textEvent('parsed')).expect(200);
    expect(seen).toEqual(['parsed']);
  });

  test('express.json() and an invalid envelope still gives 400 invalid_envelope', async () => {
    const { app } = createApp(express, {}, { before: [express.json()] });
    const res = await request(app).post('/webhook').set(credentials).send({ id: 1 }).expect(400);
    expect(res.body.code).toBe('invalid_envelope');
  });

  test('express.text({ type: "*/*" }): the string body is parsed here', async () => {
    const { seen, on } = received();
    const { app } = createApp(express, { on: on as never }, { before: [express.text({ type: '*/*' })] });
    await request(app).post('/webhook').set(credentials).send(textEvent('text')).expect(200);
    expect(seen).toEqual(['text']);
  });

  test('express.raw({ type: "*/*" }): the Buffer body is parsed here', async () => {
    const { seen, on } = received();
    const { app } = createApp(express, { on: on as never }, { before: [express.raw({ type: '*/*' })] });
    await request(app).post('/webhook').set(credentials).send(textEvent('buffer')).expect(200);
    expect(seen).toEqual(['buffer']);
  });

  test('a serverless req.rawBody is preferred', async () => {
    const { seen, on } = received();
    const rawBody: RequestHandler = (req, _res, next) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        (req as unknown as { rawBody: Buffer }).rawBody = Buffer.concat(chunks);
        next();
      });
    };
    const { app } = createApp(express, { on: on as never }, { before: [rawBody] });
    await request(app).post('/webhook').set(credentials).send(textEvent('rawBody')).expect(200);
    expect(seen).toEqual(['rawBody']);
  });

  test('a stream drained by someone else with no body left → 400 naming the fix, no hang', async () => {
    const drain: RequestHandler = (req, _res, next) => {
      req.resume();
      req.on('end', () => {
        next();
      });
    };
    const { app } = createApp(express, {}, { before: [drain] });
    const res = await request(app).post('/webhook').set(credentials).send(textEvent()).expect(400);
    expect(res.body.code).toBe('body_already_consumed');
    expect(res.body.detail).toContain('express.json()');
  });
});

describe('plain node:http server', () => {
  let server: Server;
  let url: string;
  const seen: string[] = [];
  beforeAll(async () => {
    const mw = innopaasWebhook({
      userName: USER,
      authorization: AUTH,
      on: {
        whatsapp_mo_message_received: (event) => {
          seen.push(event.id);
        },
      },
    });
    server = createServer((req: IncomingMessage, res) => {
      mw(req, res, (err) => {
        res.statusCode = err ? 500 : 404;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(
    () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  );

  function post(body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: text });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  test('the same function serves createServer((req, res) => mw(req, res, done))', async () => {
    const event = textEvent();
    const ok = await post(JSON.stringify(event), credentials);
    expect(ok).toEqual({ status: 200, body: '{"received":true}' });
    expect(seen).toEqual([event.id]);
    const denied = await post(JSON.stringify(textEvent()), {});
    expect(denied.status).toBe(401);
  });
});
