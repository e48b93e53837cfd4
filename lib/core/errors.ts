/**
 * Every answer other than a success carries one of these codes. They are part of the public API:
 * they appear in the `code` member of the problem+json body and of {@link InnopaasWebhookError}.
 */
export const PROBLEM_STATUS = {
  method_not_allowed: 405,
  unauthorized: 401,
  forbidden: 403,
  unsupported_media_type: 415,
  unsupported_content_encoding: 415,
  payload_too_large: 413,
  request_timeout: 408,
  request_aborted: 400,
  invalid_json: 400,
  invalid_encoding: 400,
  body_already_consumed: 400,
  batch_not_supported: 400,
  invalid_envelope: 400,
  invalid_event: 400,
  event_too_old: 400,
  event_in_progress: 409,
  handler_failed: 500,
  handler_timeout: 503,
  dedupe_unavailable: 503,
  queue_unavailable: 503,
  shutting_down: 503,
  connection_closing: 503,
  internal_error: 500,
} as const;

export type ProblemCode = keyof typeof PROBLEM_STATUS;

const TITLES: Record<ProblemCode, string> = {
  method_not_allowed: 'Method not allowed',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  unsupported_media_type: 'Unsupported media type',
  unsupported_content_encoding: 'Unsupported content encoding',
  payload_too_large: 'Payload too large',
  request_timeout: 'Request body timeout',
  request_aborted: 'Request aborted',
  invalid_json: 'Invalid JSON',
  invalid_encoding: 'Invalid encoding',
  body_already_consumed: 'Request body already consumed',
  batch_not_supported: 'Batch not supported',
  invalid_envelope: 'Invalid event envelope',
  invalid_event: 'Invalid event',
  event_too_old: 'Event too old',
  event_in_progress: 'Event in progress',
  handler_failed: 'Handler failed',
  handler_timeout: 'Handler timed out',
  dedupe_unavailable: 'Dedupe store unavailable',
  queue_unavailable: 'Queue unavailable',
  shutting_down: 'Shutting down',
  connection_closing: 'Connection closing',
  internal_error: 'Internal error',
};

/** One schema violation, as reported in the problem body and to `onInvalidEvent`. */
export interface ValidationProblem {
  /** JSON Pointer of the failing value, e.g. `/body/status`. `''` is the whole payload. */
  path: string;
  /** What is wrong, e.g. `must have required property 'wamid'`. */
  message: string;
}

export interface InnopaasWebhookErrorOptions {
  detail?: string;
  cause?: unknown;
  problems?: ValidationProblem[];
  /** Headers the answer carries (`Allow` of a 405). */
  headers?: Readonly<Record<string, string>>;
}

/**
 * The one error class of the package. `status` is the HTTP status the middleware answers with,
 * `code` a stable machine-readable string, `expose` whether `detail` is safe to send to the client.
 */
export class InnopaasWebhookError extends Error {
  readonly status: number;
  readonly code: ProblemCode;
  readonly expose: boolean;
  readonly problems: ValidationProblem[] | undefined;
  /**
   * Headers the answer carries (`Allow` of a 405). Express's default error handler sets them too when
   * the error is forwarded with `forwardErrors: 'all'`.
   */
  readonly headers: Readonly<Record<string, string>> | undefined;
  /** Lets {@link isInnopaasWebhookError} recognise instances from another copy of the package. */
  readonly isInnopaasWebhookError = true;

