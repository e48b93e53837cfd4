import type { EventEnvelope } from './envelope';
import { openEnum, type OpenEnum } from './schema';

const REVIEW_DECISIONS = ['APPROVED', 'REJECTED', 'PENDING', 'DEFERRED'] as const;
const REJECTION_REASONS = [
  'NAME_EMPLOYEE_ISSUE',
  'NAME_ENDCLIENT_NOTRELATED',
  'NAME_FORMAT_UNACCEPTABLE',
  'NAME_INDIVIDUAL_ISSUE',
  'NAME_NOT_CONSISTENT',
  'UNKNOWN',
] as const;

/** Outcome of a review. */
export type ReviewDecision = OpenEnum<(typeof REVIEW_DECISIONS)[number]>;
/** Why a display name was rejected. */
export type NameRejectionReason = OpenEnum<(typeof REJECTION_REASONS)[number]>;

const decision = openEnum(REVIEW_DECISIONS, 'APPROVED, REJECTED, PENDING or DEFERRED; other values may come.');

/**
 * JSON Schema of the `whatsapp_account_review_updated` body. No source documents a single field,
 * so any object is accepted; `wabaId` and `decision`, as Meta's own event would suggest, are typed when present.
 */
export const accountReviewBodySchema = {
  type: 'object',
  title: 'whatsapp_account_review_updated body',
  additionalProperties: true,
  properties: { wabaId: { type: 'string' }, decision },
} as const;

/**
 * Body of `whatsapp_account_review_updated`: the WABA's account review changed. Undocumented ("updating"
 * in the docs): the named fields are a guess, so check before relying on them.
 */
export interface AccountReviewBody {
  wabaId?: string;
  decision?: ReviewDecision;
  [key: string]: unknown;
}

/** `whatsapp_account_review_updated`; its body is undocumented (docs/events.md#whatsapp_account_review_updated). */
export type AccountReviewEvent = EventEnvelope<'whatsapp_account_review_updated', AccountReviewBody>;

/** JSON Schema of the `whatsapp_phone_number_name_update` body. */
export const phoneNumberNameBodySchema = {
  type: 'object',
  title: 'whatsapp_phone_number_name_update body',
  additionalProperties: true,
  required: ['wabaId', 'displayPhoneNumber', 'decision', 'requestedVerifiedName', 'rejectionReason'],
  properties: {
    wabaId: { type: 'string' },
    displayPhoneNumber: { type: 'string' },
    decision,
    requestedVerifiedName: { type: 'string' },
    // Required, and `null` when the name was accepted (docs/events.md#quirk-19).
    rejectionReason: {
      anyOf: [openEnum(REJECTION_REASONS, 'Why the name was rejected; null when it was not.'), { type: 'null' }],
    },
  },
} as const;

/** Body of `whatsapp_phone_number_name_update`: the review of your sender display name ended. */
export interface PhoneNumberNameBody {
  wabaId: string;
  /** The sender phone number. */
  displayPhoneNumber: string;
  decision: ReviewDecision;
  /** The name submitted when the number was created, or the new one when an approved name was edited. */
  requestedVerifiedName: string;
  /** Always present; `null` unless the name was rejected (docs/events.md#quirk-19). */
  rejectionReason: NameRejectionReason | null;
}

/** `whatsapp_phone_number_name_update` (docs/events.md#whatsapp_phone_number_name_update). */
export type PhoneNumberNameEvent = EventEnvelope<'whatsapp_phone_number_name_update', PhoneNumberNameBody>;
