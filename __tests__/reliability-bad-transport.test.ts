import { connect } from 'node:net';
import express from 'express';
import { createApp, credentials, textEvent } from './helpers/app';
import { NODE_MAJOR } from './helpers/node-line';
import {
  chunked,
  describeCorpus,
  listenLocal,
  rawPost,
  sendRaw,
  type CorpusCase,
  type LocalServer,
  type RawPost,
} from './helpers/raw-http';

/**
 * The bad-input corpus, part 3: how the body arrives — chunked or not, too long, too short, too slow,
 * or not at all. The middleware's own bounds (`limit`, `bodyTimeoutMs`) answer with a problem; what
 * HTTP/1.1 itself forbids, Node's parser refuses before Express runs (`node` rows).
 */

const BODY_TIMEOUT_MS = 400;
const event = () => JSON.stringify(textEvent());
const half = (body: string) => body.slice(0, body.length >> 1);
/** The first chunk of a chunked body that never ends. */
const FIRST_CHUNK_ONLY = chunked(Buffer.from('{"id":"abc","type":'), 1 << 10)[0] as Buffer;
const noCredentials: RawPost['headers'] = [
  ['UserName', null],
  ['Authorization', null],
];

/** A valid event declared at its length but sent in two halves `gapMs` apart. */
function trickled(gapMs: number): RawPost {
  const body = event();
  return { contentLength: String(Buffer.byteLength(body)), then: [half(body), gapMs, body.slice(body.length >> 1)] };
}

const framing: CorpusCase[] = [
  ['chunked, one chunk', { body: event(), chunkSize: 1 << 20 }, 200, 'received'],
  ['chunked, one byte a chunk', { body: event(), chunkSize: 1 }, 200, 'received'],
  [
    'chunked with chunk extensions',
    {
      headers: [['Transfer-Encoding', 'chunked']],
      contentLength: null,
      then: [`${Buffer.byteLength(event()).toString(16)};source=innopaas\r\n${event()}\r\n0\r\n\r\n`],
    },
    200,
    'received',
  ],
  [
    'chunked with a trailer field',
    {
      headers: [
        ['Transfer-Encoding', 'chunked'],
        ['Trailer', 'X-Checksum'],
      ],
      contentLength: null,
      then: [...chunked(Buffer.from(event()), 100).slice(0, -1), '0\r\nX-Checksum: abc\r\n\r\n'],
    },
    200,
    'received',
  ],
  ['chunked with no data (the connectivity test)', { body: '', chunkSize: 1 }, 200, 'test'],
  ['Content-Length: 0', { body: '' }, 200, 'test'],
  ['Content-Length with leading zeros', { body: event(), contentLength: `000${Buffer.byteLength(event())}` }, 200, 'received'],
  // The bytes past the declared length: Node 20 and later read them as a second request and refuse it at
  // once; Node 18's HTTP parser drops what follows a `Connection: close` request, so the middleware
  // answers the 40 bytes it was promised, which are not JSON.
  [
    'Content-Length shorter than the body',
    { body: event(), contentLength: '40' },
    400,
    NODE_MAJOR >= 20 ? 'node' : 'invalid_json',
  ],
];

const MB = 1024 * 1024;
const bounds: CorpusCase[] = [
  [
    'a 2 MB chunked body, no Content-Length (the streaming cap)',
    { body: Buffer.alloc(2 * MB, 0x20), chunkSize: 64 * 1024 },
    413,
    'payload_too_large',
  ],
  [
    'a 2 MB chunked body without credentials',
    { headers: noCredentials, body: Buffer.alloc(2 * MB, 0x20), chunkSize: 64 * 1024 },
    401,
    'unauthorized',
  ],
  ['Content-Length: 1 TB, nothing sent (refused before reading)', { contentLength: String(2 ** 40) }, 413, 'payload_too_large'],
  ['Content-Length: 1 TB without credentials', { headers: noCredentials, contentLength: String(2 ** 40) }, 401, 'unauthorized'],
  [
    'a body declared longer than sent, the client waits',
    { body: event(), contentLength: String(Buffer.byteLength(event()) + 10) },
    408,
    'request_timeout',
  ],
  ['headers only, the body never comes', { contentLength: '100' }, 408, 'request_timeout'],
  ['a body trickling in slower than bodyTimeoutMs', trickled(BODY_TIMEOUT_MS * 2), 408, 'request_timeout'],
  [
    'a chunked body that stops before its last chunk',
    { headers: [['Transfer-Encoding', 'chunked']], contentLength: null, then: [FIRST_CHUNK_ONLY] },
    408,
    'request_timeout',
  ],
  ['a body with one pause well within bodyTimeoutMs', trickled(BODY_TIMEOUT_MS / 4), 200, 'received'],
  [
    'a client that hangs up half way through the body',
    { contentLength: '1000', then: [half(event()), 20], abort: true },
    0,
    'no-answer',
  ],
  [
    'a client that hangs up half way through a chunked body',
    { headers: [['Transfer-Encoding', 'chunked']], contentLength: null, then: [FIRST_CHUNK_ONLY, 20], abort: true },
    0,
    'no-answer',
  ],
  ['a client that hangs up right after the headers', { contentLength: '1000', then: [20], abort: true }, 0, 'no-answer'],
];

