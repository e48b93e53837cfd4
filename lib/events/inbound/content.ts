import { openEnum, type OpenEnum } from '../schema';

// The content object each inbound message type carries. Required fields: those the
// tables mark required and every example carries (docs/events.md#validation-policy); where a table has no "required" column,
// only what identifies the content.

export const textSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['body'],
  properties: { body: { type: 'string' } },
} as const;

/** `type: 'text'`. */
export interface TextContent {
  body: string;
}

// Both marked required. Removing a reaction is undocumented, so an empty emoji is allowed.
export const reactionSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['messageId', 'emoji'],
  properties: { messageId: { type: 'string' }, emoji: { type: 'string' } },
} as const;

/** `type: 'reaction'`. */
export interface ReactionContent {
  /** `wamid` of the message reacted to. */
  messageId: string;
  emoji: string;
}

const mediaProperties = {
  // The image table marks `caption` required; the video, audio and sticker examples have none (docs/events.md#quirk-12).
  caption: { type: 'string' },
  mimeType: { type: 'string' },
  sha256: { type: 'string' },
  link: { type: 'string' },
} as const;

export const mediaSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['mimeType', 'sha256', 'link'],
  properties: mediaProperties,
} as const;

/** `image`, `video`, `audio` and `sticker` content (docs/events.md#inbound-media). No media ID is exposed, only `link`. */
export interface MediaContent {
  /** Only the image and document examples have one. */
  caption?: string;
  /** e.g. `image/jpeg`, `audio/ogg; codecs=opus`. */
  mimeType: string;
  /** Hash of the media file. */
  sha256: string;
  /** Download URL; its lifetime and authentication are undocumented. */
  link: string;
}

// `document` is only known from its example, which adds `filename` (docs/events.md#quirk-9).
export const documentSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['mimeType', 'sha256', 'link'],
  properties: { ...mediaProperties, filename: { type: 'string' } },
} as const;

/** `type: 'document'`. */
export interface DocumentContent extends MediaContent {
  /** Original file name, e.g. `filename.pdf`. */
  filename?: string;
}

// No source says what is required; a place without a name or address is an ordinary pinned location.
export const locationSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['latitude', 'longitude'],
  // Numbers in the (otherwise broken) example: docs/events.md#quirk-13.
  properties: {
    latitude: { type: 'number' },
    longitude: { type: 'number' },
    name: { type: 'string' },
    address: { type: 'string' },
  },
} as const;

/** `type: 'location'`. */
export interface LocationContent {
  latitude: number;
  longitude: number;
  name?: string;
  address?: string;
}

export const buttonSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['text', 'payload'],
  properties: { text: { type: 'string' }, payload: { type: 'string' } },
} as const;

/** `type: 'button'`: a template's quick-reply button was tapped. */
export interface ButtonContent {
  /** The button label. */
  text: string;
  /** The payload configured for the button. */
  payload: string;
}

const INTERACTIVE_TYPES = ['listReply', 'buttonReply'] as const;

/** Which interactive reply this is; camelCase, unlike Meta's `list_reply`. */
export type InteractiveType = OpenEnum<(typeof INTERACTIVE_TYPES)[number]>;

export const interactiveSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['type'],
  properties: {
    // Other replies (WhatsApp Flows) are undocumented and carry neither key below.
    type: openEnum(INTERACTIVE_TYPES, 'listReply or buttonReply; other values may come.'),
    listReply: {
      type: 'object',
      additionalProperties: true,
      required: ['id', 'title'],
      properties: { id: { type: 'string' }, title: { type: 'string' }, description: { type: 'string' } },
    },
    buttonReply: {
      type: 'object',
      additionalProperties: true,
      required: ['id', 'title'],
      properties: { id: { type: 'string' }, title: { type: 'string' } },
    },
  },
} as const;

/** `type: 'interactive'`: a list row or reply button was chosen. */
export interface InteractiveContent {
  type: InteractiveType;
  /** Set when `type` is `listReply`. */
  listReply?: { id: string; title: string; description?: string };
  /** Set when `type` is `buttonReply`. */
  buttonReply?: { id: string; title: string };
}

export const errorsSchema = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: true,
    required: ['code'],
    properties: {
      // A number here (131051), a string in `errorData.errorCode`; either is accepted (docs/events.md#quirk-8).
      code: { anyOf: [{ type: 'string' }, { type: 'number' }] },
      details: { type: 'string' },
      title: { type: 'string' },
    },
  },
} as const;

/** One entry of `errors` for `type: 'unknown'`: why WhatsApp could not pass the message on. */
export interface MessageError {
  /** Meta's error code, e.g. `131051`; a number in the docs, accepted as a string too. */
  code: number | string;
  details?: string;
  title?: string;
}

// `order` and `system` are listed types whose contents no source shows.
export const undocumentedContentSchema = { type: 'object', additionalProperties: true } as const;
