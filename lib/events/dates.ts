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
    try {
      Object.defineProperty(this, name, { value, configurable: true, enumerable: false, writable: false });
    } catch {
      // Frozen since (by a handler): the value is computed again on the next read.
    }
    return value;
  };
  return Object.freeze({ configurable: true, enumerable: false, get });
}

/**
 * Adds a non-enumerable, lazily computed, cached getter `name` parsing `object[source]`. Non-enumerable
 * so that `JSON.stringify`, spreads and `Object.keys` show what InnoPaaS sent. The date is always the
 * middleware's own: a payload key of the same name (no documented event has one) is replaced, so that
 * a handler never gets the sender's string where its type says `Date`. Returns the object that carries
 * the date: a shallow copy when `object` cannot take it (frozen or sealed by whoever passed it in).
 */
function defineDate<T extends object>(object: T, name: string, descriptor: PropertyDescriptor): T {
  const own = Object.getOwnPropertyDescriptor(object, name);
  const target = (own ? own.configurable : Object.isExtensible(object)) ? object : { ...object };
  Object.defineProperty(target, name, descriptor);
  return target;
}

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;

type Decorator = <E extends { type: string; body: unknown }>(event: E) => E & { readonly eventDate: Date | undefined };

/** The decorator of one time zone: its descriptors made once, not per event. */
export function createDateDecorator(timeZone: string): Decorator {
  const eventDate = dateDescriptor('eventDate', 'eventTime', timeZone);
  const sendDate = dateDescriptor('sendDate', 'sendTime', timeZone);
  const expireDate = dateDescriptor('expireDate', 'expireAt', timeZone);
  return function decorate<E extends { type: string; body: unknown }>(given: E) {
    let event = defineDate(given, 'eventDate', eventDate);
    const { body } = event;
    let dated: object | undefined;
    if (event.type === 'whatsapp_mo_message_received' && isObject(body)) {
      dated = defineDate(body, 'sendDate', sendDate);
    } else if (event.type === 'whatsapp_message_status_updated' && isObject(body)) {
      const { conversation } = body as { conversation?: unknown };
      if (isObject(conversation)) {
        const copy = defineDate(conversation, 'expireDate', expireDate);
        if (copy !== conversation) dated = withMember(body, 'conversation', copy);
      }
    }
    if (dated !== undefined && dated !== body) event = withMember(event, 'body', dated);
    return event as E & { readonly eventDate: Date | undefined };
  };
}

/** `object` with `key` set to `value`: in place when it can be, else on a copy that keeps its dates. */
function withMember<T extends object>(object: T, key: string, value: unknown): T {
  try {
    (object as Record<string, unknown>)[key] = value;
    if ((object as Record<string, unknown>)[key] === value) return object;
  } catch {
    // Frozen (a strict-mode assignment throws): copied below.
  }
  return Object.defineProperties({ ...object, [key]: value }, pickDates(object));
}

/** The non-enumerable dates of `object`, which a spread leaves behind. */
function pickDates(object: object): PropertyDescriptorMap {
  const dates: PropertyDescriptorMap = {};
  for (const name of ['eventDate', 'sendDate', 'expireDate']) {
    const own = Object.getOwnPropertyDescriptor(object, name);
    if (own && !own.enumerable) dates[name] = own;
  }
  return dates;
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
