import { parseInnopaasTime } from '../time';

/**
 * Adds a non-enumerable, lazily computed, cached getter `name` parsing `object[source]`. Non-enumerable
 * so that `JSON.stringify`, spreads and `Object.keys` still show exactly what InnoPaaS sent. A key the
 * payload already has is left alone: it belongs to InnoPaaS.
 */
function defineDate(object: object, name: string, source: string, timeZone: string): void {
  if (Object.prototype.hasOwnProperty.call(object, name) || !Object.isExtensible(object)) return;
  Object.defineProperty(object, name, {
    configurable: true,
    enumerable: false,
    get(this: Record<string, unknown>) {
      const value = parseInnopaasTime(this[source], timeZone);
      Object.defineProperty(this, name, { value, configurable: true, enumerable: false, writable: false });
      return value;
    },
  });
}

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;

/**
 * Gives a validated event its parsed dates (§8): `eventDate` from `eventTime`; for inbound messages
 * `body.sendDate` from `sendTime`; for status reports with a conversation `body.conversation.expireDate`
 * from `expireAt`. Each is a non-enumerable lazy getter; a value that is not a timestamp gives undefined.
 * A time without a zone (`2023-02-22 12:00:00`, §9.1 items 1–2) is read in `timeZone` (default UTC).
 */
export function decorateDates<E extends { type: string; body: unknown }>(
  event: E,
  timeZone = 'UTC',
): E & { readonly eventDate: Date | undefined } {
  defineDate(event, 'eventDate', 'eventTime', timeZone);
  const { body } = event;
  if (event.type === 'whatsapp_mo_message_received' && isObject(body)) {
    defineDate(body, 'sendDate', 'sendTime', timeZone);
  }
  if (event.type === 'whatsapp_message_status_updated' && isObject(body)) {
    const { conversation } = body as { conversation?: unknown };
    if (isObject(conversation)) defineDate(conversation, 'expireDate', 'expireAt', timeZone);
  }
  return event as E & { readonly eventDate: Date | undefined };
}
