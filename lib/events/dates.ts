import { parseInnopaasTime } from './time';

type DateGetter = (this: Record<string, unknown>) => Date | undefined;

/**
 * The property descriptor of one lazily parsed date: one getter function and one descriptor object per
 * (name, source, zone), shared by every event, rather than a closure or a descriptor allocated per
 * event. On first read the getter parses and caches its value.
 */
function dateDescriptor(name: string, source: string, timeZone: string): PropertyDescriptor {
  const get: DateGetter = function getDate(this: Record<string, unknown>) {
    const value = parseInnopaasTime(this[source], timeZone);
    Object.defineProperty(this, name, { value, configurable: true, enumerable: false, writable: false });
    return value;
  };
  return Object.freeze({ configurable: true, enumerable: false, get });
}

/**
 * Adds a non-enumerable, lazily computed, cached getter `name` parsing `object[source]`. Non-enumerable
 * so that `JSON.stringify`, spreads and `Object.keys` still show exactly what InnoPaaS sent. A key the
 * payload already has is left alone: it belongs to InnoPaaS.
 */
function defineDate(object: object, name: string, descriptor: PropertyDescriptor): void {
  if (Object.prototype.hasOwnProperty.call(object, name) || !Object.isExtensible(object)) return;
  Object.defineProperty(object, name, descriptor);
}

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;

type Decorator = <E extends { type: string; body: unknown }>(event: E) => E & { readonly eventDate: Date | undefined };

/** The decorator of one time zone: its descriptors made once, not per event. */
export function createDateDecorator(timeZone: string): Decorator {
  const eventDate = dateDescriptor('eventDate', 'eventTime', timeZone);
  const sendDate = dateDescriptor('sendDate', 'sendTime', timeZone);
  const expireDate = dateDescriptor('expireDate', 'expireAt', timeZone);
  return function decorate<E extends { type: string; body: unknown }>(event: E) {
    defineDate(event, 'eventDate', eventDate);
    const { body } = event;
    if (event.type === 'whatsapp_mo_message_received' && isObject(body)) {
      defineDate(body, 'sendDate', sendDate);
    } else if (event.type === 'whatsapp_message_status_updated' && isObject(body)) {
      const { conversation } = body as { conversation?: unknown };
      if (isObject(conversation)) defineDate(conversation, 'expireDate', expireDate);
    }
    return event as E & { readonly eventDate: Date | undefined };
  };
}

const decorators = new Map<string, Decorator>();

/**
 * Gives a validated event its parsed dates: `eventDate` from `eventTime`; for inbound messages
 * `body.sendDate` from `sendTime`; for status reports with a conversation `body.conversation.expireDate`
 * from `expireAt`. Each is a non-enumerable lazy getter; a value that is not a timestamp gives undefined.
 * A time without a zone (`2023-02-22 12:00:00`, docs/events.md#timestamps) is read in `timeZone` (default UTC).
 */
export function decorateDates<E extends { type: string; body: unknown }>(
  event: E,
  timeZone = 'UTC',
): E & { readonly eventDate: Date | undefined } {
  let decorate = decorators.get(timeZone);
  if (!decorate) {
    // A handful of zones in practice; the bound keeps a caller looping over arbitrary strings harmless.
    if (decorators.size >= 32) decorators.clear();
    decorate = createDateDecorator(timeZone);
    decorators.set(timeZone, decorate);
  }
  return decorate(event);
}
