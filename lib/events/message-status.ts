import type { EventEnvelope } from './envelope';
import { openEnum, type OpenEnum } from './schema';

// The four documented values (docs/events.md#quirk-6). `sent` is never listed but Meta has it, and
// `SMECL:FAILED` is unexplained, so nothing here may reject a status it does not know.
const MESSAGE_STATUSES = ['delivered', 'read', 'failed', 'SMECL:FAILED'] as const;
const INITIATE_TYPES = ['business_initiated', 'referral_conversion', 'customer_initiated'] as const;

/** Delivery status of a message you sent. Open: other values reach the handler too. */
export type MessageStatus = OpenEnum<(typeof MESSAGE_STATUSES)[number]>;
/** Who opened the conversation. */
export type ConversationInitiateType = OpenEnum<(typeof INITIATE_TYPES)[number]>;

const conversationSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['initiateType', 'expireAt'],
  properties: {
    // Only the predecessor's docs have `id` (docs/events.md#quirk-3).
    id: { type: 'string' },
    initiateType: openEnum(INITIATE_TYPES, 'Who opened the conversation.'),
    // `2023-02-22 12:00:00` (table) or ISO-8601 (example): docs/events.md#quirk-2.
    expireAt: { type: 'string' },
  },
} as const;

const errorDataSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['errorCode', 'errorMessage'],
  properties: {
    // A string here ("131014"), a number in inbound `errors[].code`; either is accepted (docs/events.md#quirk-8).
    errorCode: { anyOf: [{ type: 'string' }, { type: 'number' }] },
    errorMessage: { type: 'string' },
  },
} as const;

/** JSON Schema of the `whatsapp_message_status_updated` body. */
export const messageStatusBodySchema = {
  type: 'object',
  title: 'whatsapp_message_status_updated body',
  // `currency` appears in one example and no table (docs/events.md#quirk-5).
  additionalProperties: true,
  // Required only where the table says so and every example has it; `sendPhone` is in none (docs/events.md#quirk-4).
  required: ['id', 'accountName', 'wabaId', 'status', 'wamid'],
  properties: {
    id: { type: 'string' },
    accountName: { type: 'string' },
    wabaId: { type: 'string' },
    status: openEnum(MESSAGE_STATUSES, 'delivered, read, failed or SMECL:FAILED; other values may come.'),
    wamid: { type: 'string' },
    sendPhone: { type: 'string' },
    uid: { type: 'string' },
    currency: { type: 'string' },
    conversation: conversationSchema,
    errorData: errorDataSchema,
  },
} as const;

/** Conversation info, present when `status` is `delivered` (docs/events.md#status-conversation). */
export interface Conversation {
  /** Conversation ID. Only the predecessor docs have it (docs/events.md#quirk-3). */
  id?: string;
  initiateType: ConversationInitiateType;
  /** When the conversation expires, as sent: ISO-8601 or `2023-02-22 12:00:00` (docs/events.md#quirk-2). */
  expireAt: string;
  /**
   * `expireAt` parsed, or undefined when it is not a timestamp. Not part of the JSON: a non-enumerable
   * getter added on delivery.
   */
  readonly expireDate?: Date;
}

/** Why a message failed, present when `status` is `failed`; unknown for `SMECL:FAILED` (docs/events.md#quirk-7). */
export interface MessageErrorData {
  /** Meta's error code: a string such as `"131014"` in the docs, accepted as a number too (docs/events.md#quirk-8). */
  errorCode: string | number;
  errorMessage: string;
}

/** Body of `whatsapp_message_status_updated`: a status report for a message you sent. */
export interface MessageStatusBody {
  /** InnoPaaS message ID, as returned by the send API. Opaque (docs/events.md#quirk-22). */
  id: string;
  /** InnoPaaS API account name, e.g. `IW123456`. */
  accountName: string;
  /** WhatsApp Business Account ID. */
  wabaId: string;
  status: MessageStatus;
  /** Meta's message ID (`wamid.…`). */
  wamid: string;
  /** The recipient's number. In the field table, but in no example (docs/events.md#quirk-4). */
  sendPhone?: string;
  /** The batch number (`uid`) you passed when sending. */
  uid?: string;
  /** Seen once, in a `delivered` example, with `USD` (docs/events.md#quirk-5). */
  currency?: string;
  conversation?: Conversation;
  errorData?: MessageErrorData;
}

/**
 * `whatsapp_message_status_updated`: a sent message was delivered, read or failed
 * (docs/events.md#whatsapp_message_status_updated).
 */
export type MessageStatusEvent = EventEnvelope<'whatsapp_message_status_updated', MessageStatusBody>;
