import { openEnum, type OpenEnum } from '../schema';

// The docs list thirteen types and forget `document`, which has its own example (docs/events.md#quirk-9).
export const MO_MESSAGE_TYPES = [
  'text',
  'reaction',
  'image',
  'video',
  'audio',
  'sticker',
  'document',
  'location',
  'contacts',
  'button',
  'interactive',
  'unknown',
  'order',
  'system',
] as const;

/** The documented inbound message types. Others still reach the handler. */
export type MoMessageType = OpenEnum<(typeof MO_MESSAGE_TYPES)[number]>;

const contextSchema = {
  type: 'object',
  additionalProperties: true,
  // Nothing is marked required, and Meta sends a context with only forwarding flags for forwarded
  // messages: requiring `from`/`id` would reject those (docs/events.md#inbound-context).
  properties: { from: { type: 'string' }, id: { type: 'string' } },
} as const;

/**
 * JSON Schema of the fields every inbound message body has, whatever its `type`. Required are the
 * eight that the table marks required and every example carries; `customerProfile`, which both do
 * too, is left optional on purpose: a message is not refused for its profile (docs/events.md#inbound-common).
 */
export const moMessageBodyBaseSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['id', 'accountName', 'wabaId', 'wamid', 'from', 'to', 'sendTime', 'type'],
  properties: {
    id: { type: 'string' },
    accountName: { type: 'string' },
    wabaId: { type: 'string' },
    wamid: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    sendTime: { type: 'string' },
    customerProfile: { type: 'object', additionalProperties: true, properties: { name: { type: 'string' } } },
    type: openEnum(MO_MESSAGE_TYPES, 'Message type; decides which content key is present.'),
    context: contextSchema,
  },
} as const;

/** The WhatsApp user's profile; `name` is the only key ever seen. */
export interface CustomerProfile {
  name?: string;
}

/**
 * The message this one replies to, e.g. the template whose button was tapped. Unlike the
 * inbox events' `context`, this is a reference, not content (docs/events.md#quirk-18).
 */
export interface MessageContext {
  /** WhatsApp ID (phone number without `+`) that sent the original message. */
  from?: string;
  /** `wamid` of the original message. */
  id?: string;
}

/**
 * The fields every inbound message body has, with `type` as a plain string (docs/events.md#inbound-common).
 *
 * {@link InboundMessageBody} is the union of the documented message types, so that checking
 * `body.type` narrows to the content key. A type InnoPaaS adds later still validates and still reaches the handler at runtime: treat a body whose
 * `type` you do not recognise as a `MoMessageBodyBase`.
 */
export interface MoMessageBodyBase {
  /** InnoPaaS ID of the inbound message. Opaque (docs/events.md#quirk-22). */
  id: string;
  /** InnoPaaS API account name. */
  accountName: string;
  /** WhatsApp Business Account ID. */
  wabaId: string;
  /** Meta's message ID (`wamid.…`). */
  wamid: string;
  /** The user's phone number (digits, no `+`). */
  from: string;
  /** Your business phone number. */
  to: string;
  /**
   * When the user sent the message, as sent: ISO-8601 in the docs. Not the same as the envelope's
   * `eventTime`, which can be a day later (docs/events.md#quirk-21). See {@link sendDate}.
   */
  sendTime: string;
  /** In every example, but not guaranteed. */
  customerProfile?: CustomerProfile;
  type: MoMessageType;
  /** Present when the user replied to, or tapped a button of, a message. */
  context?: MessageContext;
  /**
   * `sendTime` parsed, or undefined when it is not a timestamp. Not part of the JSON: a non-enumerable
   * getter added on delivery.
   */
  readonly sendDate?: Date;
}
