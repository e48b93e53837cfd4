import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import createDebug from 'debug';
import { type BodyCallback, readNodeBody } from '../stages/body';
import { sendDeferredContinue } from './expect-continue';
import { describeConfig, parseOptions } from '../core/options';
import { type Outcome, problemOutcome, RECEIVED, type RespondOutcome } from '../core/outcome';
import type { InnopaasEvent, UnknownEvent } from '../events';
import { Receiver, type ReceiverRequest } from '../core/receiver';
import type { InnopaasWebhookOptions, WebhookRequest } from '../core/types';

const log = createDebug('innopaas-webhook');

export type NextFunction = (error?: unknown) => void;

/** The middleware, plus what a graceful shutdown needs. */
export interface InnopaasWebhookMiddleware {
  (req: IncomingMessage, res: ServerResponse, next?: NextFunction): void;
  /** Resolves once every running handler has settled and its claim is completed or released. */
  drain(): Promise<void>;
  /**
   * For shutdown: new deliveries get 503 `shutting_down` (the sender retries), every running handler's
   * `context.signal` fires, and the promise resolves once they have settled and released their claims.
   */
  close(): Promise<void>;
  /** How many handlers (or queue hand-offs) are running right now. */
  readonly inFlight: number;
}

const MOUNTED_UNCALLED =
  'innopaas-webhook: innopaasWebhook was mounted without being called. Write ' +
  "app.use('/webhook', innopaasWebhook({ userName, authorization, on: { … } })), not app.use('/webhook', innopaasWebhook).";

function looksLikeRequest(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    'headers' in value &&
    'method' in value &&
    typeof (value as { on?: unknown }).on === 'function'
  );
}

/**
 * All values of one header from the raw list. Node folds a repeated `UserName` into one string but
 * drops every `Authorization` line after the first; the raw list keeps them all. Requests built in
 * process (serverless-http on AWS Lambda, other adapters) set `headers` and leave the raw list empty:
 * theirs are read from `headers`.
 */
function headerValues(req: IncomingMessage, name: string): string | string[] | undefined {
  const raw = req.rawHeaders ?? [];
  let found: string | string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i] as string;
    if (key.length !== name.length || key.toLowerCase() !== name) continue;
    const value = raw[i + 1] as string;
    found = found === undefined ? value : [...(Array.isArray(found) ? found : [found]), value];
  }
  // Only a request without a raw list at all: headers set by an earlier middleware are not credentials.
  return found ?? (raw.length === 0 ? req.headers[name] : undefined);
}

/**
 * Sockets one of our answers is closing. Node still runs the requests pipelined behind such an answer,
 * but never writes theirs: without dedupe, the sender's retry would run the event a second time.
 * `closedAny` spares every request the read of `req.socket` until the process has closed one.
 */
const closingSockets = new WeakSet();
let closedAny = false;

function markClosing(req: IncomingMessage): void {
  const { socket } = req;
  if (typeof socket === 'object' && socket !== null) {
    closingSockets.add(socket);
    closedAny = true;
  }
}

/** The facts of a Node request, as the receiver reads them, and its answer: one object a request, methods shared. */
class NodeRequest<Req> implements ReceiverRequest<Req> {
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  private responded = false;

  constructor(
    readonly req: IncomingMessage & Req,
    private readonly res: ServerResponse,
    private readonly next: NextFunction | undefined,
    private readonly limit: number,
    private readonly bodyTimeoutMs: number,
  ) {
    this.method = req.method ?? 'GET';
    this.headers = req.headers;
  }

  readBody(done: BodyCallback): void {
    // Every check made before the body has passed: now the client may send it (handleExpectContinue).
    sendDeferredContinue(this.req, this.res);
    readNodeBody(this.req, this.headers, this.limit, this.bodyTimeoutMs, done);
  }

  headerValues(name: 'username' | 'authorization'): string | string[] | undefined {
    return headerValues(this.req, name);
  }

