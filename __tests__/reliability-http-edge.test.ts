import { createServer, IncomingMessage, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { getRequestListener } from '@hono/node-server';
import type { RequestHandler } from 'express';
import { Hono } from 'hono';
import { handleExpectContinue, innopaasFetchHandler, innopaasWebhook } from '../lib';
import { AUTH, USER, createApp, credentials, expressVersions, textEvent } from './helpers/app';
import { expectContinueExchange, listenLocal, rawPost, sendRaw, type LocalServer, type RawResponse } from './helpers/raw-http';

/**
 * The HTTP edge where the request does not look like a plain client's: built in process by a
 * serverless adapter, paused or parsed by an earlier middleware, carrying `Expect: 100-continue` to a
 * server with two webhooks, refused early with `forwardErrors`, or a Fetch body stream that yields the
 * wrong things or breaks off. Every case gets a clear answer, never a crash, a hang or a lost event.
 */

const escaped: unknown[] = [];
const record = (error: unknown) => escaped.push(error);
beforeAll(() => {
  process.on('unhandledRejection', record).on('uncaughtException', record);
});
afterAll(() => {
  process.off('unhandledRejection', record).off('uncaughtException', record);
});
afterEach(() => {
  expect(escaped.splice(0)).toEqual([]);
});

const json = (response: unknown): unknown => JSON.parse((response as RawResponse).body);

/** A stream body needs `duplex: 'half'`, which the DOM typings do not list; chunks of any type, to test them. */
const streamInit = (init: Omit<RequestInit, 'body'> & { body: ReadableStream<unknown> | null; duplex: 'half' }) =>
  init as RequestInit;

describe.each(expressVersions)('a request built by serverless-http (%s)', (_name, express) => {
  /**
   * What serverless-http (AWS Lambda, Netlify) hands the app: an IncomingMessage built from the
   * platform's event, `headers` filled in with lower-cased names, the body pushed when read, and
   * `rawHeaders` left empty.
   */
  function lambdaRequest(from: IncomingMessage, body: Buffer): IncomingMessage {
    const req = new IncomingMessage(new PassThrough() as unknown as Socket);
    const headers: IncomingHttpHeaders = { ...from.headers };
    Object.assign(req, { complete: true, httpVersion: '1.1', method: from.method, url: from.url, headers });
    req._read = () => {
      req.push(body);
      req.push(null);
    };
    return req;
  }

  let server: LocalServer;
  const seen: string[] = [];
  beforeAll(async () => {
    const { app } = createApp(express, {
      on: {
        whatsapp_mo_message_received: (event) => {
          seen.push(event.id);
        },
      },
    });
    // The platform's side: the event arrives, its body is read, and the app gets the rebuilt request.
    server = await listenLocal((outer, res) => {
      void outer.toArray().then((chunks: Buffer[]) => {
        const req = lambdaRequest(outer, Buffer.concat(chunks));
        expect(req.rawHeaders).toEqual([]);
        app(req, res);
      });
    });
  });
  afterAll(() => server.close());

  test('the credentials are read from headers when rawHeaders is empty: the delivery is handled', async () => {
    const event = textEvent();
    const ok = await sendRaw(server.port, rawPost(credentials, { body: JSON.stringify(event) }));
    expect(ok).toMatchObject({ status: 200, body: '{"received":true}' });
    expect(seen).toEqual([event.id]);

    const wrong = await sendRaw(
      server.port,
      rawPost({ ...credentials, Authorization: 'wrong' }, { body: JSON.stringify(textEvent()) }),
    );
    expect(wrong.status).toBe(401);
    expect(json(wrong)).toMatchObject({ code: 'unauthorized' });
    expect(seen).toHaveLength(1);
  });

  test('a request with raw headers is read from them only: credentials an earlier middleware set in headers do not count', async () => {
    const handled: string[] = [];
    const { app } = createApp(express, { on: { whatsapp_mo_message_received: (event) => void handled.push(event.id) } });
    const injecting = await listenLocal((req, res) => {
      req.headers.username = USER;
      req.headers.authorization = AUTH;
      app(req, res);
    });
    try {
      const response = await sendRaw(injecting.port, rawPost({}, { body: JSON.stringify(textEvent()) }));
      expect(response.status).toBe(401);
      expect(handled).toEqual([]);
    } finally {
      await injecting.close();
    }
  });
});

/** An Expect: 100-continue POST with the package's user name and the `authorization` given. */
const exchange = (port: number, path: string, authorization: string, body: string): Promise<string> =>
  expectContinueExchange(port, path, { UserName: USER, Authorization: authorization }, body);
// Not anchored: a body ends without a line break, and the next status line starts right after it.
const statusLines = (raw: string) => raw.match(/HTTP\/1\.1 \d+/g) ?? [];

describe.each(expressVersions)('handleExpectContinue called once per webhook on one server (%s)', (_name, express) => {
  let server: Server;
  let port: number;
  let runs = 0;
  const removers: Array<() => void> = [];
  beforeEach(async () => {
    runs = 0;
    const count = () => {
      runs += 1;
    };
    const app = express();
    // No dedupe: a request run twice shows as two handler runs.
    const webhook = () =>
      innopaasWebhook({
        userName: USER,
        authorization: AUTH,
        dedupe: false,
        onError: false,
        on: { whatsapp_mo_message_received: count },
      });
    app.use('/webhook-a', webhook() as unknown as RequestHandler);
    app.use('/webhook-b', webhook() as unknown as RequestHandler);
    server = createServer(app);
    removers.push(handleExpectContinue(server, '/webhook-a'), handleExpectContinue(server, '/webhook-b'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    removers.length = 0;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('each request runs once; wrong credentials get one 401, and the process lives', async () => {
    expect(server.listenerCount('checkContinue')).toBe(1);
    const right = await exchange(port, '/webhook-a', AUTH, JSON.stringify(textEvent()));
    expect(statusLines(right)).toEqual(['HTTP/1.1 100', 'HTTP/1.1 200']);
    expect(runs).toBe(1);

    // With a listener per call, the second one's "100 Continue" after this 401 threw out of the server.
    const wrong = await exchange(port, '/webhook-b', 'wrong', JSON.stringify(textEvent()));
    expect(statusLines(wrong)).toEqual(['HTTP/1.1 401']);
    const elsewhere = await exchange(port, '/elsewhere', AUTH, '{}');
    expect(statusLines(elsewhere)).toEqual(['HTTP/1.1 100', 'HTTP/1.1 404']);
    expect(runs).toBe(1);
  });

  test('removing one call keeps the other path deferred; removing both leaves no listener', async () => {
    const [removeA, removeB] = removers as [() => void, () => void];
    removeA();
    removeA();
    expect(server.listenerCount('checkContinue')).toBe(1);
    // Node's own behaviour again on /webhook-a: invited before the credentials are checked.
    expect(statusLines(await exchange(port, '/webhook-a', 'wrong', '{}'))).toEqual(['HTTP/1.1 100', 'HTTP/1.1 401']);
    expect(statusLines(await exchange(port, '/webhook-b', 'wrong', '{}'))).toEqual(['HTTP/1.1 401']);
    removeB();
    expect(server.listenerCount('checkContinue')).toBe(0);
  });
});

describe('handleExpectContinue after a checkContinue listener of the app', () => {
  test('a listener that answered first (417): its answer stands, no second interim answer, no crash', async () => {
    const own = createServer();
    own.on('checkContinue', (req, res) => {
      // An app that refuses some expectations itself (RFC 9110's 417), before ours runs.
      if (req.url === '/refused') res.writeHead(417).end();
    });
    handleExpectContinue(own, '/webhook');
    own.on('request', (_req, res) => {
      res.end('app');
    });
    await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
    try {
      const ownPort = (own.address() as AddressInfo).port;
      expect(statusLines(await exchange(ownPort, '/refused', AUTH, '{}'))).toEqual(['HTTP/1.1 417']);
      expect(statusLines(await exchange(ownPort, '/other', AUTH, '{}'))).toEqual(['HTTP/1.1 100', 'HTTP/1.1 200']);
    } finally {
      own.closeAllConnections();
      await new Promise((resolve) => own.close(resolve));
    }
  });
});

describe.each(expressVersions)('what ran before the webhook (%s)', (_name, express) => {
  const LIMIT = 1024;
  /** A valid event well over LIMIT, sent chunked: no Content-Length for the pre-check to refuse. */
  const oversized = () => rawPost(credentials, { body: JSON.stringify(textEvent('x'.repeat(4 * LIMIT))), chunkSize: 512 });

  const rawBodyOf =
    (as: 'buffer' | 'string'): RequestHandler =>
    (req, _res, next) => {
      void req.toArray().then((chunks: Buffer[]) => {
        const bytes = Buffer.concat(chunks);
        (req as unknown as { rawBody: unknown }).rawBody = as === 'buffer' ? bytes : bytes.toString('utf8');
        next();
      });
    };
  const parsers: Array<[string, RequestHandler]> = [
    ["express.raw({ type: '*/*' })", express.raw({ type: '*/*', limit: '1mb' })],
    ["express.text({ type: '*/*' })", express.text({ type: '*/*', limit: '1mb' })],
    ['a platform setting req.rawBody to a Buffer', rawBodyOf('buffer')],
    ['a platform setting req.rawBody to a string', rawBodyOf('string')],
  ];

  test.each(parsers)('%s read a chunked body over limit: 413 payload_too_large all the same', async (_parser, before) => {
    let runs = 0;
    const { app } = createApp(
      express,
      {
        limit: LIMIT,
        on: {
          whatsapp_mo_message_received: () => {
            runs += 1;
          },
        },
      },
      { before: [before] },
    );
    const server = await listenLocal(app);
    try {
      const response = await sendRaw(server.port, oversized());
      expect(response.status).toBe(413);
      expect(json(response)).toMatchObject({ code: 'payload_too_large' });
      expect(runs).toBe(0);
    } finally {
      await server.close();
    }
  });

  test('a middleware that paused the request stream: the delivery is read and handled, not timed out', async () => {
    const seen: string[] = [];
    const pause: RequestHandler = (req, _res, next) => {
      req.pause();
      next();
    };
    const { app } = createApp(
      express,
      {
        bodyTimeoutMs: 2000,
        on: {
          whatsapp_mo_message_received: (event) => {
            seen.push(event.id);
          },
        },
      },
      { before: [pause] },
    );
    const server = await listenLocal(app);
    try {
      const event = textEvent();
      const response = await sendRaw(server.port, rawPost(credentials, { body: JSON.stringify(event) }));
      expect(response).toMatchObject({ status: 200, body: '{"received":true}' });
      expect(seen).toEqual([event.id]);
    } finally {
      await server.close();
    }
  });
});

describe.each(expressVersions)("forwardErrors: 'all' (%s)", (_name, express) => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await listenLocal(createApp(express, { forwardErrors: 'all' }).app);
  });
  afterAll(() => server.close());

  /** Resolves with the answer's head and whether the server closed the connection within half a second. */
  function stalled(head: string): Promise<{ head: string; closed: boolean }> {
    return new Promise((resolve) => {
      const socket = connect(server.port, '127.0.0.1');
      let raw = '';
      const timer = setTimeout(() => {
        socket.destroy();
        resolve({ head: raw.split('\r\n\r\n')[0] ?? '', closed: false });
      }, 500);
      socket.on('data', (chunk: Buffer) => (raw += chunk.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve({ head: raw.split('\r\n\r\n')[0] ?? '', closed: true });
      });
      socket.write(head);
    });
  }

  test('a refusal forwarded before the body is complete closes the connection, as our own answer does', async () => {
    const head = (authorization: string, body: string, length: number) =>
      `POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nUserName: ${USER}\r\n` +
      `Authorization: ${authorization}\r\nContent-Length: ${length}\r\n\r\n${body}`;
    // 1 MB declared, 6 bytes sent, then the client stalls: the socket must not stay with it.
    const early = await stalled(head('wrong', '{"id":', 1024 * 1024));
    expect(early.head).toMatch(/^HTTP\/1\.1 599 /);
    expect(early.head).toMatch(/^Connection: close$/im);
    expect(early.closed).toBe(true);

    // After the whole body the connection stays open for the next request.
    const late = await stalled(head(AUTH, 'nope', 4));
    expect(late.head).toMatch(/^HTTP\/1\.1 599 /);
    expect(late.head).toMatch(/^Connection: keep-alive$/im);
    expect(late.closed).toBe(false);
  });
});

describe('a body shorter than its Content-Length on a real server (Express 5)', () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await listenLocal(createApp(expressVersions[1][1], { bodyTimeoutMs: 300 }).app);
  });
  afterAll(() => server.close());

  /** Sends 6 bytes of a declared 100, then waits, half-closes or hangs up; resolves with all the server wrote. */
  function short(then: 'wait' | 'half-close' | 'hang up'): Promise<string> {
    return new Promise((resolve) => {
      const socket = connect({ port: server.port, host: '127.0.0.1', allowHalfOpen: true });
      let raw = '';
      socket.on('data', (chunk: Buffer) => (raw += chunk.toString('latin1')));
      socket.on('error', () => undefined);
      // Half-open only until the server is done: its end is the end of the exchange.
      socket.on('end', () => socket.end());
      const deadline = setTimeout(() => socket.destroy(), 3000);
      socket.on('close', () => {
        clearTimeout(deadline);
        resolve(raw);
      });
      socket.write(
        `POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nUserName: ${USER}\r\n` +
          `Authorization: ${AUTH}\r\nContent-Length: 100\r\n\r\n{"id":`,
      );
      setTimeout(() => {
        if (then === 'half-close') socket.end();
        if (then === 'hang up') socket.destroy();
      }, 50);
    });
  }

  // What the status table says: request_aborted is never what such a client reads.
  test('a waiting client gets 408, one that half-closes gets Node’s bare 400, one that hangs up nothing', async () => {
    const waited = await short('wait');
    expect(waited).toMatch(/^HTTP\/1\.1 408 /);
    expect(waited).toContain('"code":"request_timeout"');
    expect(await short('half-close')).toBe('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    expect(await short('hang up')).toBe('');
  });
});

