import { isUtf8 } from 'node:buffer';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import contentType from 'content-type';
import { InnopaasWebhookError } from '../core/errors';

/** What the body stage hands on: bytes still to decode, or a value a body parser already decoded. */
export type BodyInput = { readonly bytes: Buffer } | { readonly parsed: unknown };

const FIX_CONSUMED =
  'Another middleware read the request body and left nothing usable in req.body. Mount innopaasWebhook() before ' +
  'body parsers, or use express.json() / express.raw() / express.text() on this route so that req.body holds it.';

/**
 * The Content-Type of WhatsApp pushes is undocumented (docs/events.md#headers); InnoPaaS's API uses
 * `application/json;charset=utf-8`. Accept any JSON type (`+json` too) in UTF-8, and a missing type.
 */
export function checkContentType(headers: IncomingHttpHeaders): InnopaasWebhookError | undefined {
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity' && encoding !== '') {
    return new InnopaasWebhookError('unsupported_content_encoding', {
      detail: 'Content-Encoding is not supported: InnoPaaS sends uncompressed JSON.',
    });
  }
  // A coding can also hide in Transfer-Encoding (`gzip, chunked`); only framing is acceptable there.
  const transfer = headers['transfer-encoding'];
  if (
    transfer !== undefined &&
    transfer.split(',').some((coding) => !['chunked', 'identity', ''].includes(coding.trim().toLowerCase()))
  ) {
    return new InnopaasWebhookError('unsupported_content_encoding', {
      detail: 'Transfer-Encoding codings other than chunked are not supported: InnoPaaS sends uncompressed JSON.',
    });
  }
  const header = headers['content-type'];
  if (header === undefined || header === 'application/json' || header === 'application/json;charset=utf-8') return undefined;
  let parsed: contentType.ParsedMediaType;
  try {
    parsed = contentType.parse(header);
  } catch {
    return new InnopaasWebhookError('unsupported_media_type', {
      detail: 'The Content-Type header is malformed; send application/json.',
    });
  }
  if (parsed.type !== 'application/json' && !parsed.type.endsWith('+json')) {
    return new InnopaasWebhookError('unsupported_media_type', {
      detail: 'Only JSON bodies are accepted; send application/json.',
    });
  }
  // Any charset label is accepted (docs/events.md#headers): JSON is UTF-8, and bytes that are not are
  // refused once read (invalid_encoding), rather than every delivery of a sender that labels ASCII JSON
  // ISO-8859-1 being refused before it.
  return undefined;
}

/** A Content-Length above the limit is refused before a byte of the body is read. */
export function checkDeclaredLength(headers: IncomingHttpHeaders, limit: number): InnopaasWebhookError | undefined {
  const declared = headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    return new InnopaasWebhookError('payload_too_large', { detail: `The body is larger than the ${limit}-byte limit.` });
  }
  return undefined;
}

interface BodyCarrier extends IncomingMessage {
  body?: unknown;
  rawBody?: unknown;
}

/** Called once with the body, or with the error that answers the request. */
export type BodyCallback = (error: InnopaasWebhookError | null, input?: BodyInput) => void;

// Where the request stream stands when the body stage starts: nothing has read it (the body is read
// here); something before us read it (a body parser, a platform); or it closed before its end.
const UNREAD = 0;
const CONSUMED = 1;
const ABORTED = 2;
type StreamStand = typeof UNREAD | typeof CONSUMED | typeof ABORTED;

/**
 * Where the stream stands, from its public getters. An earlier build read Node's private `_readableState`
 * to spare three prototype-chain walks under Express; the public API came back while a dictionary-mode step
 * (since removed) made both cost the same (bench/README.md, "What a property read costs").
 */
function streamOf(req: IncomingMessage): StreamStand {
  const ended = req.readableEnded;
  if (req.destroyed && !ended) return ABORTED;
  return ended || req.readableDidRead ? CONSUMED : UNREAD;
}

const hasOwn = (object: object, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);

/**
 * Reads the body whatever ran before: nothing (the stream is read here, with a byte cap and a time
 * limit), a body parser (its `req.body`), or a serverless platform's `req.rawBody`. A callback, not a
 * promise: the request path creates no promise of its own (bench/README.md).
 *
 * `headers` are the request's headers, already read by the caller. `rawBody` is taken only as the
 * request's own property, where platforms and `verify` callbacks assign it.
 */
export function readNodeBody(
  req: IncomingMessage,
  headers: IncomingHttpHeaders,
  limit: number,
  timeoutMs: number,
  done: BodyCallback,
): void {
  const carrier = req as BodyCarrier;
  const raw = hasOwn(req, 'rawBody') ? carrier.rawBody : undefined;
  if (Buffer.isBuffer(raw)) {
    measured(raw, limit, done);
    return;
  }
  if (typeof raw === 'string') {
    measured(Buffer.from(raw, 'utf8'), limit, done);
    return;
  }

  const stream = streamOf(req);
  if (stream === ABORTED) {
    done(new InnopaasWebhookError('request_aborted', { detail: 'The client closed the connection before the body was read.' }));
    return;
  }
  if (stream === UNREAD) {
    readStream(req, headers, limit, timeoutMs, done);
    return;
  }

  const body = carrier.body;
  if (Buffer.isBuffer(body)) {
    measured(body, limit, done);
    return;
  }
  if (typeof body === 'string') {
    // A string decoded from JSON comes only with a Content-Length, which the pre-check measured.
    const input = stringBody(body, headers);
    if ('bytes' in input) measured(input.bytes, limit, done);
    else done(null, input);
    return;
  }
  // An object from express.json(); or null, a number, a boolean from express.json({ strict: false }),
  // which validation then refuses as an envelope. Its size is gone: the parser's own limit bounds it.
  if (body !== undefined) {
    done(null, { parsed: body });
    return;
  }
  done(new InnopaasWebhookError('body_already_consumed', { detail: FIX_CONSUMED }));
}

