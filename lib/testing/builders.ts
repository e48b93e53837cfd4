import { randomUUID } from 'node:crypto';
import { decorateDates, type EventEnvelope, type EventMap, type EventType, type InboundMessageBody } from '../events';
import { type ExampleName, type ExamplePayload, examples } from './examples';
import { type DeepPartial, deepMerge, isPlainObject } from './merge';

/** A documented inbound message type (`body.type` of `whatsapp_mo_message_received`). */
export type InboundMessageType = InboundMessageBody['type'];

/** The body of one inbound message type, e.g. `InboundMessageBodyOf<'image'>` has `image`. */
export type InboundMessageBodyOf<M extends InboundMessageType> = Extract<InboundMessageBody, { type: M }>;

/** A `whatsapp_mo_message_received` event whose body is of one message type. */
export type InboundMessageEventOf<M extends InboundMessageType> = EventEnvelope<
  'whatsapp_mo_message_received',
  InboundMessageBodyOf<M>
>;

/** What `buildEvent(type, overrides)` accepts: any part of the event, at any depth. */
export type EventOverrides<T extends EventType> = DeepPartial<EventMap[T]>;

/** The example each event type starts from when the overrides pick no other. */
export const DEFAULT_EXAMPLES: { readonly [T in EventType]: ExampleName } = {
  whatsapp_message_status_updated: 'status-delivered',
  whatsapp_mo_message_received: 'mo-text',
  whatsapp_template_status_updated: 'template-status',
  message_template_quality_update: 'template-quality',
  template_category_update: 'template-category-skeleton',
  whatsapp_account_review_updated: 'account-review-skeleton',
  whatsapp_phone_number_name_update: 'phone-number-name-update',
  chat_mt_message_notify: 'chat-mt',
  chat_mo_message_notify: 'chat-mo',
};

/** The example each inbound message type starts from (`order` and `system` are constructed). */
export const MESSAGE_EXAMPLES: { readonly [M in InboundMessageType]: ExampleName } = {
  text: 'mo-text',
  reaction: 'mo-reaction',
  image: 'mo-image',
  video: 'mo-video',
  audio: 'mo-audio',
  sticker: 'mo-sticker',
  document: 'mo-document',
  location: 'mo-location',
  contacts: 'mo-contacts-published',
  button: 'mo-button',
  interactive: 'mo-interactive-list',
  unknown: 'mo-unknown',
  order: 'mo-order',
  system: 'mo-system',
};

/** Every documented inbound message type, in the order of the docs' list (and `document`). */
export const INBOUND_MESSAGE_TYPES = Object.keys(MESSAGE_EXAMPLES) as InboundMessageType[];

const STATUS_EXAMPLES: Readonly<Record<string, ExampleName>> = {
  delivered: 'status-delivered',
  read: 'status-read',
  failed: 'status-failed',
};

/**
 * The override paths that choose which example an event starts from (see `pickExample`), for callers
 * that hold overrides as dotted paths, such as the CLI's `--set`.
 */
export const VARIANT_PATHS = ['body.type', 'body.interactive.type', 'body.status'] as const;

const own = <V>(table: Readonly<Record<string, V>>, key: unknown): V | undefined =>
  typeof key === 'string' && Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;

/**
 * The example to start from. Where the overrides name a variant (a message type, a delivery status),
 * starting from that variant's example keeps the result valid: an image message needs an `image`, a
 * failed status report comes with `errorData`.
 */
function pickExample(type: EventType, overrides: unknown): ExampleName {
  const body = isPlainObject(overrides) && isPlainObject(overrides.body) ? overrides.body : {};
  if (type === 'whatsapp_mo_message_received') {
    if (body.type === 'interactive' && isPlainObject(body.interactive) && body.interactive.type === 'buttonReply')
      return 'mo-interactive-button';
    return own(MESSAGE_EXAMPLES, body.type) ?? DEFAULT_EXAMPLES[type];
  }
  if (type === 'whatsapp_message_status_updated') return own(STATUS_EXAMPLES, body.status) ?? DEFAULT_EXAMPLES[type];
  return DEFAULT_EXAMPLES[type];
}

/**
 * A valid event of `type`, built from its documented example with `overrides` deep-merged over it.
 * Each call gets a fresh `id` (a UUID) and `eventTime` of now (ISO-8601), and an inbound message a
 * `sendTime` of now, unless the overrides set them. Naming a message type (`{ body: { type: 'image' } }`)
 * or a status (`{ body: { status: 'failed' } }`) starts from that variant's example.
 *
 * Overrides may break validity on purpose: a key set to `undefined` is removed. The result has the
 * `eventDate` (and `sendDate`, `expireDate`) getters a handler sees, so it can be passed to a handler as is.
 */
export function buildEvent<T extends EventType>(type: T, overrides?: EventOverrides<T>): EventMap[T] {
  if (!Object.prototype.hasOwnProperty.call(DEFAULT_EXAMPLES, type)) {
    throw new TypeError(
      `buildEvent: unknown event type ${JSON.stringify(type)}; expected one of ${Object.keys(DEFAULT_EXAMPLES).join(', ')}`,
    );
  }
  const example: ExamplePayload = examples[pickExample(type, overrides)];
  const now = new Date().toISOString();
  const base = { ...structuredClone(example), type, id: randomUUID(), eventTime: now } as { body: Record<string, unknown> };
  if (type === 'whatsapp_mo_message_received') base.body.sendTime = now;
  return decorateDates(deepMerge(base as EventMap[T], overrides ?? {}));
}

/**
 * Sugar for `buildEvent('whatsapp_mo_message_received', { body: { type, ...body } })`, typed by message
 * type: `buildInboundMessage('image', { image: { caption: 'receipt' } }).body.image.link`. `envelope`
 * overrides the envelope (`id`, `eventTime`).
 */
export function buildInboundMessage<M extends InboundMessageType>(
  type: M,
  body?: DeepPartial<InboundMessageBodyOf<M>>,
  envelope?: { id?: string | undefined; eventTime?: string | undefined },
): InboundMessageEventOf<M> {
  if (!Object.prototype.hasOwnProperty.call(MESSAGE_EXAMPLES, type)) {
    throw new TypeError(
      `buildInboundMessage: unknown message type ${JSON.stringify(type)}; expected one of ${INBOUND_MESSAGE_TYPES.join(', ')}`,
    );
  }
  // Only the envelope fields given: an `id: undefined` (an optional value passed on) means "not given"
  // here, where buildEvent's overrides would take it for "remove the id".
  const given = Object.fromEntries(Object.entries(envelope ?? {}).filter(([, value]) => value !== undefined));
  const overrides = { ...given, body: { ...body, type } } as EventOverrides<'whatsapp_mo_message_received'>;
  return buildEvent('whatsapp_mo_message_received', overrides) as InboundMessageEventOf<M>;
}
