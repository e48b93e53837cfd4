import * as http from 'node:http';
import { IncomingMessage, type ServerResponse } from 'node:http';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import request from 'supertest';
import { innopaasWebhook, type InnopaasWebhookOptions } from '../lib';
import { AUTH, USER, credentials, expressVersions, textEvent } from './helpers/app';

/**
 * The first recipe of bench/README.md ("Recipes"): a server that builds each request and response on the app's
 * own prototypes, so that Express has none to swap. The middleware stays mounted with app.use, and every
 * Express feature must still work, sub-apps included.
 */
describe.each(expressVersions)('Express on its own request and response classes (%s)', (_name, express) => {
  let server: http.Server;
  // Whether each request and response arrived on the app's prototypes, before Express saw them.
  const arrived: boolean[] = [];
  const seen: { id: string; expressRequest: boolean; path: string; attached: boolean }[] = [];

  beforeAll(() => {
    const app = express();
    app.get('/hello', (req, res) => {
      res.json({ name: req.query.name, path: req.path, ip: typeof req.ip });
    });
    const admin = express();
    admin.get('/ping', (req, res) => {
      res.json({ subApp: req.app === admin, baseUrl: req.baseUrl });
    });
    app.use('/admin', admin);
    app.use(
      '/webhook',
      innopaasWebhook({
        userName: USER,
        authorization: AUTH,
        forwardErrors: 'handler',
        on: {
          whatsapp_mo_message_received: (event, req) => {
            const expressRequest = req as unknown as { app: unknown; path: string; innopaasEvent?: unknown };
            seen.push({
              id: event.id,
              expressRequest: expressRequest.app === app,
              path: expressRequest.path,
              attached: expressRequest.innopaasEvent === event,
            });
            if (event.body.type === 'text' && event.body.text.body === 'fail') throw new Error('handler failed');
          },
        },
      }) as unknown as RequestHandler,
    );
    app.use(((err, _req, res, _next) => {
      res.status(599).json({ forwarded: err.code });
    }) as ErrorRequestHandler);

    // The recipe, as bench/README.md writes it.
    function Request(this: IncomingMessage, socket: import('node:net').Socket) {
      http.IncomingMessage.call(this, socket);
    }
    Request.prototype = app.request;
    function Response(this: ServerResponse, req: IncomingMessage, options?: unknown) {
      (http.ServerResponse as unknown as (this: ServerResponse, req: IncomingMessage, options?: unknown) => void).call(
        this,
        req,
        options,
      );
    }
    Response.prototype = app.response;
    const options = {
      IncomingMessage: Request as unknown as typeof IncomingMessage,
      ServerResponse: Response as unknown as typeof ServerResponse,
    };
    server = http.createServer(options, (req, res) => {
      arrived.push(Object.getPrototypeOf(req) === app.request && Object.getPrototypeOf(res) === app.response);
      app(req, res);
    });
    return new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(
    () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  );

  test("requests are built on the app's prototypes, and an event reaches its handler as an Express request", async () => {
    const event = textEvent('hello');
    const res = await request(server).post('/webhook').set(credentials).send(event).expect(200);
    expect(res.body).toEqual({ received: true });
    expect(seen.at(-1)).toEqual({ id: event.id, expressRequest: true, path: '/', attached: true });
    expect(arrived).toEqual([true]);
  });

  test('Express still parses, routes and answers as usual, sub-apps included', async () => {
    expect((await request(server).get('/hello?name=ana').expect(200)).body).toEqual({
      name: 'ana',
      path: '/hello',
      ip: 'string',
    });
    expect((await request(server).get('/admin/ping').expect(200)).body).toEqual({ subApp: true, baseUrl: '/admin' });
  });

  test('authentication, dedupe and forwarding a handler failure to the Express error handler still work', async () => {
    await request(server).post('/webhook').set({ UserName: USER, Authorization: 'wrong' }).send(textEvent()).expect(401);
    const event = textEvent();
    await request(server).post('/webhook').set(credentials).send(event).expect(200);
    expect((await request(server).post('/webhook').set(credentials).send(event).expect(200)).body).toEqual({
      received: true,
      duplicate: true,
    });
    expect((await request(server).post('/webhook').set(credentials).send(textEvent('fail')).expect(599)).body).toEqual({
      forwarded: 'handler_failed',
    });
  });
});

/**
 * The second recipe of bench/README.md ("Recipes"): the webhook path goes to the middleware on the node:http server,
 * before Express sees the request (Express swaps the prototype of every request and response, which costs
 * more than the middleware's own work: bench/README.md). Everything else still goes to the Express app.
 */
describe.each(expressVersions)('the webhook ahead of Express on the node:http server (%s)', (_name, express) => {
  function setup(options: Partial<InnopaasWebhookOptions> = {}) {
    const seen: { id: string; plainRequest: boolean; attached: boolean }[] = [];
    const webhook = innopaasWebhook({
      userName: USER,
      authorization: AUTH,
      on: {
        whatsapp_mo_message_received: (event, req) => {
          seen.push({
            id: event.id,
            plainRequest: Object.getPrototypeOf(req) === IncomingMessage.prototype,
            attached: (req as { innopaasEvent?: unknown }).innopaasEvent === event,
          });
          if (event.body.type === 'text' && event.body.text.body === 'fail') throw new Error('handler failed');
        },
      },
      ...options,
    });
    const app = express();
    app.get('/health', (_req, res) => {
      res.json({ express: true });
    });
    app.post('/orders', express.json(), (req, res) => {
      res.status(201).json({ echoed: req.body });
    });
    // The recipe, as bench/README.md writes it.
    const listener = (req: IncomingMessage, res: ServerResponse) => {
      if (req.url?.split('?', 1)[0] === '/webhook') webhook(req, res);
      else app(req, res);
    };
    return { listener, seen };
  }

  test('an event reaches its handler with a plain Node request, and req.innopaasEvent set', async () => {
    const { listener, seen } = setup();
    const event = textEvent('hello');
    const res = await request(listener).post('/webhook').set(credentials).send(event).expect(200);
    expect(res.body).toEqual({ received: true });
    expect(seen).toEqual([{ id: event.id, plainRequest: true, attached: true }]);
  });

  test('a query string on the configured URL still reaches the webhook', async () => {
    const { listener, seen } = setup();
    const event = textEvent();
    await request(listener).post('/webhook?source=innopaas').set(credentials).send(event).expect(200);
    expect(seen.map((s) => s.id)).toEqual([event.id]);
  });

  test('every other path is still served by the Express app', async () => {
    const { listener, seen } = setup();
    expect((await request(listener).get('/health').expect(200)).body).toEqual({ express: true });
    const order = await request(listener).post('/orders').send({ sku: 'A-1' }).expect(201);
    expect(order.body).toEqual({ echoed: { sku: 'A-1' } });
    expect(seen).toEqual([]);
  });

  test('authentication, dedupe and the status table are the same as under Express', async () => {
    const { listener, seen } = setup();
    const denied = await request(listener)
      .post('/webhook')
      .set({ UserName: USER, Authorization: 'wrong' })
      .send(textEvent())
      .expect(401);
    expect(denied.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(denied.body).toMatchObject({ status: 401, code: 'unauthorized' });
    const event = textEvent();
    await request(listener).post('/webhook').set(credentials).send(event).expect(200);
    const again = await request(listener).post('/webhook').set(credentials).send(event).expect(200);
    expect(again.body).toEqual({ received: true, duplicate: true });
    await request(listener).get('/webhook').set(credentials).expect(405);
    expect(seen.map((s) => s.id)).toEqual([event.id]);
  });

  test('with no Express error handler to forward to, a failing handler is answered by the middleware', async () => {
    // forwardErrors needs next(); without one the middleware answers, so that nothing hangs.
    const { listener } = setup({ forwardErrors: 'all' });
    const failed = await request(listener).post('/webhook').set(credentials).send(textEvent('fail')).expect(500);
    expect(failed.body).toMatchObject({ status: 500, code: 'handler_failed' });
  });
});
