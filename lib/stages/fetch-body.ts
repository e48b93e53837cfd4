import { Buffer } from 'node:buffer';
import { InnopaasWebhookError } from '../core/errors';
import type { BodyCallback } from './body';

const EMPTY = Buffer.alloc(0);

const FIX_USED =
  'The request body was read before the webhook handler got the request. Pass the untouched Request ' +
  '(in Hono `c.req.raw`, and no `await c.req.json()` before it), or clone it first with `request.clone()`.';

const tooLarge = (limit: number) =>
  new InnopaasWebhookError('payload_too_large', { detail: `The body is larger than the ${limit}-byte limit.` });
const timedOut = (timeoutMs: number) =>
  new InnopaasWebhookError('request_timeout', { detail: `The body was not received within ${timeoutMs} ms.` });

/**
 * Reads a Fetch `Request` body with a byte cap and a time limit. A body with a Content-Length (already
 * checked against the limit: the server reads no more than it declares) is read with `arrayBuffer()`,
 * which the platforms serve without a web stream; one without is counted while it streams, so that an
 * oversized chunked body is stopped at the limit rather than buffered in full.
 */
export function readFetchBody(
  request: Request,
  declaredLength: string | undefined,
  limit: number,
  timeoutMs: number,
  done: BodyCallback,
): void {
  if (request.bodyUsed) {
    done(new InnopaasWebhookError('body_already_consumed', { detail: FIX_USED }));
    return;
  }
  if (declaredLength !== undefined) {
    readDeclared(request, limit, timeoutMs, done);
    return;
  }
  readStream(request, limit, timeoutMs, done);
}

function readDeclared(request: Request, limit: number, timeoutMs: number, done: BodyCallback): void {
  let settled = false;
  const timer = setTimeout(() => {
    settled = true;
    done(timedOut(timeoutMs));
  }, timeoutMs);
  request.arrayBuffer().then(
    (buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Only a Request built in process can carry more than it declares; it is refused all the same.
      if (buffer.byteLength > limit) done(tooLarge(limit));
      else done(null, { bytes: Buffer.from(buffer) });
    },
    (cause: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Reading marks the body used: still unused, it was refused unread, locked by another reader.
      // Used, it broke off while read, whatever the error's class (undici's dropped connection is a
      // TypeError, "terminated").
      done(
        request.bodyUsed
          ? new InnopaasWebhookError('request_aborted', { detail: 'The body could not be read.', cause })
          : new InnopaasWebhookError('body_already_consumed', { detail: FIX_USED }),
      );
    },
  );
}

/**
 * The built-in getter behind every typed array's `Symbol.toStringTag`: it reads the array's real kind
 * (an own `toStringTag` cannot fake it) and works across realms, undefined for anything else.
 */
const typedArrayKind: ((this: unknown) => string | undefined) | undefined = Reflect.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype) as object,
  Symbol.toStringTag,
)?.get;

/** A Uint8Array from any realm: a test runner's sandbox has globals of its own, the platform's streams not. */
function isUint8Array(value: unknown): value is Uint8Array {
  if (value instanceof Uint8Array) return true;
  return ArrayBuffer.isView(value) && typedArrayKind?.call(value) === 'Uint8Array';
}

/** Counts the chunks as they come; the stream is cancelled on every failure, so the platform stops receiving it. */
function readStream(request: Request, limit: number, timeoutMs: number, done: BodyCallback): void {
  const body = request.body;
  if (body === null) {
    done(null, { bytes: EMPTY });
    return;
  }
  let reader: ReadableStreamDefaultReader<Uint8Array>;
  try {
    reader = body.getReader();
  } catch {
    // A stream locked by someone else's reader.
    done(new InnopaasWebhookError('body_already_consumed', { detail: FIX_USED }));
    return;
  }
  const chunks: Uint8Array[] = [];
  let received = 0;
  let settled = false;
  const finish = (error: InnopaasWebhookError | null) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    if (error) {
      reader.cancel().catch(() => undefined);
      done(error);
      return;
    }
    const first = chunks[0];
    if (chunks.length === 1 && first) done(null, { bytes: Buffer.from(first.buffer, first.byteOffset, first.byteLength) });
    else done(null, { bytes: chunks.length === 0 ? EMPTY : Buffer.concat(chunks, received) });
  };
  const timer = setTimeout(() => {
    finish(timedOut(timeoutMs));
  }, timeoutMs);
  const next = (): void => {
    reader.read().then(
      (result) => {
        if (settled) return;
        if (result.done) {
          finish(null);
          return;
        }
        const chunk: unknown = result.value;
        // A stream built in process can yield anything. With a Content-Length, the platform's own
        // arrayBuffer() refuses what is not a Uint8Array (readDeclared: request_aborted): the same here.
        if (!isUint8Array(chunk)) {
          finish(
            new InnopaasWebhookError('request_aborted', {
              detail: 'The body could not be read: its stream yielded something other than bytes (a Uint8Array).',
            }),
          );
          return;
        }
        received += chunk.byteLength;
        if (received > limit) {
          finish(tooLarge(limit));
          return;
        }
        chunks.push(chunk);
        next();
      },
      (cause: unknown) => {
        finish(new InnopaasWebhookError('request_aborted', { detail: 'The body could not be read.', cause }));
      },
    );
  };
  next();
}
