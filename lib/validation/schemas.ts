import { EVENT_TYPES, bodySchemas, envelopeSchema } from '../events';
import type { JsonSchema } from '../events/schema';
import { moMessageBodyBaseSchema } from '../events/inbound/common';
import { moMessageTypeSchemas } from '../events/inbound/members';

/**
 * The options every validator is compiled with. strict: a schema mistake fails when the validators are
 * generated, not on a live event. allErrors: a 400 lists every failing path. No coercion, defaults or
 * removal: the handler sees exactly what InnoPaaS sent.
 */
export const AJV_OPTIONS = { strict: true, allErrors: true } as const;

export const INBOUND_TYPE = 'whatsapp_mo_message_received';

/**
 * Every validator the middleware runs, by the name it is exported under in `generated.ts`:
 * `envelope`, `body_<event type>`, and for inbound messages `mo_base` (the common fields) and
 * `mo_<message type>` (what that type adds: its content key). An inbound body runs `mo_base` and the
 * validator of its `body.type`, if it is documented.
 *
 * Inbound messages get one validator per `body.type` instead of the published schema's `if/then`
 * chain: the same rules, but a request runs one branch instead of fourteen (+7 % req/s, bench/).
 * `__tests__/validators-generated.test.ts` checks both forms agree.
 */
export function validatorSchemas(): Record<string, JsonSchema> {
  const schemas: Record<string, JsonSchema> = { envelope: envelopeSchema };
  for (const type of EVENT_TYPES) {
    // A copy: chat_mt and chat_mo share one schema object, which ajv would emit as one function twice.
    if (type !== INBOUND_TYPE) schemas[`body_${type}`] = { ...bodySchemas[type] };
  }
  schemas.mo_base = moMessageBodyBaseSchema;
  for (const [messageType, member] of Object.entries(moMessageTypeSchemas)) {
    schemas[`mo_${messageType}`] = member;
  }
  return schemas;
}
