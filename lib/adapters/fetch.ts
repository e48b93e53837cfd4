import { Buffer } from 'node:buffer';
import createDebug from 'debug';
import { type BodyCallback, decodeBody } from '../stages/body';
import { createCredentialCheck } from '../stages/credentials';
import { readFetchBody } from '../stages/fetch-body';
import { describeConfig, parseOptions } from '../core/options';
import { fail } from '../core/option-checks';
import { describeThrown } from '../core/errors';
import { type Outcome, RECEIVED, type RespondOutcome } from '../core/outcome';
import { Receiver, type ReceiverRequest } from '../core/receiver';
import type { InnopaasWebhookOptions } from '../core/types';
import type { IncomingHttpHeaders } from 'node:http';

const log = createDebug('innopaas-webhook');

/**
 * The options of {@link innopaasFetchHandler}: those of the Express middleware, with `Request` as the
 * `req` of every handler and hook. `passThrough` is left out: a Fetch handler has no next route.
 */
export type InnopaasFetchHandlerOptions = Omit<InnopaasWebhookOptions<Request>, 'passThrough'>;

/** What the platform passes beside the request: Workers' `ctx`, or anything with a `waitUntil`. */
export interface FetchHandlerContext {
  waitUntil?(promise: Promise<unknown>): void;
}

/** The Fetch handler, plus what a graceful shutdown needs. */
export interface InnopaasFetchHandler {
  /**
   * Answers one request. With `forwardErrors`, the promise rejects with the `InnopaasWebhookError`
   * instead, for the framework's error handler (Hono's `app.onError`, `Bun.serve`'s `error`, `Deno.serve`'s `onError`).
   */
  (request: Request, context?: FetchHandlerContext): Promise<Response>;
  /** Resolves once every running handler has settled and its claim is completed or released. */
  drain(): Promise<void>;
  /** New deliveries get 503 `shutting_down`; running handlers' `context.signal` fires; resolves once they settled. */
  close(): Promise<void>;
  /** How many deliveries are running right now: handlers, queue hand-offs, claims on their way to the store. */
  readonly inFlight: number;
}

const MOUNTED_UNCALLED =
  'innopaas-webhook: innopaasFetchHandler was given a request instead of options. Create the handler once, ' +
  "then call it per request: const handler = innopaasFetchHandler({ userName, authorization, on: { … } }); app.post('/webhook', (c) => handler(c.req.raw)).";

const NOT_A_REQUEST =
  'innopaas-webhook: the Fetch handler takes a Request (in Hono `c.req.raw`, in Workers the `request` argument of `fetch`).';

function looksLikeRequest(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (typeof Request === 'function' && value instanceof Request) return true;
  // A Hono context (`app.post('/webhook', innopaasFetchHandler)`).
  const req = (value as { req?: { raw?: unknown } }).req;
  return typeof req === 'object' && req !== null && typeof Request === 'function' && req.raw instanceof Request;
}

/**
 * Fails at creation, with the fix, on a platform whose Fetch API or Node compatibility layer lacks what
 * the pipeline uses (SHA-256 and `timingSafeEqual` from `node:crypto`, `Buffer` from `node:buffer`).
 */
function checkPlatform(): void {
  const missing = ['Request', 'Response', 'Headers', 'ReadableStream'].filter(
    (name) => typeof (globalThis as Record<string, unknown>)[name] !== 'function',
  );
  if (missing.length > 0) throw new Error(`innopaas-webhook: this platform has no global ${missing.join(', ')} (the Fetch API).`);
  try {
    if (!createCredentialCheck([{ userName: 'probe', authorization: 'probe' }])('probe', 'probe')) throw new Error('no match');
    decodeBody({ bytes: Buffer.from('{}') });
  } catch (error) {
    throw new Error(
      `innopaas-webhook: innopaasFetchHandler needs node:crypto (SHA-256, timingSafeEqual) and node:buffer, which this platform does not provide in full (${describeThrown(error)}). ` +
        'On Cloudflare Workers set compatibility_flags = ["nodejs_compat"]; on Next.js keep the route on the Node.js runtime (not `runtime = "edge"`).',
      { cause: error },
    );
  }
}

function toResponse(outcome: RespondOutcome, request?: Request): Response {
  const headers: Record<string, string> = { 'content-type': outcome.contentType };
  if (outcome.headers) for (const [name, value] of Object.entries(outcome.headers)) headers[name] = value;
  if (request && closesConnection(outcome.status, request)) headers.connection = 'close';
  return new Response(outcome.body, { status: outcome.status, headers });
}

