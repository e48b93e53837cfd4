import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express5 from 'express';
import { innopaasFetchHandler, innopaasWebhook, type InnopaasEvent } from '../lib';
import { buildEvent, buildInboundMessage, credentialHeaders, deliver } from '../lib/testing';
import { AUTH, USER, createApp, expressVersions } from './helpers/app';

const credentials = { userName: USER, authorization: AUTH };

describe('credentialHeaders', () => {
  it('names the headers as InnoPaaS sends them, values verbatim', () => {
    expect(credentialHeaders({ userName: 'u', authorization: 'Bearer-less secret' })).toEqual({
      UserName: 'u',
      Authorization: 'Bearer-less secret',
    });
  });
});

describe.each(expressVersions)('deliver to an in-process %s app with the real middleware', (_name, express) => {
  function appRecording() {
    const seen: InnopaasEvent[] = [];
    const { app } = createApp(express, {
      on: {
        whatsapp_mo_message_received: (event) => void seen.push(event),
        whatsapp_message_status_updated: (event) => void seen.push(event),
      },
    });
    return { app, seen };
  }

  it('delivers a built event with the credentials: 200, and the handler gets it typed', async () => {
    const { app, seen } = appRecording();
    const event = buildInboundMessage('image', { image: { caption: 'receipt' } });
    const response = await deliver(app, event, { credentials });
    expect(response).toMatchObject({ status: 200, body: { received: true }, text: '{"received":true}' });
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.durationMs).toBeGreaterThan(0);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ id: event.id, body: { type: 'image', image: { caption: 'receipt' } } });
  });

  it('without credentials → 401 problem+json, parsed', async () => {
    const { app, seen } = appRecording();
    const response = await deliver(app, buildEvent('whatsapp_message_status_updated'));
    expect(response).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
    expect(seen).toHaveLength(0);
  });

  it('the same event twice → handled once (dedupe by id)', async () => {
    const { app, seen } = appRecording();
    const event = buildEvent('whatsapp_message_status_updated', { body: { status: 'failed' } });
    await deliver(app, event, { credentials });
    const again = await deliver(app, event, { credentials });
    expect(again).toMatchObject({ status: 200, body: { received: true, duplicate: true } });
    expect(seen).toHaveLength(1);
  });

  it.each([
    ['a raw body that is not JSON', 400, 'invalid_json', { body: '{"id":' }],
    ['a text/plain content type', 415, 'unsupported_media_type', { contentType: 'text/plain' }],
    ['an extra header that replaces Authorization', 401, 'unauthorized', { headers: { Authorization: 'wrong' } }],
    ['another method', 405, 'method_not_allowed', { method: 'PUT' }],
  ] as const)('%s → %i %s', async (_case, status, code, options) => {
    const { app } = appRecording();
    const response = await deliver(app, buildEvent('whatsapp_message_status_updated'), { credentials, ...options });
    expect(response).toMatchObject({ status, body: { code } });
  });

  it('no event and no body is the console connectivity probe → 200', async () => {
    const { app, seen } = appRecording();
    expect(await deliver(app, undefined, { credentials })).toMatchObject({ status: 200, body: { received: true, test: true } });
    expect(seen).toHaveLength(0);
  });

  it('requests the path given, for an app that mounts the webhook elsewhere', async () => {
    const app = express();
    app.use('/hooks/innopaas', innopaasWebhook({ userName: USER, authorization: AUTH }) as never);
    expect((await deliver(app, buildEvent('chat_mt_message_notify'), { credentials, path: '/hooks/innopaas' })).status).toBe(200);
    expect((await deliver(app, buildEvent('chat_mt_message_notify'), { credentials })).status).toBe(404);
  });
});

