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
 * JSON Schema of the `whatsapp_mo_message_received` body (§5): the common fields, then one
 * `if type = X then …` rule per documented message type. A `type` no rule names passes on the common
 * fields alone: InnoPaaS may add message types, and such a message must not be lost (§9.3).
 */
export const inboundMessageBodySchema = {
  ...moMessageBodyBaseSchema,
  title: 'whatsapp_mo_message_received body',
  allOf: Object.values(moMessageTypeSchemas).map((then) => ({
    if: { properties: { type: { const: then.properties.type.const } }, required: ['type'] },
    then,
  })),
} as const;

/** `type: 'text'` (§5.2). */
export interface TextMessageBody extends MoMessageBodyBase {
  type: 'text';
  text: TextContent;
}

/** `type: 'reaction'`: the user reacted to a message with an emoji (§5.3). */
export interface ReactionMessageBody extends MoMessageBodyBase {
  type: 'reaction';
  reaction: ReactionContent;
}

/** `type: 'image'` (§5.4). */
export interface ImageMessageBody extends MoMessageBodyBase {
  type: 'image';
  image: MediaContent;
}

/** `type: 'video'` (§5.4). */
export interface VideoMessageBody extends MoMessageBodyBase {
  type: 'video';
  video: MediaContent;
}

/** `type: 'audio'`, voice notes included (§5.4). */
export interface AudioMessageBody extends MoMessageBodyBase {
  type: 'audio';
  audio: MediaContent;
}

/** `type: 'sticker'` (§5.4). */
export interface StickerMessageBody extends MoMessageBodyBase {
  type: 'sticker';
  sticker: MediaContent;
}

/** `type: 'document'`: missing from the documented type list, but it exists (§9.1 item 9). */
export interface DocumentMessageBody extends MoMessageBodyBase {
  type: 'document';
  document: DocumentContent;
}

/** `type: 'location'` (§5.5). */
export interface LocationMessageBody extends MoMessageBodyBase {
  type: 'location';
  location: LocationContent;
}

/**
 * `type: 'contacts'` (§5.6): the cards are under `contacts` or `contact`, as one card or an array
 * (§9.1 item 10). Read them with {@link getContacts}.
 */
export type ContactsMessageBody = MoMessageBodyBase & { type: 'contacts' } & (
    | { contacts: ContactCard | ContactCard[]; contact?: ContactCard | ContactCard[] }
    | { contact: ContactCard | ContactCard[]; contacts?: ContactCard | ContactCard[] }
  );

/** `type: 'button'`: a template's quick-reply button was tapped; `context` names the template message (§5.7). */
export interface ButtonMessageBody extends MoMessageBodyBase {
  type: 'button';
  button: ButtonContent;
}

/** `type: 'interactive'`: a list row or reply button was chosen (§5.9). */
export interface InteractiveMessageBody extends MoMessageBodyBase {
  type: 'interactive';
  interactive: InteractiveContent;
}

/** `type: 'unknown'`: WhatsApp could not pass the message on; `errors` says why (§5.8). */
export interface UnknownMessageBody extends MoMessageBodyBase {
  type: 'unknown';
  errors: MessageError[];
}

/** `type: 'order'`: a catalogue order. Its contents are undocumented (§5.11). */
export interface OrderMessageBody extends MoMessageBodyBase {
  type: 'order';
  order: Record<string, unknown>;
}

/** `type: 'system'`, e.g. the user changed number. Its contents are undocumented (§5.11). */
export interface SystemMessageBody extends MoMessageBodyBase {
  type: 'system';
  system: Record<string, unknown>;
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

/** `whatsapp_mo_message_received`: a WhatsApp user sent your business a message (§5). */
export type InboundMessageEvent = EventEnvelope<'whatsapp_mo_message_received', InboundMessageBody>;