/**
 * As the Express adapter does: an answer given before the body was read in full (a 401 before reading,
 * a 413, a 408) closes the connection, or the server would go on reading, or waiting for, the rest of a
 * large or stalled body. A server without keep-alive, or on HTTP/2, drops the header.
 */
function closesConnection(status: number, request: Request): boolean {
  return status === 408 || status === 413 || (status >= 300 && request.body !== null && !request.bodyUsed);
}

/** One request's facts, as the receiver reads them, and the settling of the `Response` promise. */
class FetchRequest implements ReceiverRequest<Request> {
  readonly method: string;
  readonly headers: IncomingHttpHeaders = {};
  /** Present only with a context that has `waitUntil` (Workers): the receiver then hands it work to wait for. */
  readonly waitUntil?: (work: Promise<unknown>) => void;
  private responded = false;

  constructor(
    readonly req: Request,
    private readonly context: FetchHandlerContext | undefined,
    private readonly limit: number,
    private readonly bodyTimeoutMs: number,
    private readonly resolve: (response: Response) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.method = req.method;
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called with its object as `this` below: Workers' ctx.waitUntil needs it.
    const waitUntil = context?.waitUntil;
    if (typeof waitUntil === 'function') {
      this.waitUntil = (work) => {
        try {
          waitUntil.call(context, work);
        } catch (error) {
          // A platform that refuses (called too late, a stand-in that throws) must not turn the answer into a crash.
          log('waitUntil failed: %s', describeThrown(error));
        }
      };
    }
    // Headers iterate with lower-cased names, a repeated header joined by ", ".
    const headers = this.headers;
    req.headers.forEach((value, name) => {
      headers[name] = value;
    });
  }

  /**
   * The Fetch API joins a repeated header into one value: a doubled credential header then reads as
   * `a, b`, which never equals a configured value that was sent once.
   */
  headerValues(name: 'username' | 'authorization'): string | undefined {
    return this.headers[name] as string | undefined;
  }

  readBody(done: BodyCallback): void {
    readFetchBody(this.req, this.headers['content-length'], this.limit, this.bodyTimeoutMs, done);
  }

  attachEvent(): void {
    // Handlers get the event as their first argument; a Request is not decorated.
  }

  respond(outcome: Outcome): void {
    if (this.responded) return;
    this.responded = true;
    if (outcome.kind === 'respond') this.resolve(toResponse(outcome, this.req));
    else if (outcome.error) this.reject(outcome.error);
    else this.resolve(toResponse(RECEIVED));
  }
}

/**
 * A Fetch-API handler (`Request` in, `Response` out) for Next.js route handlers, Hono, Bun, Deno and
 * Cloudflare Workers: the same options, pipeline and answers as `innopaasWebhook()`, whose core it shares.
 * With `ack: 'immediately'`, the work after the answer is handed to `context.waitUntil` when given.
 */
export function innopaasFetchHandler(options: InnopaasFetchHandlerOptions): InnopaasFetchHandler {
  if (looksLikeRequest(options)) throw new TypeError(MOUNTED_UNCALLED);
  if (typeof options === 'object' && options !== null && 'passThrough' in options && options.passThrough !== undefined) {
    fail(
      'passThrough',
      'has no meaning for a Fetch handler: there is no next route',
      'Leave it out; run your own code in the handlers, or after `await handler(request)`.',
    );
  }
  checkPlatform();
  const config = parseOptions<Request>(options);
  const receiver = new Receiver<Request>(config);
  const { limit, bodyTimeoutMs } = config;
  if (log.enabled) log('created (Fetch) with %o', describeConfig(config as never));

  const handler = function innopaasFetchHandler(request: Request, context?: FetchHandlerContext): Promise<Response> {
    if (typeof (request as Partial<Request> | undefined)?.headers?.get !== 'function') {
      return Promise.reject(new TypeError(NOT_A_REQUEST));
    }
    return new Promise<Response>((resolve, reject) => {
      receiver.handle(new FetchRequest(request, context, limit, bodyTimeoutMs, resolve, reject));
    });
  } as InnopaasFetchHandler;

  Object.defineProperty(handler, 'inFlight', { get: () => receiver.inFlight, enumerable: true });
  handler.drain = () => receiver.drain();
  handler.close = () => receiver.close();
  return handler;
}