describe('deliver to other targets', () => {
  let server: Server;
  let url: string;
  const seen: string[] = [];
  beforeAll(async () => {
    const webhook = innopaasWebhook({
      userName: USER,
      authorization: AUTH,
      on: { chat_mo_message_notify: (event) => void seen.push(event.id) },
    });
    server = createServer((req, res) => {
      webhook(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/anything`;
  });
  afterAll(
    () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  );

  it('a URL string of a real listening server', async () => {
    const event = buildEvent('chat_mo_message_notify');
    expect(await deliver(url, event, { credentials })).toMatchObject({ status: 200, body: { received: true } });
    expect(seen).toContain(event.id);
  });

  it('a URL object, and a raw Uint8Array body', async () => {
    const event = buildEvent('chat_mo_message_notify');
    const response = await deliver(new URL(url), undefined, {
      credentials,
      body: new TextEncoder().encode(JSON.stringify(event)),
    });
    expect(response.status).toBe(200);
    expect(seen).toContain(event.id);
  });

  it('a bare request listener, the middleware itself', async () => {
    const webhook = innopaasWebhook({ userName: USER, authorization: AUTH });
    expect((await deliver(webhook, buildEvent('template_category_update'), { credentials })).status).toBe(200);
  });

  it('a plain-text answer comes back as text', async () => {
    const response = await deliver((_req, res) => res.end('hello'), buildEvent('template_category_update'));
    expect(response).toMatchObject({ status: 200, body: 'hello', text: 'hello' });
  });

  it('a listener that never answers fails after timeoutMs', async () => {
    await expect(deliver(() => undefined, buildEvent('template_category_update'), { timeoutMs: 100 })).rejects.toThrow(
      /no answer from http:\/\/127\.0\.0\.1:\d+ within 100 ms/,
    );
  });

  it('timeoutMs bounds the whole answer: a server that trickles its body fails after it', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const drip = setInterval(() => res.write('.'), 20);
      res.on('close', () => {
        clearInterval(drip);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await expect(deliver(`http://127.0.0.1:${port}/webhook`, {}, { timeoutMs: 200 })).rejects.toThrow(/within 200 ms/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    }
  });

  it('a refused connection rejects with the network error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) =>
      closed.close(() => {
        resolve();
      }),
    );
    await expect(deliver(`http://127.0.0.1:${port}/webhook`, {})).rejects.toThrow(/ECONNREFUSED/);
  });

  it('extra headers replace the derived ones whatever their case: an Express app and a Fetch handler answer alike', async () => {
    const received: string[] = [];
    const on = { whatsapp_message_status_updated: (event: InnopaasEvent) => void received.push(event.id) };
    const targets = [
      ['Express', createApp(express5, { on }).app],
      ['innopaasFetchHandler', { fetch: innopaasFetchHandler({ userName: USER, authorization: AUTH, onError: false, on }) }],
    ] as const;
    const calls: Record<string, string>[] = [
      // Would be `application/json, application/json; charset=utf-8` for a Fetch Request: 415.
      { 'content-type': 'application/json; charset=utf-8' },
      // Would be `wrong, <the right one>`: 401.
      { authorization: AUTH },
    ];
    for (const headers of calls) {
      const answers: Record<string, number> = {};
      for (const [name, target] of targets) {
        const credentials = { userName: USER, authorization: headers.authorization === undefined ? AUTH : 'wrong' };
        answers[name] = (await deliver(target, buildEvent('whatsapp_message_status_updated'), { credentials, headers })).status;
      }
      expect(answers).toEqual({ Express: 200, innopaasFetchHandler: 200 });
    }
    expect(received).toHaveLength(4);
  });

  it.each([Infinity, NaN, 0, -1, 2 ** 31])(
    'timeoutMs %p: rejected with a RangeError before anything is sent',
    async (timeoutMs) => {
      let called = 0;
      const listener = (_req: unknown, res: { end(): void }) => {
        called += 1;
        res.end();
      };
      const fetchTarget = {
        fetch: () => {
          called += 1;
          return new Response('');
        },
      };
      for (const target of [listener, fetchTarget, 'http://127.0.0.1:1/webhook'])
        await expect(deliver(target, {}, { timeoutMs })).rejects.toThrow(
          new RangeError(`deliver: timeoutMs must be a number of ms from 1 to 2147483647, not ${String(timeoutMs)}`),
        );
      expect(called).toBe(0);
    },
  );

  it('a body that is not text or bytes, or an event given as JSON text: a TypeError saying what to pass', async () => {
    let called = 0;
    const listener = (_req: unknown, res: { end(): void }) => {
      called += 1;
      res.end();
    };
    await expect(deliver(listener, undefined, { body: { id: 'x' } as never })).rejects.toThrow(
      new TypeError(
        'deliver: options.body is the raw body, a string or bytes (got object). To send an event as JSON, pass it as the second argument.',
      ),
    );
    await expect(deliver(listener, JSON.stringify(buildEvent('chat_mt_message_notify')))).rejects.toThrow(
      /deliver: the event is a string\. Pass the event object \(JSON\.parse it first\), or send the raw text with options\.body\./,
    );
    // The raw text is sent as it is with `body`.
    await deliver(listener, undefined, { body: '"a JSON string"' });
    expect(called).toBe(1);
  });

  it('a path that starts with two slashes is requested as a path, from a listener and a Fetch target alike', async () => {
    const listener = (req: { url?: string }, res: { end(text: string): void }) => {
      res.end(req.url ?? '');
    };
    const fetchTarget = { fetch: (request: Request) => new Response(new URL(request.url).pathname) };
    for (const target of [listener, fetchTarget])
      expect((await deliver(target, {}, { path: '//webhook?x=1' })).text).toMatch(/^\/\/webhook/);
  });

  it('Set-Cookie lines come back as a list, from a listener and a Fetch target alike', async () => {
    const cookies = ['a=1; Path=/', 'b=2; Path=/'];
    const listener = (_req: unknown, res: { setHeader(name: string, value: string[]): void; end(): void }) => {
      res.setHeader('Set-Cookie', cookies);
      res.end();
    };
    const fetchTarget = {
      fetch: () => new Response('', { headers: cookies.map((cookie): [string, string] => ['Set-Cookie', cookie]) }),
    };
    for (const target of [listener, fetchTarget]) expect((await deliver(target, {})).headers['set-cookie']).toEqual(cookies);
  });

  it('rejects a target that is neither a URL, a listener nor a fetch target', async () => {
    await expect(deliver(42 as never, {})).rejects.toThrow(/URL or a request listener .*fetch\(request\)/);
    await expect(deliver({ fetch: 'no' } as never, {})).rejects.toThrow(/URL or a request listener/);
  });
});
