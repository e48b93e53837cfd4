import { createServer, type RequestListener, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { EVENT_TYPES, PROBLEM_STATUS, type InnopaasWebhookOptions, type ProblemCode } from '../../lib';
import { AUTH, USER, createApp, credentials, expressVersions } from './app';

/**
 * HTTP/1.1 written byte by byte over node:net, for what supertest (and Node's own client) will not
 * send: repeated headers, chunked bodies without a length, a wrong Content-Length, a body that stops
 * half way or trickles in, a client that hangs up. Loopback only; every exchange has a deadline.
 */

/** A server on 127.0.0.1 with a free port, and a close() that also drops idle keep-alive sockets. */
export interface LocalServer {
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

export async function listenLocal(listener: RequestListener): Promise<LocalServer> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** One step of the body: bytes to write, or a pause in milliseconds. */
export type BodyPart = Buffer | string | number;

export interface RawExchange {
  /** The request line and header lines, sent exactly as given. */
  head: readonly string[];
  /** Written in order after the head; numbers are pauses (a slow client). */
  body?: readonly BodyPart[];
  /** Destroy the socket once the body parts are written: a client that gives up mid-body. */
  abort?: boolean;
  /** HEAD answers carry a Content-Length but no body. */
  method?: string;
  /** Give up waiting for an answer after this long. Defaults to 5,000 ms. */
  timeoutMs?: number;
}

export interface RawResponse {
  status: number;
  /** Header names lower-cased; a repeated header keeps its last value. */
  headers: Record<string, string>;
  body: string;
  /** Everything the server wrote, head included. */
  raw: string;
}

/** How the exchange ended when no complete answer came back. */
export type NoResponse = { status: 0; reason: 'aborted' | 'closed' | 'timeout'; raw: string };

/** Parses one response once it is complete: by Content-Length, or at close for Node's bare error answers. */
function parseResponse(raw: Buffer, method: string | undefined, closed: boolean): RawResponse | undefined {
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const [statusLine = '', ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const declared = method === 'HEAD' ? 0 : Number(headers['content-length'] ?? NaN);
  const rest = raw.subarray(end + 4);
  if (Number.isFinite(declared) ? rest.length < declared : !closed) return undefined;
  const body = Number.isFinite(declared) ? rest.subarray(0, declared) : rest;
  return { status: Number(statusLine.split(' ')[1]), headers, body: body.toString('utf8'), raw: raw.toString('latin1') };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends one request on a fresh connection and resolves with the answer, or with why there was none. */
export function sendRaw(port: number, exchange: RawExchange): Promise<RawResponse | NoResponse> {
  return new Promise((resolve) => {
    const socket: Socket = connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (result: RawResponse | NoResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => {
      finish({ status: 0, reason: 'timeout', raw: Buffer.concat(chunks).toString('latin1') });
    }, exchange.timeoutMs ?? 5000);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const parsed = parseResponse(Buffer.concat(chunks), exchange.method, false);
      if (parsed) finish(parsed);
    });
    socket.on('close', () => {
      const raw = Buffer.concat(chunks);
      finish(
        parseResponse(raw, exchange.method, true) ?? {
          status: 0,
          reason: exchange.abort ? 'aborted' : 'closed',
          raw: raw.toString('latin1'),
        },
      );
    });
    // A server that answers early (413, 401) and closes may reset a client still writing: not an error here.
    socket.on('error', () => undefined);
    // Nothing below throws (a write to a closed socket reports through 'error'), so the promise can go.
    const writeExchange = async () => {
      socket.write(`${exchange.head.join('\r\n')}\r\n\r\n`, 'latin1');
      for (const part of exchange.body ?? []) {
        if (settled || socket.destroyed) return;
        if (typeof part === 'number') await pause(part);
        else socket.write(part);
      }
      if (exchange.abort && !settled) {
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        resolve({ status: 0, reason: 'aborted', raw: Buffer.concat(chunks).toString('latin1') });
      }
    };
    socket.on('connect', () => {
      void writeExchange();
    });
  });
}

/** A POST as a test case describes it; everything not said is what InnoPaaS would send. */
export interface RawPost {
  method?: string;
  /** Defaults to `/webhook`. */
  path?: string;
  /** Header lines after the defaults, repeated names allowed. `null` values drop a default header. */
  headers?: ReadonlyArray<readonly [string, string | null]>;
  body?: string | Buffer;
  /** Send the body in Transfer-Encoding: chunked pieces of this size, without Content-Length. */
  chunkSize?: number;
  /** Override the Content-Length line (`null`: leave it out). */
  contentLength?: string | null;
  /** Extra body steps after the body (pauses, trailing bytes). */
  then?: readonly BodyPart[];
  abort?: boolean;
  timeoutMs?: number;
}

/** The chunked transfer coding of `body` in pieces of `size` bytes, last chunk included. */
export function chunked(body: Buffer, size: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0; at < body.length; at += size) {
    const piece = body.subarray(at, at + size);
    pieces.push(Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]));
  }
  pieces.push(Buffer.from('0\r\n\r\n'));
  return pieces;
}

