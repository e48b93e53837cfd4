import { Buffer } from 'node:buffer';
import { InnopaasWebhookError } from '../core/errors';
import type { BodyCallback } from './body';

const EMPTY = Buffer.alloc(0);

const FIX_USED =
  'The request body was read before the webhook handler got the request. Pass the untouched Request ' +
  '(in Hono `c.req.raw`, and no `await c.req.json()` before it), or clone it first with `request.clone()`.';

/**
 * Reads a Fetch `Request` body with a byte cap and a time limit, counting while it streams, so that an
 * oversized body without a Content-Length is stopped at the limit rather than buffered in full.
 * The stream is cancelled on every failure: the platform then stops receiving it.
 */
export function readFetchBody(request: Request, limit: number, timeoutMs: number, done: BodyCallback): void {
  if (request.bodyUsed) return done(new InnopaasWebhookError('body_already_consumed', { detail: FIX_USED }));
  const body = request.body;
  if (body === null) return done(null, { bytes: EMPTY });
  let reader: ReadableStreamDefaultReader<Uint8Array>;
  try {
    reader = body.getReader();
  } catch {
    // A stream locked by someone else's reader.
    return done(new InnopaasWebhookError('body_already_consumed', { detail: FIX_USED }));
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
      return done(error);
    }
    const first = chunks[0];
    if (chunks.length === 1 && first) done(null, { bytes: Buffer.from(first.buffer, first.byteOffset, first.byteLength) });
    else done(null, { bytes: chunks.length === 0 ? EMPTY : Buffer.concat(chunks, received) });
  };
  const timer = setTimeout(
    () => finish(new InnopaasWebhookError('request_timeout', { detail: `The body was not received within ${timeoutMs} ms.` })),
    timeoutMs,
  );
  const next = (): void => {
    reader.read().then(
      (result) => {
        if (settled) return;
        if (result.done) return finish(null);
        const chunk = result.value;
        received += chunk.byteLength;
        if (received > limit) {
          return finish(
            new InnopaasWebhookError('payload_too_large', { detail: `The body is larger than the ${limit}-byte limit.` }),
          );
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