const tooLarge = (limit: number) =>
  new InnopaasWebhookError('payload_too_large', { detail: `The body is larger than the ${limit}-byte limit.` });

/**
 * A body a parser or platform read before us came without the Content-Length pre-check when it was
 * chunked, and past the streaming cap: `limit` is applied to it here.
 */
function measured(bytes: Buffer, limit: number, done: BodyCallback): void {
  if (bytes.length > limit) done(tooLarge(limit));
  else done(null, { bytes });
}

/**
 * A string `req.body` is either the text as received (express.text()) or a JSON string that
 * express.json({ strict: false }) already decoded: parsing the latter again would accept a
 * double-encoded event, and take `""` for the connectivity test. The byte count tells them apart:
 * the text is as long as the declared body (3 bytes less when a byte order mark was dropped), while a
 * decoded JSON string is at least its two quotes shorter. Without a Content-Length (chunked) the
 * string is read as text, so that express.text() keeps working.
 */
function stringBody(body: string, headers: IncomingHttpHeaders): BodyInput {
  const declared = headers['content-length'];
  if (declared === undefined) return { bytes: Buffer.from(body, 'utf8') };
  const bytes = Buffer.from(body, 'utf8');
  const expected = Number(declared);
  return bytes.length === expected || bytes.length + 3 === expected ? { bytes } : { parsed: body };
}

/**
 * Collects the body with a byte cap and a time limit: a direct listener loop rather than raw-body, one
 * object of state and no decoding layer. The listeners stay on the request once it is settled (a
 * finished request emits nothing more than `close`, which then does nothing), rather than removed one
 * by one on every request.
 */
function readStream(
  req: IncomingMessage,
  headers: IncomingHttpHeaders,
  limit: number,
  timeoutMs: number,
  done: BodyCallback,
): void {
  const declared = headers['content-length'];
  const expected = declared === undefined ? -1 : Number(declared);
  let first: Buffer | undefined;
  let chunks: Buffer[] | undefined;
  let received = 0;
  let settled = false;
  const finish = (error: InnopaasWebhookError | null) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    if (error) {
      // Stop buffering; Node discards what still arrives, and the answer closes the connection.
      req.removeListener('data', onData);
      req.resume();
      done(error);
    } else if (chunks) done(null, { bytes: Buffer.concat(chunks, received) });
    else done(null, { bytes: first ?? EMPTY });
  };
  const onData = (chunk: Buffer) => {
    if (settled) return;
    received += chunk.length;
    if (received > limit) finish(tooLarge(limit));
    else if (first === undefined) first = chunk;
    else (chunks ??= [first]).push(chunk);
  };
  const timer = setTimeout(() => {
    finish(new InnopaasWebhookError('request_timeout', { detail: `The body was not received within ${timeoutMs} ms.` }));
  }, timeoutMs);
  req.on('data', onData);
  req.on('end', () => {
    if (expected !== -1 && received !== expected) {
      finish(new InnopaasWebhookError('request_aborted', { detail: 'The body is shorter or longer than its Content-Length.' }));
    } else finish(null);
  });
  // Every request emits `close` once answered: the error is built only when it still means something
  // (an Error captures a stack trace, which cost more than the rest of the body stage together).
  req.on('error', (cause: unknown) => {
    if (!settled) finish(new InnopaasWebhookError('request_aborted', { detail: 'The body could not be read.', cause }));
  });
  req.on('close', () => {
    if (!settled)
      finish(
        new InnopaasWebhookError('request_aborted', { detail: 'The client closed the connection before the body was complete.' }),
      );
  });
  // A `data` listener does not restart a stream that an earlier middleware paused with `req.pause()`.
  req.resume();
}

const EMPTY = Buffer.alloc(0);

/** A UTF-8 byte order mark is tolerated (RFC 8259, section 8.1, lets parsers ignore it). */
function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Whitespace only (as `trim()` sees it), without `trim()`'s copy of every body that is not. */
function isBlank(text: string): boolean {
  const first = text.charCodeAt(0);
  // Every event starts with `{`: the common case answers at once.
  if (first === 0x7b) return false;
  return text.trim() === '';
}

/** Decodes the body; `undefined` is an empty (or whitespace-only) body. */
export function decodeBody(input: BodyInput): unknown {
  if ('parsed' in input) return input.parsed;
  const bytes = input.bytes;
  if (bytes.length === 0) return undefined;
  if (!isUtf8(bytes)) throw new InnopaasWebhookError('invalid_encoding', { detail: 'The body is not valid UTF-8.' });
  const text = stripBom(bytes.toString('utf8'));
  if (isBlank(text)) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    // The parser's message quotes the payload: keep it out of the answer.
    throw new InnopaasWebhookError('invalid_json', { detail: 'The body is not valid JSON.' });
  }
}
