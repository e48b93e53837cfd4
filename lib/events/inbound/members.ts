import { contactCardsSchema } from './contacts';
import {
  buttonSchema,
  documentSchema,
  errorsSchema,
  interactiveSchema,
  locationSchema,
  mediaSchema,
  reactionSchema,
  textSchema,
  undocumentedContentSchema,
} from './content';

type Member<T extends string, K extends string, C> = {
  readonly type: 'object';
  readonly additionalProperties: true;
  readonly required: readonly ['type', K];
  readonly properties: { readonly type: { readonly const: T } } & { readonly [P in K]: C };
};

/** The part of an inbound body that one message type adds: its `type` and the content key it requires. */
function member<const T extends string, const K extends string, const C>(type: T, key: K, content: C) {
  return {
    type: 'object',
    additionalProperties: true,
    required: ['type', key],
    properties: { type: { const: type }, [key]: content },
  } as Member<T, K, C>;
}

/**
 * A message type whose content is undocumented, and so is the key it sits under: the key, named after the
 * type as Meta's would be, is checked to hold an object when present, and not required.
 */
function guessedMember<const T extends string>(type: T) {
  return {
    type: 'object',
    additionalProperties: true,
    required: ['type'],
    properties: { type: { const: type }, [type]: undocumentedContentSchema },
  } as {
    readonly type: 'object';
    readonly additionalProperties: true;
    readonly required: readonly ['type'];
    readonly properties: { readonly type: { readonly const: T } } & { readonly [P in T]: typeof undocumentedContentSchema };
  };
}

/**
 * One schema per documented message type, keyed by `type`: what the body must hold when
 * `type` has that value. The content key is named after the type, except for `unknown`.
 */
export const moMessageTypeSchemas = {
  text: member('text', 'text', textSchema),
  reaction: member('reaction', 'reaction', reactionSchema),
  image: member('image', 'image', mediaSchema),
  video: member('video', 'video', mediaSchema),
  audio: member('audio', 'audio', mediaSchema),
  sticker: member('sticker', 'sticker', mediaSchema),
  document: member('document', 'document', documentSchema),
  location: member('location', 'location', locationSchema),
  // The table says `contacts`, the example `contact`; either will do, both may be present (docs/events.md#quirk-10).
  contacts: {
    type: 'object',
    additionalProperties: true,
    required: ['type'],
    properties: { type: { const: 'contacts' }, contacts: contactCardsSchema, contact: contactCardsSchema },
    // `properties: {...: true}` repeats the name only for ajv's strictRequired, which looks for a required
    // key among the properties of the same subschema.
    anyOf: [
      { required: ['contacts'], properties: { contacts: true } },
      { required: ['contact'], properties: { contact: true } },
    ],
  },
  button: member('button', 'button', buttonSchema),
  interactive: member('interactive', 'interactive', interactiveSchema),
  // The one type whose content key differs from its name.
  unknown: member('unknown', 'errors', errorsSchema),
  // Neither the content nor the key it sits under is documented (docs/events.md#inbound-order): `order` is
  // a guess, checked when present but not required, so that a real order message is never refused for it.
  order: guessedMember('order'),
  // The same for `system` (docs/events.md#inbound-system): no field list, no example; the key is a guess.
  system: guessedMember('system'),
} as const;