  constructor(code: ProblemCode, options: InnopaasWebhookErrorOptions = {}) {
    super(options.detail ?? TITLES[code], options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'InnopaasWebhookError';
    this.code = code;
    this.status = PROBLEM_STATUS[code];
    this.expose = this.status < 500;
    this.problems = options.problems;
    this.headers = options.headers;
    // A 4xx is an answer to the sender, not a fault of this process: its stack would only show the
    // middleware's own frames. Express's default error handler prints `stack` (outside production)
    // and logs it, so a forwarded 401 would become an HTML stack trace and a log entry per request.
    if (this.expose) this.stack = `${this.name}: ${this.message}`;
  }

  get title(): string {
    return TITLES[this.code];
  }

  /**
   * The answer this error stands for, as a Fetch `Response`: its status, headers and problem details.
   * Hono's default error handler answers a thrown error with its `getResponse()`, so a refusal forwarded
   * by the Fetch handler (`forwardErrors`) keeps its status there instead of becoming a 500 that InnoPaaS
   * would retry. Needs the platform's global `Response`.
   */
  getResponse(): Response {
    return new Response(JSON.stringify(toProblemDetails(this)), {
      status: this.status,
      headers: { 'content-type': PROBLEM_TYPE, ...this.headers },
    });
  }
}

/** The media type of every error answer (RFC 9457 problem details). */
export const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';

/**
 * `instanceof` fails when a CommonJS and an ESM copy of the package meet in one process; this guard
 * does not.
 */
export function isInnopaasWebhookError(value: unknown): value is InnopaasWebhookError {
  if (typeof value !== 'object' || value === null) return false;
  try {
    return (
      (value as { isInnopaasWebhookError?: unknown }).isInnopaasWebhookError === true &&
      typeof (value as { code?: unknown }).code === 'string'
    );
  } catch {
    // A revoked Proxy or a throwing getter: whatever it is, it is not one of ours.
    return false;
  }
}

/**
 * A short, single-line description of anything user code threw or rejected with, for messages and
 * logs: never throws itself (revoked Proxies, throwing getters), never longer than 200 characters.
 */
export function describeThrown(value: unknown, redact?: (text: string) => string): string {
  let text: string;
  try {
    if (value instanceof Error) text = `${value.name}: ${value.message}`;
    else if (typeof value === 'string') text = value;
    else if (typeof value === 'object' && value !== null) {
      const message = (value as { message?: unknown }).message;
      text = typeof message === 'string' ? message : Object.prototype.toString.call(value);
    } else text = String(value);
  } catch {
    text = 'an unreadable value';
  }
  // Before the cut: a secret across the 200th character would keep its first part.
  return escapeText(redact ? redact(text) : text, 200);
}

// eslint-disable-next-line no-control-regex
const UNSAFE_IN_LOGS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|\p{Cs}/gu;

/**
 * `text` fit for one log line: control characters (newlines, terminal escape sequences) and lone
 * surrogates written as `\uXXXX`, so that what a sender controls cannot forge lines or recolour a
 * terminal; cut to `max` characters.
 */
export function escapeText(text: string, max = 200): string {
  const escaped = text.replace(UNSAFE_IN_LOGS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (escaped.length <= max) return escaped;
  // Never cut between the two halves of an emoji: the line would end in a lone surrogate.
  const end = (escaped.charCodeAt(max - 2) & 0xfc00) === 0xd800 ? max - 2 : max - 1;
  return `${escaped.slice(0, end)}…`;
}

/**
 * Cuts each secret (the configured credentials) out of a text, for what the package writes: error
 * messages, stacks, log lines. Longest first, so that a user name inside an Authorization value cannot
 * break the longer match. (Credentials are visible ASCII, so escaping leaves them as they are.)
 */
export function createRedactor(secrets: readonly string[]): (text: string) => string {
  const sorted = [...new Set(secrets)].filter((secret) => secret !== '').sort((a, b) => b.length - a.length);
  return (text) => {
    for (const secret of sorted) if (text.includes(secret)) text = text.split(secret).join('[redacted]');
    return text;
  };
}

/** RFC 9457 problem details. Never contains credentials, headers or the payload. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  detail?: string;
  problems?: ValidationProblem[];
}

export function toProblemDetails(error: InnopaasWebhookError): ProblemDetails {
  const problem: ProblemDetails = {
    type: `urn:innopaas-webhook:problem:${error.code}`,
    title: error.title,
    status: error.status,
    code: error.code,
  };
  // 5xx details may come from a handler's own error message: keep them out of the response.
  if (error.expose && error.message !== error.title) problem.detail = error.message;
  if (error.problems) problem.problems = error.problems;
  return problem;
}
