import { InnopaasWebhookError, type ValidationProblem } from '../core/errors';
import { EVENT_TYPE_ALIASES, EVENT_TYPES } from '../events';
import * as generated from '../validation/generated';
import { RECORDED_ERRORS, TooManyFailedChecks } from '../validation/runtime';
import { INBOUND_TYPE } from '../validation/schemas';

/** How many problems a 400 lists at most: enough to fix a payload, bounded for hostile ones. */
export const MAX_LISTED_PROBLEMS = RECORDED_ERRORS;

/**
 * What the middleware needs of a validator: a verdict, and after a refusal the failed checks with their
 * instance path and message. A function compiled by ajv has that shape; so have the generated ones,
 * which record only that much of each failed check (lib/validation/runtime.ts).
 */
export interface Validate {
  (data: unknown): boolean;
  errors?: readonly { instancePath: string; keyword: string; message?: string }[] | null;
}

export interface Validators {
  envelope: Validate;
  /** By event type (aliases included). Inbound messages: the common fields only. */
  bodies: ReadonlyMap<string, Validate>;
  /** By inbound message type: what that type adds to the common fields. */
  inbound: ReadonlyMap<string, Validate>;
}

let loaded: Validators | undefined;

/**
 * The validators, generated ahead of time by ajv from the schemas of lib/events (see
 * lib/validation/schemas.ts): start-up loads functions, compiles nothing.
 */
export function getValidators(): Validators {
  loaded ??= buildValidators(generated);
  return loaded;
}

/**
 * Files validators by what they check, from a record named as lib/validation/schemas.ts names them:
 * the generated module, or (in the tests) the same schemas compiled by ajv. Maps, not object lookups,
 * so that a `type` of "constructor" or "__proto__" finds nothing.
 */
export function buildValidators(all: Readonly<Record<string, Validate>>): Validators {
  const pick = (name: string) => {
    const validate = all[name];
    if (!validate) throw new Error(`innopaas-webhook: generated validator ${name} is missing; run npm run generate`);
    return validate;
  };
  const bodies = new Map<string, Validate>();
  for (const type of EVENT_TYPES) bodies.set(type, pick(type === INBOUND_TYPE ? 'mo_base' : `body_${type}`));
  for (const [alias, canonical] of Object.entries(EVENT_TYPE_ALIASES)) bodies.set(alias, bodies.get(canonical) as Validate);
  const inbound = new Map<string, Validate>();
  for (const name of Object.keys(all)) {
    if (name.startsWith('mo_') && name !== 'mo_base') inbound.set(name.slice(3), pick(name));
  }
  return { envelope: pick('envelope'), bodies, inbound };
}

/** `undefined` when `data` is valid, else the failed checks (those recorded before a validator stopped). */
function failedChecks(validate: Validate, data: unknown): Validate['errors'] | undefined {
  try {
    return validate(data) ? undefined : (validate.errors ?? []);
  } catch (stop) {
    if (stop instanceof TooManyFailedChecks) return stop.errors;
    throw stop;
  }
}

function toProblems(errors: Validate['errors'], prefix: string, into: ValidationProblem[] = []): ValidationProblem[] {
  for (const error of errors ?? []) {
    // Past the recorded ones, the generated validators keep placeholders (lib/validation/runtime.ts).
    if (into.length === MAX_LISTED_PROBLEMS || error.keyword === 'unrecorded') break;
    into.push({ path: prefix + error.instancePath, message: error.message ?? error.keyword });
  }
  return into;
}

export interface ValidatedEvent {
  id: string;
  type: string;
  eventTime: string;
  body: Record<string, unknown>;
}

export interface ValidationResult {
  /** Whether `type` is in the catalogue; an unknown type passed on its envelope alone. */
  readonly known: boolean;
  readonly event: ValidatedEvent;
}

/** Envelope first (strict), then the body schema picked by `type`. Throws the 400 to answer. */
export function validateEvent(validators: Validators, payload: unknown): ValidationResult {
  if (Array.isArray(payload)) {
    // Batches are never documented (docs/events.md#batches). Refusing them loudly beats handling half of one.
    throw new InnopaasWebhookError('batch_not_supported', {
      detail: 'The body is a JSON array; InnoPaaS delivers one event object per request.',
    });
  }
  const envelopeErrors = failedChecks(validators.envelope, payload);
  if (envelopeErrors) {
    throw new InnopaasWebhookError('invalid_envelope', {
      detail: 'The body is not an InnoPaaS event envelope { id, type, eventTime, body }.',
      problems: toProblems(envelopeErrors, ''),
    });
  }
  const event = payload as ValidatedEvent;
  const validateBody = validators.bodies.get(event.type);
  if (!validateBody) return { known: false, event };
  let problems: ValidationProblem[] | undefined;
  const bodyErrors = failedChecks(validateBody, event.body);
  if (bodyErrors) problems = toProblems(bodyErrors, '/body');
  if (validateBody === validators.bodies.get(INBOUND_TYPE)) {
    // One message type's rules, picked by body.type (an undocumented type has none: nothing is lost).
    const messageType = event.body.type;
    const validateContent = typeof messageType === 'string' ? validators.inbound.get(messageType) : undefined;
    const contentErrors = validateContent && failedChecks(validateContent, event.body);
    if (contentErrors) problems = toProblems(contentErrors, '/body', problems);
  }
  if (problems) {
    throw new InnopaasWebhookError('invalid_event', {
      detail: `The body does not match the ${event.type} schema.`,
      problems,
    });
  }
  return { known: true, event };
}
