import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Arbitrary } from 'fast-check';
import {
  EVENT_TYPE_ALIASES,
  EVENT_TYPES,
  bodySchemas,
  decorateDates,
  inboundMessageBodySchema,
  type EventMap,
  type EventType,
  type InnopaasEvent,
} from '../events';
import { INBOUND_MESSAGE_TYPES, type InboundMessageEventOf, type InboundMessageType } from './builders';
import { type FastCheckModule, schemaArbitrary, timestamp } from './schema-arbitrary';

/** fast-check arbitraries of valid InnoPaaS events, derived from the package's own JSON Schemas. */
export interface InnopaasArbitraries {
  /** Events of one type; a template status event sometimes carries the `…_update` spelling (docs/events.md#quirk-14). */
  event<T extends EventType>(type: T): Arbitrary<EventMap[T]>;
  /** `whatsapp_mo_message_received` events of one message type. */
  inboundMessage<M extends InboundMessageType>(type: M): Arbitrary<InboundMessageEventOf<M>>;
  /** Events of any type in the catalogue. */
  anyEvent(): Arbitrary<InnopaasEvent>;
}

const spellings = (type: EventType): string[] => [
  type,
  ...Object.keys(EVENT_TYPE_ALIASES).filter((alias) => EVENT_TYPE_ALIASES[alias] === type),
];

/** The inbound body schema narrowed to one message type: the common fields plus that type's `then`. */
function messageTypeSchema(type: InboundMessageType) {
  const member = inboundMessageBodySchema.allOf.find((rule) => rule.then.properties.type.const === type);
  if (!member)
    throw new TypeError(`no inbound message type ${JSON.stringify(type)}; expected one of ${INBOUND_MESSAGE_TYPES.join(', ')}`);
  return { ...inboundMessageBodySchema, allOf: [member] };
}

/**
 * The arbitraries, built on the fast-check you pass (`import fc from 'fast-check'`): fast-check is an
 * optional peer dependency, so this package never imports it. Every generated event passes the
 * middleware's validation, including after a JSON round trip, and has the `eventDate` getters.
 */
export function createArbitraries(fc: FastCheckModule): InnopaasArbitraries {
  // The id is drawn afresh for every event, shrunk ones included, instead of being generated: fast-check
  // would shrink it towards one constant UUID (and bias it towards a few), so that while shrinking a
  // property against one app, the middleware's dedupe would take every event for a duplicate already
  // answered, and the counterexample it reports would not fail again.
  const envelope = (types: readonly string[], body: Arbitrary<unknown>) =>
    fc
      .record({ type: fc.constantFrom(...types), eventTime: timestamp(fc), body })
      .map(({ type, eventTime, body: generated }) => decorateDates({ id: randomUUID(), type, eventTime, body: generated }));

  const byType = new Map<EventType, Arbitrary<unknown>>();
  const byMessageType = new Map<InboundMessageType, Arbitrary<unknown>>();

  const event = <T extends EventType>(type: T): Arbitrary<EventMap[T]> => {
    if (!EVENT_TYPES.includes(type))
      throw new TypeError(`no event type ${JSON.stringify(type)}; expected one of ${EVENT_TYPES.join(', ')}`);
    let arbitrary = byType.get(type);
    if (!arbitrary) byType.set(type, (arbitrary = envelope(spellings(type), schemaArbitrary(fc, bodySchemas[type]))));
    return arbitrary as Arbitrary<EventMap[T]>;
  };

  const inboundMessage = <M extends InboundMessageType>(type: M): Arbitrary<InboundMessageEventOf<M>> => {
    let arbitrary = byMessageType.get(type);
    if (!arbitrary) {
      arbitrary = envelope(['whatsapp_mo_message_received'], schemaArbitrary(fc, messageTypeSchema(type)));
      byMessageType.set(type, arbitrary);
    }
    return arbitrary as Arbitrary<InboundMessageEventOf<M>>;
  };

  const anyEvent = (): Arbitrary<InnopaasEvent> => fc.oneof(...EVENT_TYPES.map((type) => event(type)));

  return { event, inboundMessage, anyEvent };
}

const MISSING_FAST_CHECK =
  'innopaas-webhook/testing: install fast-check to use arbitraries (npm install --save-dev fast-check), ' +
  'or pass it in yourself: createArbitraries(fc).';

let loaded: InnopaasArbitraries | undefined;

/**
 * Loads fast-check on first use only, so that importing the testing entry never needs it. The CommonJS
 * build resolves it from this package's own location; the ES module build has no `__filename` (and
 * `import.meta` cannot be compiled into the CommonJS one), so it resolves from the working directory,
 * where a project's own dev dependencies live.
 */
function defaultArbitraries(): InnopaasArbitraries {
  if (loaded) return loaded;
  const load = createRequire(typeof __filename === 'string' ? __filename : join(process.cwd(), 'package.json'));
  let fc: FastCheckModule;
  try {
    fc = load('fast-check') as FastCheckModule;
  } catch (error) {
    throw new Error(MISSING_FAST_CHECK, { cause: error });
  }
  return (loaded = createArbitraries(fc));
}

/**
 * The same as `createArbitraries(fc)` with the fast-check installed beside your tests, loaded on first
 * use. Throws "install fast-check to use arbitraries" when there is none.
 */
export const arbitraries: InnopaasArbitraries = {
  event: (type) => defaultArbitraries().event(type),
  inboundMessage: (type) => defaultArbitraries().inboundMessage(type),
  anyEvent: () => defaultArbitraries().anyEvent(),
};
