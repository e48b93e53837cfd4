import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { InnopaasWebhookError, type ValidationProblem } from './errors';
import { EVENT_TYPE_ALIASES, EVENT_TYPES, bodySchemas, envelopeSchema, type EventType } from './events';

/** How many problems a 400 lists at most: enough to fix a payload, bounded for hostile ones. */
export const MAX_LISTED_PROBLEMS = 20;

export interface Validators {
  envelope: ValidateFunction;
  bodies: ReadonlyMap<string, ValidateFunction>;
}

let compiled: Validators | undefined;

/**
 * Compiles the envelope and one body validator per event type, once per process (the schemas are
 * constants), so that each request runs exactly two small validators chosen by `type`.
 */
export function getValidators(): Validators {
  if (compiled) return compiled;
  // strict: a schema mistake fails here, at start-up, not on a live event. allErrors: a 400 lists
  // every failing path (capped at MAX_LISTED_PROBLEMS). No coercion, defaults or removal: the
  // handler sees exactly what InnoPaaS sent.
  const ajv = new Ajv({ strict: true, allErrors: true });
  const bodies = new Map<string, ValidateFunction>();
  for (const type of EVENT_TYPES) bodies.set(type, ajv.compile(bodySchemas[type as EventType]));
  for (const [alias, canonical] of Object.entries(EVENT_TYPE_ALIASES)) bodies.set(alias, bodies.get(canonical) as ValidateFunction);
  compiled = { envelope: ajv.compile(envelopeSchema), bodies };
  return compiled;
}

function toProblems(errors: ErrorObject[] | null | undefined, prefix: string): ValidationProblem[] {
  return (errors ?? []).slice(0, MAX_LISTED_PROBLEMS).map((error) => ({
    path: prefix + error.instancePath,
    message: error.message ?? error.keyword,
  }));
}

export type ValidationResult =
  | { readonly known: true; readonly event: { id: string; type: string; eventTime: string; body: Record<string, unknown> } }
  | { readonly known: false; readonly event: { id: string; type: string; eventTime: string; body: Record<string, unknown> } };

/** Envelope first (strict), then the body schema picked by `type`. Unknown types pass on the envelope alone. */
export function validateEvent(validators: Validators, payload: unknown): ValidationResult {
  if (Array.isArray(payload)) {
    // §3.7: batches are never documented. Refusing them loudly beats handling half of one.
    throw new InnopaasWebhookError('batch_not_supported', {
      detail: 'The body is a JSON array; InnoPaaS delivers one event object per request.',
    });
  }
  if (!validators.envelope(payload)) {
    throw new InnopaasWebhookError('invalid_envelope', {
      detail: 'The body is not an InnoPaaS event envelope { id, type, eventTime, body }.',
      problems: toProblems(validators.envelope.errors, ''),
    });
  }
  const event = payload as { id: string; type: string; eventTime: string; body: Record<string, unknown> };
  // A Map, not an object lookup: a `type` of "constructor" or "__proto__" must not find anything.
  const validateBody = validators.bodies.get(event.type);
  if (!validateBody) return { known: false, event };
  if (!validateBody(event.body)) {
    throw new InnopaasWebhookError('invalid_event', {
      detail: `The body does not match the ${event.type} schema.`,
      problems: toProblems(validateBody.errors, '/body'),
    });
  }
  return { known: true, event };
}
