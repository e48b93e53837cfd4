import {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
  createServer,
  request as httpRequest,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Agent } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The pair configured in the InnoPaaS console, as the middleware's options name it. */
export interface DeliveryCredentials {
  userName: string;
  authorization: string;
}

/**
 * The two headers InnoPaaS sends when credentials are configured, verbatim: no `Bearer` or
 * `Basic` scheme is added, because InnoPaaS adds none.
 */
export function credentialHeaders({ userName, authorization }: DeliveryCredentials): { UserName: string; Authorization: string } {
  return { UserName: userName, Authorization: authorization };
}

/** Anything with a Fetch-API `fetch`: a Hono app, `{ fetch: innopaasFetchHandler(…) }`, a Workers module. */
export interface FetchTarget {
  fetch(request: Request): Response | Promise<Response>;
}

/**
 * Where a delivery goes: a URL (`http://127.0.0.1:3000/webhook`), an in-process request listener
 * such as an Express app or `(req, res) => middleware(req, res)`, or a {@link FetchTarget}.
 */
export type DeliveryTarget = string | URL | ((req: IncomingMessage, res: ServerResponse) => void) | FetchTarget;

export interface DeliverOptions {
  /** Sent as the `UserName` and `Authorization` headers. Defaults to none. */
  credentials?: DeliveryCredentials | undefined;
  /** Extra request headers; they win over the ones derived from the other options. */
  headers?: Readonly<Record<string, string>> | undefined;
  /** `Content-Type` of the request; `null` sends none. Defaults to `application/json`. */
  contentType?: string | null | undefined;
  /** The raw request body, sent instead of `JSON.stringify(event)`: for malformed payloads in negative tests. */
  body?: string | Uint8Array | undefined;
  /** Defaults to `POST`, the method InnoPaaS uses. */
  method?: string | undefined;
  /** Path requested from an in-process target. Defaults to `/webhook`; ignored for a URL. */
  path?: string | undefined;
  /**
   * Give up on a delivery whose whole answer has not arrived within this many ms: from 1 to 2147483647
   * (a Node timer's longest delay), else deliver() rejects with a RangeError. Defaults to 30,000.
   */
  timeoutMs?: number | undefined;
  /** HTTP agent for a URL target, e.g. a keep-alive agent sized for concurrent deliveries. */
  agent?: Agent | undefined;
}

/** The answer to one delivery. */
export interface DeliveryResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The parsed JSON when the answer is JSON (problem+json included), otherwise the text. */
  body: unknown;
  /** The response body as text. */
  text: string;
  /** Time from sending the request to the end of the response. */
  durationMs: number;
}

function encodeBody(event: unknown, options: DeliverOptions): Buffer {
  const { body } = options;
  if (body !== undefined) {
    if (typeof body !== 'string' && !(body instanceof Uint8Array))
      throw new TypeError(
        `deliver: options.body is the raw body, a string or bytes (got ${body === null ? 'null' : typeof body}). To send an event as JSON, pass it as the second argument.`,
      );
    return Buffer.from(body);
  }
  // A JSON text passed as the event would be sent as one JSON string, which no receiver takes for an event.
  if (typeof event === 'string')
    throw new TypeError(
      'deliver: the event is a string. Pass the event object (JSON.parse it first), or send the raw text with options.body.',
    );
  // `undefined` is not JSON; it stands for "no body" (the console's connectivity probe, docs/events.md#connectivity-test).
  return event === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(event), 'utf8');
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === '' || !contentType || !/[/+]json\b/i.test(contentType)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function requestHeaders(payload: Buffer, options: DeliverOptions): Record<string, string> {
  const derived: Record<string, string> = { 'Content-Length': String(payload.length) };
  const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
  if (contentType !== null) derived['Content-Type'] = contentType;
  if (options.credentials) Object.assign(derived, credentialHeaders(options.credentials));
  // Header names are case-insensitive: an extra `content-type` replaces `Content-Type`. Node's request
  // would keep only the last of the two, but a Fetch Request joins them into one `a, b` value.
  const extra = Object.entries(options.headers ?? {});
  const replaced = new Set(extra.map(([name]) => name.toLowerCase()));
  return Object.fromEntries([...Object.entries(derived).filter(([name]) => !replaced.has(name.toLowerCase())), ...extra]);
}

// Node's timers hold at most 2^31 - 1 ms: a longer delay, like NaN or 0, fires at once.
const MAX_TIMEOUT_MS = 2_147_483_647;

