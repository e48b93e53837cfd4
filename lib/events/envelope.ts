/**
 * The four keys every WhatsApp push carries (docs/events.md#envelope). The envelope is the strict part
 * of validation: without an `id` there is nothing to dedupe on, without a `type` nothing to route on.
 */
export const envelopeSchema = {
  type: 'object',
  title: 'InnoPaaS WhatsApp webhook envelope',
  // Deliberately open: a top-level key InnoPaaS adds one day must not make every delivery fail.
  additionalProperties: true,
  required: ['id', 'type', 'eventTime', 'body'],
  properties: {
    // UUIDs in every example, but documented only as a "marker" (docs/events.md#quirk-16): opaque.
    // The bounds keep a hostile value out of dedupe keys and logs.
    id: { type: 'string', minLength: 1, maxLength: 256 },
    type: { type: 'string', minLength: 1, maxLength: 128 },
    // `2023-02-22 12:00:00` in the table, ISO-8601 in the examples (docs/events.md#quirk-1): no `format`.
    eventTime: { type: 'string', maxLength: 64 },
    body: { type: 'object', additionalProperties: true },
  },
} as const;

/**
 * The `type` of an event outside the catalogue (see {@link UnknownEvent}): a plain string at run time.
 *
 * Typed apart from `string` on purpose. In a union of events, a member whose `type` is `string` matches
 * every name, so `event.type === 'whatsapp_mo_message_received'` could not rule it out and `event.body`
 * would stay unknown; this type matches no name, so the comparison narrows to the catalogue's event.
 * Where a `string` is needed, write `String(event.type)`.
 */
// `String`, the wrapper type, on purpose: it gives the string methods (`startsWith`…) without being
// `string`, which would match every name.
// eslint-disable-next-line @typescript-eslint/no-wrapper-object-types
export interface UnknownEventType extends String {
  /** Not a property: the marker that keeps this type apart from the catalogue's names. */
  readonly __notInTheCatalogue: never;
}

/** One InnoPaaS webhook delivery: `type` says which event it is, `body` carries the event itself. */
export interface EventEnvelope<T extends string | UnknownEventType, B> {
  /** Identifier of this push. Opaque: UUIDs in every example, but nothing promises that. */
  id: string;
  /** The event type, e.g. `whatsapp_message_status_updated`. */
  type: T;
  /**
   * When the event happened, exactly as sent: `2023-02-22T12:00:00.000Z` in the examples,
   * `2023-02-22 12:00:00` (zone unstated) in the field table (docs/events.md#timestamps). See {@link eventDate}.
   */
  eventTime: string;
  /** The event-specific payload. */
  body: B;
  /**
   * `eventTime` parsed, or undefined when it is not a timestamp. Not part of the JSON: a non-enumerable
   * getter added on delivery, so `JSON.stringify(event)` still gives what InnoPaaS sent. A time without
   * a zone is read in the middleware's `timeZone` option.
   */
  readonly eventDate: Date | undefined;
}