  answerLost(): boolean {
    return closedAny && closingSockets.has(this.req.socket);
  }

  attachEvent(event: InnopaasEvent | UnknownEvent): void {
    (this.req as WebhookRequest).innopaasEvent = event;
  }

  respond(outcome: Outcome): void {
    if (this.responded) return;
    this.responded = true;
    const { res, req, next } = this;
    if (outcome.kind === 'respond') send(res, outcome, req);
    else if (typeof next === 'function') {
      // The app's error handler answers a forwarded refusal: it closes the connection as our own answer
      // would, else a client stalled mid-body keeps the socket.
      if (outcome.error && !res.headersSent && closesConnection(outcome.error.status, req)) {
        res.setHeader('Connection', 'close');
        markClosing(req);
      }
      next(outcome.error);
    } else send(res, outcome.error ? problemOutcome(outcome.error) : RECEIVED, req);
  }
}

/**
 * An answer given before the body was read in full (401, 413, 408…) closes the connection: otherwise
 * Node would read and discard the rest of a large or slow body to keep the connection alive. Every 2xx
 * answer comes after the whole body, so only the others ask.
 */
function closesConnection(status: number, req: IncomingMessage | undefined): boolean {
  return status === 408 || (status >= 300 && req !== undefined && !req.complete);
}

/** Reads `res` and `req` as few times as it can (bench/README.md, "What a property read costs"). */
function send(res: ServerResponse, outcome: RespondOutcome, req?: IncomingMessage): void {
  // A response that has ended has sent its headers: `headersSent` alone tells whether it is too late.
  if (res.headersSent) return;
  res.statusCode = outcome.status;
  res.setHeader('Content-Type', outcome.contentType);
  // No Content-Length here: res.end(body) sets it, without a second byte count.
  if (outcome.headers) for (const [name, value] of Object.entries(outcome.headers)) res.setHeader(name, value);
  if (closesConnection(outcome.status, req)) {
    res.setHeader('Connection', 'close');
    markClosing(req as IncomingMessage);
  }
  res.end(outcome.body);
}

/**
 * Express middleware (4 and 5) that receives InnoPaaS webhooks. It uses only Node's own `req`/`res`
 * API, so it also serves a plain `node:http` server: `createServer((req, res) => mw(req, res, done))`.
 *
 * @param notAMiddleware Nothing. Typed `never` so that `app.use('/webhook', innopaasWebhook)`, the
 *   factory mounted without its call, is a type error: Express would pass it `(req, res, next)`.
 */
export function innopaasWebhook<Req extends IncomingMessage = WebhookRequest>(
  options: InnopaasWebhookOptions<Req>,
  ...notAMiddleware: never[]
): InnopaasWebhookMiddleware {
  // `app.use(innopaasWebhook)` in JavaScript makes Express call the factory with (req, res, next).
  const next: unknown = (notAMiddleware as unknown[])[1];
  if (looksLikeRequest(options) && typeof next === 'function') {
    (next as NextFunction)(new TypeError(MOUNTED_UNCALLED));
    return undefined as never;
  }
  if (looksLikeRequest(options)) throw new TypeError(MOUNTED_UNCALLED);

  const config = parseOptions(options);
  const receiver = new Receiver<Req>(config);
  const { limit, bodyTimeoutMs } = config;
  if (log.enabled) log('created with %o', describeConfig(config as never));

  const middleware = function innopaasWebhookMiddleware(req: IncomingMessage, res: ServerResponse, next?: NextFunction): void {
    receiver.handle(new NodeRequest<Req>(req as IncomingMessage & Req, res, next, limit, bodyTimeoutMs));
  } as InnopaasWebhookMiddleware;

  Object.defineProperty(middleware, 'inFlight', { get: () => receiver.inFlight, enumerable: true });
  middleware.drain = () => receiver.drain();
  middleware.close = () => receiver.close();
  return middleware;
}
