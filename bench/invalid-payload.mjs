// Event-loop time and heap of validating one hostile, schema-invalid payload just under the 1 MB limit:
// an inbound contacts message whose phone list holds ~490,000 zeros where objects belong, each a
// failed check. Only an authenticated sender can make the middleware validate it.
//
//   npm run build && node --expose-gc bench/invalid-payload.mjs [path/to/built/index.js]
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

if (typeof globalThis.gc !== 'function') {
  console.error('Run with --expose-gc: node --expose-gc bench/invalid-payload.mjs');
  process.exit(1);
}
const modulePath = process.argv[2] ? resolve(process.argv[2]) : fileURLToPath(new URL('../dist/index.js', import.meta.url));
const { createEventDispatcher } = createRequire(import.meta.url)(modulePath);

const LIMIT = 1024 * 1024;
/** `item` repeated in the phone list until the payload is 0.94 MB. */
function payload(item) {
  const event = {
    id: 'evt-hostile',
    type: 'whatsapp_mo_message_received',
    eventTime: '2023-02-22T12:00:00.000Z',
    body: {
      id: '63f5d602367ea403f8175a6c',
      accountName: 'IW123456',
      wabaId: 'WABA',
      wamid: 'wamid.1',
      from: 'PHONE',
      to: 'BUSINESS',
      sendTime: '2023-02-22T12:00:00.000Z',
      type: 'contacts',
      contacts: [{ phones: [] }],
    },
  };
  const bare = JSON.stringify(event).length;
  const count = Math.floor((LIMIT * 0.94 - bare) / (JSON.stringify(item).length + 1));
  event.body.contacts[0].phones = new Array(count).fill(item);
  return JSON.stringify(event);
}

/** The same message with as many cards as fit, each with `perCard` zeros for phones. */
function cards(perCard) {
  const event = JSON.parse(payload(0));
  const card = { phones: new Array(perCard).fill(0) };
  const count = Math.floor((LIMIT * 0.94) / (JSON.stringify(card).length + 1));
  event.body.contacts = new Array(count).fill(card);
  return JSON.stringify(event);
}

const dispatch = createEventDispatcher({ on: { whatsapp_mo_message_received: () => undefined } });
const ROUNDS = 15;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function measure(label, text) {
  const times = [];
  const heaps = [];
  let answer;
  for (let round = 0; round < ROUNDS; round++) {
    const parsed = JSON.parse(text);
    globalThis.gc();
    const before = process.memoryUsage().heapUsed;
    const started = performance.now();
    // Validation runs synchronously before the dispatcher's first await: this is event-loop time
    // (JSON.parse excluded: it costs the same for a valid payload).
    const pending = dispatch(parsed);
    times.push(performance.now() - started);
    heaps.push(process.memoryUsage().heapUsed - before);
    try {
      await pending;
      answer = 'accepted';
    } catch (error) {
      answer = `${error.code}, ${error.problems?.length ?? 0} problems listed`;
    }
  }
  console.log(
    `${label} (${(text.length / 1024 / 1024).toFixed(2)} MB, ${answer}): event-loop time median ` +
      `${median(times).toFixed(1)} ms (min ${Math.min(...times).toFixed(1)}), heap allocated median ` +
      `${(median(heaps) / 1024 / 1024).toFixed(1)} MB`,
  );
}

await measure('invalid: 0 where an object belongs', payload(0));
await measure('invalid: cards of 999 failing phones each', cards(999));
await measure('valid, for scale: {} in the same list', payload({}));
