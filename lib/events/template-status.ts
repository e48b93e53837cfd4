import type { EventEnvelope } from './envelope';
import { openEnum, type OpenEnum } from './schema';

// Meta also emits IN_APPEAL, PENDING_DELETION, FLAGGED, … which InnoPaaS may pass on.
const TEMPLATE_STATUSES = ['PENDING', 'APPROVED', 'REJECTED', 'PAUSED', 'DISABLED'] as const;
const TEMPLATE_CATEGORIES = ['MARKETING', 'AUTHENTICATION', 'UTILITY'] as const;
const QUALITY_SCORES = ['GREEN', 'YELLOW', 'RED', 'UNKNOWN'] as const;

/** A template's review status. */
export type TemplateStatus = OpenEnum<(typeof TEMPLATE_STATUSES)[number]>;
/** A template's category. */
export type TemplateCategory = OpenEnum<(typeof TEMPLATE_CATEGORIES)[number]>;
/** A template's quality: GREEN high, YELLOW medium, RED low, UNKNOWN pending. */
export type TemplateQualityScore = OpenEnum<(typeof QUALITY_SCORES)[number]>;

const category = openEnum(TEMPLATE_CATEGORIES, 'MARKETING, AUTHENTICATION or UTILITY; other values may come.');

/**
 * JSON Schema of the `whatsapp_template_status_updated` body, also used for the
 * `whatsapp_template_status_update` spelling (docs/events.md#quirk-14).
 */
export const templateStatusBodySchema = {
  type: 'object',
  title: 'whatsapp_template_status_updated body',
  additionalProperties: true,
  required: ['accountName', 'category', 'reason', 'templateId', 'templateLanguage', 'templateName', 'templateStatus', 'wabaId'],
  properties: {
    accountName: { type: 'string' },
    category,
    reason: { type: 'string' },
    templateId: { type: 'string' },
    templateLanguage: { type: 'string' },
    templateName: { type: 'string' },
    templateStatus: openEnum(TEMPLATE_STATUSES, 'PENDING, APPROVED, REJECTED, PAUSED or DISABLED; other values may come.'),
    wabaId: { type: 'string' },
  },
} as const;

/** Body of `whatsapp_template_status_updated`: a template's review status changed. */
export interface TemplateStatusBody {
  /** InnoPaaS API account name. */
  accountName: string;
  category: TemplateCategory;
  /** Meta's reason text; only `NONE` is documented. */
  reason: string;
  /** Meta template ID (the template's `sid`). */
  templateId: string;
  /** Language code, e.g. `en_US`. */
  templateLanguage: string;
  templateName: string;
  templateStatus: TemplateStatus;
  wabaId: string;
}

/**
 * `whatsapp_template_status_updated` (docs/events.md#whatsapp_template_status_updated). One revision of
 * the docs spells the type `whatsapp_template_status_update` (docs/events.md#quirk-14); both arrive here,
 * with `type` as sent.
 */
export type TemplateStatusEvent = EventEnvelope<
  'whatsapp_template_status_updated' | 'whatsapp_template_status_update',
  TemplateStatusBody
>;

/** JSON Schema of the `message_template_quality_update` body. */
export const templateQualityBodySchema = {
  type: 'object',
  title: 'message_template_quality_update body',
  additionalProperties: true,
  required: ['templateId', 'templateLanguage', 'templateName', 'previousQualityScore', 'newQualityScore', 'wabaId'],
  properties: {
    templateId: { type: 'string' },
    templateLanguage: { type: 'string' },
    templateName: { type: 'string' },
    previousQualityScore: openEnum(QUALITY_SCORES, 'GREEN, YELLOW, RED or UNKNOWN.'),
    newQualityScore: openEnum(QUALITY_SCORES, 'GREEN, YELLOW, RED or UNKNOWN.'),
    wabaId: { type: 'string' },
  },
} as const;

/** Body of `message_template_quality_update`: a template's quality score changed. No `accountName`. */
export interface TemplateQualityBody {
  templateId: string;
  templateLanguage: string;
  templateName: string;
  previousQualityScore: TemplateQualityScore;
  newQualityScore: TemplateQualityScore;
  wabaId: string;
}

/** `message_template_quality_update` (docs/events.md#message_template_quality_update). */
export type TemplateQualityEvent = EventEnvelope<'message_template_quality_update', TemplateQualityBody>;

/**
 * JSON Schema of the `template_category_update` body. No source shows its fields: any object is
 * accepted; the fields Meta's own event would suggest, camel-cased as InnoPaaS does elsewhere, are typed
 * when present.
 */
export const templateCategoryBodySchema = {
  type: 'object',
  title: 'template_category_update body',
  additionalProperties: true,
  properties: {
    templateId: { type: 'string' },
    templateName: { type: 'string' },
    templateLanguage: { type: 'string' },
    previousCategory: category,
    newCategory: category,
    correctCategory: category,
    wabaId: { type: 'string' },
  },
} as const;

/**
 * Body of `template_category_update`: a template's category changed. Its fields are not
 * documented; the named ones are a plausible guess (unconfirmed), so check before relying on them.
 */
export interface TemplateCategoryBody {
  templateId?: string;
  templateName?: string;
  templateLanguage?: string;
  /** Set when the change is done. */
  previousCategory?: TemplateCategory;
  newCategory?: TemplateCategory;
  /** Set when a change is announced but not yet made. */
  correctCategory?: TemplateCategory;
  wabaId?: string;
  [key: string]: unknown;
}

/** `template_category_update` (docs/events.md#template_category_update). */
export type TemplateCategoryEvent = EventEnvelope<'template_category_update', TemplateCategoryBody>;