describe('innopaasFetchHandler: body streams that are not plain bytes', () => {
  const handler = innopaasFetchHandler({ userName: USER, authorization: AUTH, onError: false });
  const fetchHeaders = { 'content-type': 'application/json', ...credentials };
  let server: LocalServer;
  beforeAll(async () => {
    const hono = new Hono();
    // An app that decodes the body as it streams (to log it, say) and hands the strings on.
    hono.post('/decoded', (c) => {
      const { raw } = c.req;
      const body = (raw.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream());
      return handler(new Request(raw.url, streamInit({ method: 'POST', headers: raw.headers, body, duplex: 'half' })));
    });
    // A middleware that took a reader to peek at the body, and read nothing.
    hono.post('/locked', (c) => {
      c.req.raw.body?.getReader();
      return handler(c.req.raw);
    });
    server = await listenLocal(getRequestListener(hono.fetch));
  });
  afterAll(() => server.close());

  /** Hands the handler a Request whose body stream yields `chunks` as they are, without a Content-Length. */
  const postChunks = (chunks: readonly unknown[]): Promise<Response> => {
    const body = new ReadableStream({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    return handler(
      new Request('http://localhost/webhook', streamInit({ method: 'POST', headers: fetchHeaders, body, duplex: 'half' })),
    );
  };

  test('string or ArrayBuffer chunks: 400 request_aborted, with or without a Content-Length, and no unhandled rejection', async () => {
    const body = JSON.stringify(textEvent());
    for (const framing of [{ chunkSize: 64 }, {}]) {
      const response = await sendRaw(server.port, rawPost(credentials, { path: '/decoded', body, ...framing }));
      expect(response.status).toBe(400);
      expect(json(response)).toMatchObject({ code: 'request_aborted' });
    }
    const answer = await postChunks([new TextEncoder().encode(body).buffer]);
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ code: 'request_aborted' });
  });

  test('chunks of another typed array dressed up as Uint8Array: 400 request_aborted, not a hang', async () => {
    const fake = (): Uint16Array => {
      const chunk = new Uint16Array(4);
      Object.defineProperty(chunk, Symbol.toStringTag, { value: 'Uint8Array' });
      return chunk;
    };
    const answer = await postChunks([fake(), fake()]);
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ code: 'request_aborted' });
  });

  test('a body locked by another reader: 400 body_already_consumed, with or without a Content-Length', async () => {
    const body = JSON.stringify(textEvent());
    for (const framing of [{ chunkSize: 64 }, {}]) {
      const response = await sendRaw(server.port, rawPost(credentials, { path: '/locked', body, ...framing }));
      expect(response.status).toBe(400);
      expect(json(response)).toMatchObject({ code: 'body_already_consumed' });
    }
  });

  test('a relayed body whose upstream hangs up (a TypeError, "terminated"): 400 request_aborted either way', async () => {
    // The upstream of a relay: it starts a chunked body and drops the connection half way.
    const upstream = await listenLocal((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"id":"abc",');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    // Jest runs the library in a realm of its own, where undici's TypeError is no `instanceof TypeError`:
    // a stream failing with this realm's TypeError stands for it there.
    const failing = () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"id":"abc",'));
        },
        pull(controller) {
          controller.error(new TypeError('terminated'));
        },
      });
    try {
      for (const length of [{ 'content-length': '1000' }, {}] as Array<Record<string, string>>) {
        const relayed = await fetch(`http://127.0.0.1:${upstream.port}/`);
        for (const body of [relayed.body, failing()]) {
          const answer = await handler(
            new Request(
              'http://localhost/webhook',
              streamInit({ method: 'POST', headers: { ...fetchHeaders, ...length }, body, duplex: 'half' }),
            ),
          );
          expect(answer.status).toBe(400);
          expect(await answer.json()).toMatchObject({ code: 'request_aborted' });
        }
      }
    } finally {
      await upstream.close();
    }
  });
});