function timeoutOf(options: DeliverOptions): number {
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (typeof timeoutMs !== 'number' || !(timeoutMs >= 1 && timeoutMs <= MAX_TIMEOUT_MS))
    throw new RangeError(`deliver: timeoutMs must be a number of ms from 1 to ${MAX_TIMEOUT_MS}, not ${String(timeoutMs)}`);
  return timeoutMs;
}

function send(url: URL, payload: Buffer, options: DeliverOptions, agent: Agent | false | undefined): Promise<DeliveryResponse> {
  const headers = requestHeaders(payload, options);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const timeoutMs = timeoutOf(options);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    const req = request(url, { method: options.method ?? 'POST', headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', fail);
      res.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        const durationMs = performance.now() - started;
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: parseBody(text, res.headers['content-type']),
          text,
          durationMs,
        });
      });
    });
    // A deadline for the whole exchange, not the socket's idle timeout: a server that trickles its answer
    // a byte at a time must not hold a test past it.
    const timer = setTimeout(() => {
      req.destroy(new Error(`no answer from ${url.origin} within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', fail);
    req.end(payload);
  });
}

async function withEphemeralServer<R>(listener: RequestListener, use: (origin: string) => Promise<R>): Promise<R> {
  const server: Server = createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  try {
    const { port } = server.address() as AddressInfo;
    return await use(`http://127.0.0.1:${port}`);
  } finally {
    // Connections are not kept alive (agent: false), but a handler still writing must not hold the port.
    server.closeAllConnections();
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  }
}

/** Calls a Fetch target in process with the Request InnoPaaS would send: no server, no socket. */
async function sendToFetch(target: FetchTarget, payload: Buffer, options: DeliverOptions): Promise<DeliveryResponse> {
  const method = options.method ?? 'POST';
  const bodyless = method === 'GET' || method === 'HEAD';
  const request = new Request(targetUrl('http://127.0.0.1', options.path), {
    method,
    headers: bodyless ? { ...requestHeaders(payload, options), 'Content-Length': '0' } : requestHeaders(payload, options),
    body: bodyless ? null : payload,
  });
  const timeoutMs = timeoutOf(options);
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`no answer from the fetch target within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    const response = await Promise.race([target.fetch(request), timeout]);
    const text = await Promise.race([response.text(), timeout]);
    const headers: IncomingHttpHeaders = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    // As Node's client gives them: one entry per Set-Cookie line, not one joined string.
    const cookies = response.headers.getSetCookie();
    if (cookies.length > 0) headers['set-cookie'] = cookies;
    return {
      status: response.status,
      headers,
      body: parseBody(text, headers['content-type']),
      text,
      durationMs: performance.now() - started,
    };
  } finally {
    clearTimeout(timer);
  }
}

function isFetchTarget(target: unknown): target is FetchTarget {
  return typeof target === 'object' && target !== null && typeof (target as Partial<FetchTarget>).fetch === 'function';
}

/**
 * Sends one delivery as InnoPaaS would: `POST`, `Content-Type: application/json`, the event as JSON and,
 * with `credentials`, the `UserName`/`Authorization` headers. A function target (an Express app, any
 * request listener) is served on an ephemeral `127.0.0.1` port for this call only, then closed; a Fetch
 * target (`{ fetch }`: a Hono app, a Fetch handler) is called in process with a `Request`.
 *
 * Pass `event` as `undefined` (and no `body`) to send an empty body.
 */
export async function deliver(target: DeliveryTarget, event: unknown, options: DeliverOptions = {}): Promise<DeliveryResponse> {
  // Checked before anything starts: no ephemeral server for a call that cannot run.
  timeoutOf(options);
  const payload = encodeBody(event, options);
  if (typeof target === 'string' || target instanceof URL) {
    return send(new URL(target), payload, options, options.agent);
  }
  if (isFetchTarget(target)) return sendToFetch(target, payload, options);
  if (typeof target !== 'function') {
    throw new TypeError(
      'deliver: the target must be a URL or a request listener such as an Express app, or an object with a fetch(request) method (a Hono app, { fetch: handler })',
    );
  }
  return withEphemeralServer(target, (origin) => send(targetUrl(origin, options.path), payload, options, false));
}

/** The path on the in-process origin, as given: `new URL('//webhook', origin)` would take `webhook` for a host. */
function targetUrl(origin: string, path = '/webhook'): URL {
  return new URL(path.startsWith('/') ? `${origin}${path}` : path, origin);
}
