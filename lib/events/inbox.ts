import type { EventEnvelope } from './envelope';

/** JSON Schema of the `chat_mt_message_notify` and `chat_mo_message_notify` bodies. */
export const inboxMessageBodySchema = {
  type: 'object',
  title: 'chat_mt_message_notify / chat_mo_message_notify body',
  additionalProperties: true,
  required: ['wabaId', 'from', 'to', 'messageType', 'context'],
  properties: {
    wabaId: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    // The value set is not documented; `text` is the only one seen.
    messageType: { type: 'string', examples: ['text'] },
    // The message content itself (docs/events.md#quirk-18), `{ "text": "..." }` for text; other shapes undocumented.
    context: { type: 'object', additionalProperties: true, properties: { text: { type: 'string' } } },
    wamid: { type: 'string' },
    conversationId: { type: 'string' },
    uid: { type: 'string' },
  },
} as const;

/**
 * The content of an inbox message: `text` is a plain string here, not `{ body }` as in inbound
 * messages. Only the text shape is documented.
 */
export interface InboxMessageContent {
  text?: string;
  [key: string]: unknown;
}

/** Body of the inbox (chatroom) events, `chat_mt_message_notify` and `chat_mo_message_notify` (docs/events.md#inbox-events). */
export interface InboxMessageBody {
  wabaId: string;
  /**
   * Documented as the business sender for both directions (docs/events.md#quirk-17); the MT example even holds a
   * wamid here. Do not rely on it to tell the direction: the event `type` does.
   */
  from: string;
  /** The user's WhatsApp number, per the table; the constructed MO example holds the business number. */
  to: string;
  /** e.g. `text`; no list of values is documented. */
  messageType: string;
  /** The message content, despite the name (docs/events.md#quirk-18). */
  context: InboxMessageContent;
  wamid?: string;
  /** InnoPaaS chatroom conversation ID. */
  conversationId?: string;
  /** User-defined ID. */
  uid?: string;
}

/** `chat_mt_message_notify`: a business → user message seen in the InnoPaaS Inbox. */
export type ChatMtMessageEvent = EventEnvelope<'chat_mt_message_notify', InboxMessageBody>;
/** `chat_mo_message_notify`: a user → business message seen in the InnoPaaS Inbox. */
export type ChatMoMessageEvent = EventEnvelope<'chat_mo_message_notify', InboxMessageBody>;