describe.each(expressVersions)('requests pipelined behind an answer that closes the connection (%s)', (_name, express) => {
  /** Writes the requests in one go on one connection; resolves with everything read until the server closes it. */
  function pipeline(port: number, requests: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let read = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => (read += chunk));
      socket.on('error', reject);
      socket.on('close', () => {
        resolve(read);
      });
      socket.setTimeout(5_000, () => socket.destroy(new Error('no close within 5 s')));
      socket.write(requests.join(''));
    });
  }
  const post = (headers: Record<string, string>, event: unknown, path = '/webhook'): string => {
    const body = JSON.stringify(event);
    const lines = Object.entries({ ...headers, 'Content-Type': 'application/json' }).map(([k, v]) => `${k}: ${v}\r\n`);
    return `POST ${path} HTTP/1.1\r\nHost: localhost\r\n${lines.join('')}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  };

  test.each([
    ['401, dedupe off', { dedupe: false as const }, { ...credentials, UserName: 'wrong' }],
    ['401, default dedupe', {}, { ...credentials, UserName: 'wrong' }],
    // Room for the second event, not for the first one's padding.
    ['413, dedupe off', { dedupe: false as const, limit: JSON.stringify(textEvent()).length + 100 }, credentials],
  ])('%s: the request behind it runs nothing, and its redelivery runs it once', async (_case, options, firstHeaders) => {
    const handled: string[] = [];
    const answers: string[] = [];
    const { app } = createApp(express, {
      ...options,
      observers: [{ begin: () => ({ answered: (answer) => void answers.push(answer.code) }) }],
      on: { whatsapp_mo_message_received: (event) => void handled.push(event.id) },
    });
    const server = await listenLocal(app);
    try {
      // The first request is refused before its body is read, so its answer closes the connection.
      const first = 'limit' in options ? { ...textEvent(), padding: 'x'.repeat(500) } : textEvent();
      const event = textEvent();
      const read = await pipeline(server.port, [post(firstHeaders, first), post(credentials, event)]);
      expect(statusLines(read)).toHaveLength(1);
      expect(read).toMatch(/^Connection: close/im);
      expect(handled).toEqual([]);
      expect(answers).toContain('connection_closing');
      // The sender, with no answer, sends it again on a new connection: handled once.
      const again = await sendRaw(server.port, rawPost(credentials, { body: JSON.stringify(event) }));
      expect(again.status).toBe(200);
      expect(handled).toEqual([event.id]);
    } finally {
      await server.close();
    }
  });

  test('requests pipelined behind a 200 are all answered and handled', async () => {
    const handled: string[] = [];
    const { app } = createApp(express, { on: { whatsapp_mo_message_received: (event) => void handled.push(event.id) } });
    const server = await listenLocal(app);
    try {
      const events = [textEvent(), textEvent()];
      const read = pipeline(server.port, [
        ...events.map((event) => post(credentials, event)),
        post({ ...credentials, Connection: 'close' }, textEvent()),
      ]);
      expect(statusLines(await read)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 200']);
      expect(handled).toHaveLength(3);
    } finally {
      await server.close();
    }
  });
});
