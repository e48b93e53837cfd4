import { openEnum, type OpenEnum } from '../schema';

// §5.1 lists thirteen types and forgets `document`, which has its own example (§9.1 item 9).
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

/** The documented inbound message types (§5.1). Others still reach the handler. */
export type MoMessageType = OpenEnum<(typeof MO_MESSAGE_TYPES)[number]>;

const contextSchema = {
  type: 'object',
  additionalProperties: true,
  // §5.10 marks nothing required, and Meta sends a context with only forwarding flags for forwarded
  // messages (§9.2): requiring `from`/`id` would reject those.
  properties: { from: { type: 'string' }, id: { type: 'string' } },
} as const;

/**
 * JSON Schema of the fields every inbound message body has (§5.1), whatever its `type`. Required are the
 * eight that the table marks required and every example carries (§9.3): not `customerProfile`.
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

/** The WhatsApp user's profile (§5.1); `name` is the only key ever seen. */
export interface CustomerProfile {
  name?: string;
}

/**
 * The message this one replies to (§5.10), e.g. the template whose button was tapped. Unlike the
 * inbox events' `context` (§6.6), this is a reference, not content (§9.1 item 18).
 */
export interface MessageContext {
  /** WhatsApp ID (phone number without `+`) that sent the original message. */
  from?: string;
  /** `wamid` of the original message. */
  id?: string;
}

/**
 * The fields every inbound message body has (§5.1), with `type` as a plain string.
 *
 * {@link InboundMessageBody} is the union of the documented message types, so that checking
 * `body.type` narrows to the content key. A type InnoPaaS adds later (or an undocumented one such as
 * a WhatsApp Flows reply) still validates and still reaches the handler at runtime: treat a body whose
 * `type` you do not recognise as a `MoMessageBodyBase`.
 */
export interface MoMessageBodyBase {
  /** InnoPaaS ID of the inbound message. Opaque (§9.1 item 22). */
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
   * `eventTime`, which can be a day later (§9.1 item 21). See {@link sendDate}.
   */
  sendTime: string;
  /** In every example, but not guaranteed (§9.3). */
  customerProfile?: CustomerProfile;
  type: MoMessageType;
  /** Present when the user replied to, or tapped a button of, a message (§5.10). */
  context?: MessageContext;
  /**
   * `sendTime` parsed, or undefined when it is not a timestamp. Not part of the JSON: a non-enumerable
   * getter added on delivery.
   */
  readonly sendDate?: Date;
}
