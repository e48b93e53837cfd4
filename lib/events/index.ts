import type { JsonSchema } from './schema';
import { accountReviewBodySchema, phoneNumberNameBodySchema } from './account';
import type { AccountReviewEvent, PhoneNumberNameEvent } from './account';
import { envelopeSchema, type EventEnvelope, type UnknownEventType } from './envelope';
import { inboundMessageBodySchema, type InboundMessageEvent } from './inbound-message';
import { inboxMessageBodySchema, type ChatMoMessageEvent, type ChatMtMessageEvent } from './inbox';
import { messageStatusBodySchema, type MessageStatusEvent } from './message-status';
import { templateCategoryBodySchema, templateQualityBodySchema, templateStatusBodySchema } from './template-status';
import type { TemplateCategoryEvent, TemplateQualityEvent, TemplateStatusEvent } from './template-status';

/** Every event type this package knows, by its canonical spelling (docs/events.md#event-types). */
export const EVENT_TYPES = [
  'whatsapp_message_status_updated',
  'whatsapp_mo_message_received',
  'whatsapp_template_status_updated',
  'message_template_quality_update',
  'template_category_update',
  'whatsapp_account_review_updated',
  'whatsapp_phone_number_name_update',
  'chat_mt_message_notify',
  'chat_mo_message_notify',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** Other spellings of a type seen in the docs, and the type they mean (docs/events.md#quirk-14). */
export const EVENT_TYPE_ALIASES: Readonly<Record<string, EventType>> = Object.freeze({
  whatsapp_template_status_update: 'whatsapp_template_status_updated',
});

const canonical = new Map<string, EventType>([
  ...EVENT_TYPES.map((type) => [type, type] as const),
  ...Object.entries(EVENT_TYPE_ALIASES),
]);

/**
 * The catalogue type a `type` string stands for, aliases resolved; undefined for an unknown type.
 * A Map, not an object lookup: `constructor` or `__proto__` must find nothing.
 */
export function canonicalEventType(type: string): EventType | undefined {
  return canonical.get(type);
}

/**
 * Whether `event` is an event of `type` (in either spelling of a type that has two), as a type guard.
 * For what `event.type === '…'` cannot narrow: an event typed `unknown` (a queue job, a stored copy), a
 * type held in a variable, `events.filter(…)`, and `whatsapp_template_status_updated`, which a plain
 * comparison would miss when it arrives spelt `whatsapp_template_status_update`.
 *
 * It reads the envelope, not the body: it is for events the middleware (or the test kit) produced, whose
 * body was validated on arrival. Check untrusted JSON against the published schemas instead.
 */
export function isInnopaasEvent<T extends EventType>(event: unknown, type: T): event is EventMap[T] {
  const wanted = typeof type === 'string' ? canonical.get(type) : undefined;
  if (wanted === undefined) {
    throw new TypeError(
      `isInnopaasEvent: ${JSON.stringify(type)} is not an InnoPaaS event type; expected one of ${EVENT_TYPES.join(', ')}`,
    );
  }
  if (typeof event !== 'object' || event === null) return false;
  const { id, type: given, body } = event as { id?: unknown; type?: unknown; body?: unknown };
  return (
    typeof id === 'string' &&
    typeof given === 'string' &&
    canonical.get(given) === wanted &&
    typeof body === 'object' &&
    body !== null
  );
}

/** Each event type and the event it delivers, for typing handlers per type. */
export interface EventMap {
  whatsapp_message_status_updated: MessageStatusEvent;
  whatsapp_mo_message_received: InboundMessageEvent;
  whatsapp_template_status_updated: TemplateStatusEvent;
  message_template_quality_update: TemplateQualityEvent;
  template_category_update: TemplateCategoryEvent;
  whatsapp_account_review_updated: AccountReviewEvent;
  whatsapp_phone_number_name_update: PhoneNumberNameEvent;
  chat_mt_message_notify: ChatMtMessageEvent;
  chat_mo_message_notify: ChatMoMessageEvent;
}

/** Any event of the catalogue, discriminated by `type`. */
export type InnopaasEvent = EventMap[EventType];

/**
 * An event whose `type` is not in the catalogue (InnoPaaS adds types): only the envelope was checked.
 * Its `type` is an {@link UnknownEventType}, a string at run time: `String(event.type)` reads it.
 */
export type UnknownEvent = EventEnvelope<UnknownEventType, Record<string, unknown>>;

/**
 * Any event the middleware hands on (`req.innopaasEvent`, `onDuplicate`, `onError`'s `event`): one of
 * the catalogue, or an unknown one. Comparing `type` with a catalogue name narrows it to that event.
 */
export type WebhookEvent = InnopaasEvent | UnknownEvent;

/** JSON Schema of each event type's `body`. Aliases use the schema of the type they stand for. */
export const bodySchemas: { readonly [K in EventType]: JsonSchema } = {
  whatsapp_message_status_updated: messageStatusBodySchema,
  whatsapp_mo_message_received: inboundMessageBodySchema,
  whatsapp_template_status_updated: templateStatusBodySchema,
  message_template_quality_update: templateQualityBodySchema,
  template_category_update: templateCategoryBodySchema,
  whatsapp_account_review_updated: accountReviewBodySchema,
  whatsapp_phone_number_name_update: phoneNumberNameBodySchema,
  chat_mt_message_notify: inboxMessageBodySchema,
  chat_mo_message_notify: inboxMessageBodySchema,
};

/**
 * The complete JSON Schema (draft-07) of one event type, envelope and body, as published in
 * `schemas/<type>.json` for receivers written in other languages. `type` admits the aliases too.
 */
export function eventSchema(type: EventType): JsonSchema {
  const spellings = [type, ...Object.keys(EVENT_TYPE_ALIASES).filter((alias) => EVENT_TYPE_ALIASES[alias] === type)];
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...envelopeSchema,
    title: `InnoPaaS ${type} event`,
    properties: {
      ...envelopeSchema.properties,
      type: { type: 'string', enum: spellings },
      body: bodySchemas[type],
    },
  };
}

export { envelopeSchema, type EventEnvelope, type UnknownEventType } from './envelope';
export { decorateDates } from './dates';
export type { JsonSchema, OpenEnum } from './schema';
export {
  messageStatusBodySchema,
  type Conversation,
  type ConversationInitiateType,
  type MessageErrorData,
  type MessageStatus,
  type MessageStatusBody,
  type MessageStatusEvent,
} from './message-status';
export { isNewerStatus, statusRank } from './status-order';
export {
  inboundMessageBodySchema,
  type AudioMessageBody,
  type ButtonMessageBody,
  type ContactsMessageBody,
  type DocumentMessageBody,
  type ImageMessageBody,
  type InboundMessageBody,
  type InboundMessageEvent,
  type InteractiveMessageBody,
  type LocationMessageBody,
  type OrderMessageBody,
  type ReactionMessageBody,
  type StickerMessageBody,
  type SystemMessageBody,
  type TextMessageBody,
  type UnknownMessageBody,
  type VideoMessageBody,
} from './inbound-message';
export type { CustomerProfile, MessageContext, MoMessageBodyBase, MoMessageType } from './inbound/common';
export { getContacts, type ContactCard } from './inbound/contacts';
export type {
  ButtonContent,
  DocumentContent,
  InteractiveContent,
  InteractiveType,
  LocationContent,
  MediaContent,
  MessageError,
  ReactionContent,
  TextContent,
} from './inbound/content';
export {
  templateCategoryBodySchema,
  templateQualityBodySchema,
  templateStatusBodySchema,
  type TemplateCategory,
  type TemplateCategoryBody,
  type TemplateCategoryEvent,
  type TemplateQualityBody,
  type TemplateQualityEvent,
  type TemplateQualityScore,
  type TemplateStatus,
  type TemplateStatusBody,
  type TemplateStatusEvent,
} from './template-status';
export {
  accountReviewBodySchema,
  phoneNumberNameBodySchema,
  type AccountReviewBody,
  type AccountReviewEvent,
  type NameRejectionReason,
  type PhoneNumberNameBody,
  type PhoneNumberNameEvent,
  type ReviewDecision,
} from './account';
export {
  inboxMessageBodySchema,
  type ChatMoMessageEvent,
  type ChatMtMessageEvent,
  type InboxMessageBody,
  type InboxMessageContent,
} from './inbox';