const parserRefusals: CorpusCase[] = [
  ['Content-Length: abc', { body: event(), contentLength: 'abc' }, 400, 'node'],
  ['Content-Length: -1', { body: event(), contentLength: '-1' }, 400, 'node'],
  ['Content-Length: +10', { body: event(), contentLength: '+10' }, 400, 'node'],
  ['Content-Length beyond 64 bits', { body: event(), contentLength: '99999999999999999999' }, 400, 'node'],
  [
    'two different Content-Lengths (request smuggling)',
    {
      body: event(),
      headers: [
        ['Content-Length', '5'],
        ['Content-Length', '7'],
      ],
    },
    400,
    'node',
  ],
  [
    'Content-Length and Transfer-Encoding together (request smuggling)',
    { body: event(), headers: [['Transfer-Encoding', 'chunked']] },
    400,
    'node',
  ],
  ['Transfer-Encoding: identity', { body: event(), headers: [['Transfer-Encoding', 'identity']] }, 400, 'node'],
  ['a folded header line (obs-fold)', { body: event(), headers: [['X-Folded', 'a\r\n b']] }, 400, 'node'],
];

describeCorpus('bad input: framing and transport', { bodyTimeoutMs: BODY_TIMEOUT_MS }, [
  ...framing,
  ...bounds,
  ...parserRefusals,
]);

describe('transport behaviour beyond one answer (Express 5)', () => {
  let handled = 0;
  let server: LocalServer;
  beforeAll(async () => {
    server = await listenLocal(
      createApp(express, {
        bodyTimeoutMs: BODY_TIMEOUT_MS,
        on: {
          whatsapp_mo_message_received: () => {
            handled += 1;
          },
        },
      }).app,
    );
  });
  // Also when a test failed half way: a server left listening would keep jest from exiting.
  afterAll(() => server.close());

  test('fifty clients hanging up mid-body cost nothing: no handler call, and the next request is served', async () => {
    const start = handled;
    const aborted = await Promise.all(
      Array.from({ length: 50 }, () =>
        sendRaw(server.port, rawPost(credentials, { contentLength: '1000', then: ['{"id":"a', 5], abort: true })),
      ),
    );
    expect(aborted.every((r) => r.status === 0)).toBe(true);
    const next = await sendRaw(server.port, rawPost(credentials, { body: event() }));
    expect(next.status).toBe(200);
    expect(handled - start).toBe(1);
  });

  test('a 408 closes the connection, so a stalled client does not keep it', async () => {
    const response = await sendRaw(
      server.port,
      rawPost(credentials, { contentLength: '100', headers: [['Connection', 'keep-alive']] }),
    );
    expect(response.status).toBe(408);
    expect('headers' in response && response.headers.connection).toBe('close');
  });

  test('two requests pipelined on one keep-alive connection are answered in order', async () => {
    const [first, second] = [event(), event()];
    const request = (body: string) =>
      `POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nUserName: ${credentials.UserName}\r\nAuthorization: ${credentials.Authorization}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const socket = connect({ port: server.port, host: '127.0.0.1' });
    let received = '';
    const bothAnswered = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`two answers expected, got: ${received}`));
      }, 5000);
      socket.on('data', (chunk) => {
        received += chunk.toString();
        if ((received.match(/HTTP\/1\.1 200/g) ?? []).length < 2) return;
        clearTimeout(timer);
        resolve();
      });
    });
    socket.write(request(first) + request(second));
    await bothAnswered;
    socket.destroy();
  });

  // Answering early (401, 413) leaves the rest of the body unread. Without `Connection: close`, Node
  // keeps the connection and either discards a declared body at wire speed, or — after raw-body paused
  // an over-limit stream — holds the socket until Node's requestTimeout (300 s).
  test('a 413 on a body still arriving closes the connection', async () => {
    const response = await sendRaw(
      server.port,
      rawPost(credentials, {
        headers: [['Connection', 'keep-alive']],
        contentLength: String(2 * MB),
        then: [Buffer.alloc(64 * 1024, 0x20)],
      }),
    );
    expect(response.status).toBe(413);
    expect('headers' in response && response.headers.connection).toBe('close');
  });
});
