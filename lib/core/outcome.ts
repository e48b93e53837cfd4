import { type InnopaasWebhookError, PROBLEM_TYPE, type ProblemCode, toProblemDetails } from './errors';

/** What an adapter must do: answer, or hand on to the next middleware (with an error, or none). */
export type Outcome = RespondOutcome | { readonly kind: 'next'; readonly error?: InnopaasWebhookError };

export interface RespondOutcome {
  readonly kind: 'respond';
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** An error answer's code and error, for observers (lib/core/observer.ts). */
  readonly code?: ProblemCode;
  readonly error?: InnopaasWebhookError;
}

const JSON_TYPE = 'application/json; charset=utf-8';

// The success answers are constants: nothing to build per request. InnoPaaS needs no body (docs/events.md#response); the
// flags tell a person testing by hand what happened.
export const RECEIVED: RespondOutcome = { kind: 'respond', status: 200, contentType: JSON_TYPE, body: '{"received":true}' };
export const CONNECTIVITY: RespondOutcome = {
  kind: 'respond',
  status: 200,
  contentType: JSON_TYPE,
  body: '{"received":true,"test":true}',
};
export const DUPLICATE: RespondOutcome = {
  kind: 'respond',
  status: 200,
  contentType: JSON_TYPE,
  body: '{"received":true,"duplicate":true}',
};
export const INVALID_ACKNOWLEDGED: RespondOutcome = {
  kind: 'respond',
  status: 200,
  contentType: JSON_TYPE,
  body: '{"received":true,"invalid":true}',
};
export const NEXT: Outcome = { kind: 'next' };

/** The RFC 9457 answer of an error. */
export function problemOutcome(error: InnopaasWebhookError): RespondOutcome {
  return {
    kind: 'respond',
    status: error.status,
    contentType: PROBLEM_TYPE,
    body: JSON.stringify(toProblemDetails(error)),
    headers: error.headers,
    code: error.code,
    error,
  };
}