/** Builds the exchange of a POST to /webhook with the given credentials and the case's changes. */
export function rawPost(credentials: Readonly<Record<string, string>>, post: RawPost): RawExchange {
  const method = post.method ?? 'POST';
  const body = typeof post.body === 'string' ? Buffer.from(post.body, 'utf8') : (post.body ?? Buffer.alloc(0));
  const defaults: Array<readonly [string, string | null]> = [
    ['Host', '127.0.0.1'],
    ['Connection', 'close'],
    ['Content-Type', 'application/json'],
    ...Object.entries(credentials),
  ];
  if (post.chunkSize !== undefined) defaults.push(['Transfer-Encoding', 'chunked']);
  else if (post.contentLength !== null) defaults.push(['Content-Length', post.contentLength ?? String(body.length)]);
  // A case's header replaces a default of the same name (case-insensitively) unless it repeats one
  // the case itself already set: repetition is what some cases are about.
  const overridden = new Set((post.headers ?? []).map(([name]) => name.toLowerCase()));
  const lines = [...defaults.filter(([name]) => !overridden.has(name.toLowerCase())), ...(post.headers ?? [])]
    .filter((header): header is readonly [string, string] => header[1] !== null)
    .map(([name, value]) => `${name}: ${value}`);
  const parts: BodyPart[] = post.chunkSize !== undefined ? chunked(body, post.chunkSize) : body.length > 0 ? [body] : [];
  return {
    head: [`${method} ${post.path ?? '/webhook'} HTTP/1.1`, ...lines],
    body: [...parts, ...(post.then ?? [])],
    method,
    abort: post.abort,
    timeoutMs: post.timeoutMs,
  };
}

/**
 * What a corpus case expects: a problem `code` (its status is the table's), `received` (a handler ran
 * once), `test` (the connectivity answer, no handler), `node` (Node's HTTP parser refused the request
 * before Express saw it, so there is no problem body) or `no-answer` (the client hung up first).
 */
export type Outcome = ProblemCode | 'received' | 'test' | 'node' | 'no-answer';

/** `[name, request, status, outcome, known lib bug]`: one row of a bad-input table. */
export type CorpusCase = readonly [name: string, post: RawPost, status: number, outcome: Outcome, knownBug?: string];

const ANSWERS: Partial<Record<Outcome, unknown>> = { received: { received: true }, test: { received: true, test: true } };

/**
 * Runs a table against Express 4 and 5, one server each, one fresh connection a case. Every case also
 * checks what must hold whatever the input: no credential echoed, `Object.prototype` untouched, no
 * handler call unless the event was received, no exception escaping to the process.
 * Rows with a known lib bug run as `test.failing`, so that the fix shows up as a failure to re-enable;
 * `SHOW_KNOWN_BUGS=1` runs them as plain tests, to see how they fail today.
 */
export function describeCorpus(title: string, options: Partial<InnopaasWebhookOptions>, cases: readonly CorpusCase[]): void {
  describe.each(expressVersions)(`${title} (%s)`, (_version, express) => {
    let server: LocalServer;
    let calls = 0;
    const escaped: unknown[] = [];
    const record = (error: unknown) => escaped.push(error);
    const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();

    beforeAll(async () => {
      const count = () => {
        calls += 1;
      };
      const on = Object.fromEntries(EVENT_TYPES.map((type) => [type, count]));
      server = await listenLocal(createApp(express, { on, onUnknownEvent: count, ...options }).app);
      process.on('unhandledRejection', record).on('uncaughtException', record);
    });
    afterAll(async () => {
      process.off('unhandledRejection', record).off('uncaughtException', record);
      await server.close();
      expect(escaped).toEqual([]);
    });

    for (const [name, post, status, outcome, knownBug] of cases) {
      (knownBug && !process.env.SHOW_KNOWN_BUGS ? test.failing : test)(
        knownBug ? `${name} [known lib bug: ${knownBug}]` : name,
        async () => {
          const before = calls;
          const response = await sendRaw(server.port, rawPost(credentials, post));
          if (outcome === 'no-answer') await pause(100); // a late handler call would show up now

          expect(response.status).toBe(status);
          expect(calls - before).toBe(outcome === 'received' ? 1 : 0);
          for (const secret of [AUTH, USER, ...secretsOf(post)]) expect(response.raw).not.toContain(secret);
          expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeNames);
          expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
          if (!('headers' in response)) return;
          if (outcome === 'node') {
            expect(response.headers['x-powered-by']).toBeUndefined();
          } else if (outcome in ANSWERS) {
            expect(JSON.parse(response.body)).toEqual(ANSWERS[outcome]);
          } else {
            expect(PROBLEM_STATUS[outcome as ProblemCode]).toBe(status);
            expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
            // A HEAD answer has no body to read the code from: the headers are all there is.
            if (post.method !== 'HEAD') expect(JSON.parse(response.body)).toMatchObject({ status, code: outcome });
            if (status === 405) expect(response.headers.allow).toBe('POST');
          }
        },
      );
    }
  });
}

/** Credential values a case sends that are long enough to be recognised if echoed. */
function secretsOf(post: RawPost): string[] {
  return (post.headers ?? [])
    .filter(([name, value]) => /^(username|authorization)$/i.test(name) && value !== null && value.trim().length >= 6)
    .map(([, value]) => (value as string).trim());
}

/**
 * A POST with `Expect: 100-continue`: the head first, the body only once "100 Continue" came, as curl
 * does. Resolves with all the server wrote; a server that resets the socket mid-answer gives what came
 * before.
 */
export function expectContinueExchange(
  port: number,
  path: string,
  headers: Readonly<Record<string, string>>,
  body: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let raw = '';
    let sent = false;
    const head = [
      `POST ${path} HTTP/1.1`,
      'Host: 127.0.0.1',
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Expect: 100-continue',
      'Connection: close',
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ];
    socket.setTimeout(5000, () => {
      socket.destroy();
      reject(new Error(`no complete answer: ${raw}`));
    });
    socket.on('data', (chunk: Buffer) => {
      raw += chunk.toString('latin1');
      if (!sent && raw.startsWith('HTTP/1.1 100 Continue\r\n\r\n')) {
        sent = true;
        socket.write(body);
      }
    });
    socket.on('close', () => {
      resolve(raw);
    });
    socket.on('error', () => undefined);
    socket.write(`${head.join('\r\n')}\r\n\r\n`);
  });
}
