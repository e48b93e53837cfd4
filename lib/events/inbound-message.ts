import type { EventEnvelope } from './envelope';
import { moMessageBodyBaseSchema, type MoMessageBodyBase } from './inbound/common';
import type { ContactCard } from './inbound/contacts';
import type {
  ButtonContent,
  DocumentContent,
  InteractiveContent,
  LocationContent,
  MediaContent,
  MessageError,
  ReactionContent,
  TextContent,
} from './inbound/content';
import { moMessageTypeSchemas } from './inbound/members';

/**
 * JSON Schema of the `whatsapp_mo_message_received` body: the common fields, then one
 * `if type = X then …` rule per documented message type. A `type` no rule names passes on the common
 * fields alone: InnoPaaS may add message types, and such a message must not be lost (docs/events.md#validation-policy).
 */
export const inboundMessageBodySchema = {
  ...moMessageBodyBaseSchema,
  title: 'whatsapp_mo_message_received body',
  allOf: Object.values(moMessageTypeSchemas).map((then) => ({
    if: { properties: { type: { const: then.properties.type.const } }, required: ['type'] },
    then,
  })),
} as const;

/** `type: 'text'` (docs/events.md#inbound-text). */
export interface TextMessageBody extends MoMessageBodyBase {
  type: 'text';
  text: TextContent;
}

/** `type: 'reaction'`: the user reacted to a message with an emoji (docs/events.md#inbound-reaction). */
export interface ReactionMessageBody extends MoMessageBodyBase {
  type: 'reaction';
  reaction: ReactionContent;
}

/** `type: 'image'` (docs/events.md#inbound-image). */
export interface ImageMessageBody extends MoMessageBodyBase {
  type: 'image';
  image: MediaContent;
}

/** `type: 'video'` (docs/events.md#inbound-video). */
export interface VideoMessageBody extends MoMessageBodyBase {
  type: 'video';
  video: MediaContent;
}

/** `type: 'audio'`, voice notes included (docs/events.md#inbound-audio). */
export interface AudioMessageBody extends MoMessageBodyBase {
  type: 'audio';
  audio: MediaContent;
}

/** `type: 'sticker'` (docs/events.md#inbound-sticker). */
export interface StickerMessageBody extends MoMessageBodyBase {
  type: 'sticker';
  sticker: MediaContent;
}

/** `type: 'document'`: missing from the documented type list, but it exists (docs/events.md#inbound-document). */
export interface DocumentMessageBody extends MoMessageBodyBase {
  type: 'document';
  document: DocumentContent;
}

/** `type: 'location'` (docs/events.md#inbound-location). */
export interface LocationMessageBody extends MoMessageBodyBase {
  type: 'location';
  location: LocationContent;
}

/**
 * `type: 'contacts'`: the cards are under `contacts` or `contact`, as one card or an array
 * (docs/events.md#inbound-contacts). Read them with {@link getContacts}.
 */
export type ContactsMessageBody = MoMessageBodyBase & { type: 'contacts' } & (
    | { contacts: ContactCard | ContactCard[]; contact?: ContactCard | ContactCard[] }
    | { contact: ContactCard | ContactCard[]; contacts?: ContactCard | ContactCard[] }
  );

/**
 * `type: 'button'`: a template's quick-reply button was tapped; `context` names the template message
 * (docs/events.md#inbound-button).
 */
export interface ButtonMessageBody extends MoMessageBodyBase {
  type: 'button';
  button: ButtonContent;
}

/** `type: 'interactive'`: a list row or reply button was chosen (docs/events.md#inbound-interactive). */
export interface InteractiveMessageBody extends MoMessageBodyBase {
  type: 'interactive';
  interactive: InteractiveContent;
}

/** `type: 'unknown'`: WhatsApp could not pass the message on; `errors` says why (docs/events.md#inbound-unknown). */
export interface UnknownMessageBody extends MoMessageBodyBase {
  type: 'unknown';
  errors: MessageError[];
}

/** `type: 'order'`: a catalogue order. Its contents are undocumented (docs/events.md#inbound-order). */
export interface OrderMessageBody extends MoMessageBodyBase {
  type: 'order';
  /** Where Meta's order message would put its content; the key is a guess (docs/events.md#inbound-order). */
  order?: Record<string, unknown>;
}

/** `type: 'system'`, e.g. the user changed number. Its contents are undocumented (docs/events.md#inbound-system). */
export interface SystemMessageBody extends MoMessageBodyBase {
  type: 'system';
  /** Where Meta's system message puts its content; the key is a guess (docs/events.md#inbound-system). */
  system?: Record<string, unknown>;
}

/**
 * Body of `whatsapp_mo_message_received`, one member per documented message type, so that checking
 * `body.type` narrows to the content key: `if (body.type === 'image') body.image.link`.
 *
 * A message type that is not documented has no member here (an open member would stop the narrowing),
 * yet it is accepted and handed to the handler: see {@link MoMessageBodyBase}.
 */
export type InboundMessageBody =
  | TextMessageBody
  | ReactionMessageBody
  | ImageMessageBody
  | VideoMessageBody
  | AudioMessageBody
  | StickerMessageBody
  | DocumentMessageBody
  | LocationMessageBody
  | ContactsMessageBody
  | ButtonMessageBody
  | InteractiveMessageBody
  | UnknownMessageBody
  | OrderMessageBody
  | SystemMessageBody;

/** `whatsapp_mo_message_received`: a WhatsApp user sent your business a message (docs/events.md#whatsapp_mo_message_received). */
export type InboundMessageEvent = EventEnvelope<'whatsapp_mo_message_received', InboundMessageBody>;
