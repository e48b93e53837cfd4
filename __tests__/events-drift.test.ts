import type { FromSchema } from 'json-schema-to-ts';
import {
  accountReviewBodySchema,
  envelopeSchema,
  inboxMessageBodySchema,
  messageStatusBodySchema,
  phoneNumberNameBodySchema,
  templateCategoryBodySchema,
  templateQualityBodySchema,
  templateStatusBodySchema,
  type AccountReviewBody,
  type EventEnvelope,
  type InboundMessageBody,
  type InboxMessageBody,
  type MessageStatusBody,
  type MoMessageBodyBase,
  type PhoneNumberNameBody,
  type TemplateCategoryBody,
  type TemplateQualityBody,
  type TemplateStatusBody,
} from '../lib/events';
import { MO_MESSAGE_TYPES, moMessageBodyBaseSchema } from '../lib/events/inbound/common';
import { moMessageTypeSchemas } from '../lib/events/inbound/members';

// Types and schemas are written side by side, so they can drift apart: each family's interface and `FromSchema<typeof schema>` must describe the same
// JSON. The check is done by the compiler: `npx tsc --noEmit -p tsconfig.json` fails on the line of a
// family that drifted ("Type 'true' does not satisfy the expected type 'false'"). The jest part only
// counts the families, so that a family left out of this file is noticed.

/** The getters decorateDates adds: in the interfaces, never in the JSON. */
type DecoratedKey = 'eventDate' | 'sendDate' | 'expireDate';

/**
 * A type reduced to what JSON Schema can say: no index signatures (`additionalProperties: true` gives
 * FromSchema one, the interfaces deliberately have none), no `readonly`, no decorated dates, and an open
 * enumeration (`'a' | (string & {})`) as the plain `string` its schema is.
 */
type Plain<T> = [NonNullable<T>] extends [string]
  ? [string] extends [NonNullable<T>]
    ? string | Exclude<T, NonNullable<T>>
    : T
  : PlainEach<T>;
type PlainEach<T> = T extends readonly (infer Item)[]
  ? Plain<Item>[]
  : T extends object
    ? {
        -readonly [
          K in keyof T as K extends DecoratedKey ? never : string extends K ? never : number extends K ? never : K
        ]: Plain<T[K]>;
      }
    : T;

/** true when A and B are identical once plain: same keys, same optionality, same value types. */
// The generic functions are the usual exact type-equality check: X is there to be compared, not inferred.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
type Same<A, B> = (<X>() => X extends Plain<A> ? 1 : 2) extends <X>() => X extends Plain<B> ? 1 : 2 ? true : false;

// FromSchema cannot follow the if/then rules of the inbound body, so each message type is compared on
// its own: the common fields' schema with that type's rule, against that member of the union.
type MoType = keyof typeof moMessageTypeSchemas;
type MemberAgrees<K extends MoType> = Same<
  FromSchema<typeof moMessageBodyBaseSchema> & MemberSchemaType<(typeof moMessageTypeSchemas)[K]>,
  Extract<InboundMessageBody, { type: K }>
>;
// A conditional type, so that FromSchema runs on each concrete schema rather than on the generic one
// (which exceeds the compiler's instantiation depth).
type MemberSchemaType<S> = S extends unknown ? FromSchema<S & object> : never;

const families = {
  envelope: true satisfies Same<FromSchema<typeof envelopeSchema>, EventEnvelope<string, Record<string, unknown>>>,
  messageStatus: true satisfies Same<FromSchema<typeof messageStatusBodySchema>, MessageStatusBody>,
  inboundMessageBase: true satisfies Same<FromSchema<typeof moMessageBodyBaseSchema>, MoMessageBodyBase>,
  // The union has exactly one member per rule, and the documented type list names exactly those.
  inboundMessageTypes: true satisfies Same<InboundMessageBody['type'], MoType>,
  templateStatus: true satisfies Same<FromSchema<typeof templateStatusBodySchema>, TemplateStatusBody>,
  templateQuality: true satisfies Same<FromSchema<typeof templateQualityBodySchema>, TemplateQualityBody>,
  templateCategory: true satisfies Same<FromSchema<typeof templateCategoryBodySchema>, TemplateCategoryBody>,
  accountReview: true satisfies Same<FromSchema<typeof accountReviewBodySchema>, AccountReviewBody>,
  phoneNumberName: true satisfies Same<FromSchema<typeof phoneNumberNameBodySchema>, PhoneNumberNameBody>,
  inbox: true satisfies Same<FromSchema<typeof inboxMessageBodySchema>, InboxMessageBody>,
};

const messageTypes: Record<MoType, true> = {
  text: true satisfies MemberAgrees<'text'>,
  reaction: true satisfies MemberAgrees<'reaction'>,
  image: true satisfies MemberAgrees<'image'>,
  video: true satisfies MemberAgrees<'video'>,
  audio: true satisfies MemberAgrees<'audio'>,
  sticker: true satisfies MemberAgrees<'sticker'>,
  document: true satisfies MemberAgrees<'document'>,
  location: true satisfies MemberAgrees<'location'>,
  contacts: true satisfies MemberAgrees<'contacts'>,
  button: true satisfies MemberAgrees<'button'>,
  interactive: true satisfies MemberAgrees<'interactive'>,
  unknown: true satisfies MemberAgrees<'unknown'>,
  order: true satisfies MemberAgrees<'order'>,
  system: true satisfies MemberAgrees<'system'>,
};

describe('schema ↔ interface drift (checked by tsc; see the top of this file)', () => {
  it('guards every event family', () => {
    expect(Object.keys(families)).toHaveLength(10);
  });

  it('guards every documented inbound message type', () => {
    expect(Object.keys(messageTypes).sort()).toEqual([...MO_MESSAGE_TYPES].sort());
  });
});
