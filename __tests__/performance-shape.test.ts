import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import { setFlagsFromString } from 'node:v8';
import type { RequestHandler } from 'express';
import request from 'supertest';
import { innopaasWebhook } from '../lib';
import { shareShape } from '../lib/shape';
import { AUTH, USER, credentials, expressVersions, textEvent } from './helpers/app';

/**
 * lib/shape.ts: under Express the middleware moves req and res to V8's dictionary mode, so that the
 * property reads after it hit V8's caches. These tests hold the two halves of that promise: nothing a
 * user can see changes, and the change happens where it pays (Express) and nowhere else.
 */

// V8's own test hook, to ask whether an object still has fast properties; on for this worker only.
setFlagsFromString('--allow-natives-syntax');
const hasFastProperties = new Function('object', 'return %HasFastProperties(object)') as (object: object) => boolean;

/** Each own key with its attributes (enumerable, writable, configurable; accessors marked). */
function attributes(object: object): string[] {
  return Reflect.ownKeys(object).map((key) => {
    const d = Object.getOwnPropertyDescriptor(object, key) as PropertyDescriptor;
    return `${String(key)}:${d.enumerable ? 'e' : '-'}${'value' in d ? (d.writable ? 'w' : '-') : 'a'}${d.configurable ? 'c' : '-'}`;
  });
}

interface Seen {
  attributesBefore: [string[], string[]];
  attributesInHandler: [string[], string[]];
  keysBefore: (string | symbol)[];
  keysInHandler: (string | symbol)[];
  resKeysBefore: (string | symbol)[];
  resKeysInHandler: (string | symbol)[];
  fastBefore: [boolean, boolean];
  fastInHandler: [boolean, boolean];
  locals: unknown;
}

describe.each(expressVersions)('request and response shapes under %s', (_name, express) => {
  const seen: Seen[] = [];
  let pending: Partial<Seen> = {};
  const app = express();
  app.use((req, res, next) => {
    res.locals.marker = 'kept';
    pending = {
      keysBefore: Reflect.ownKeys(req),
      resKeysBefore: Reflect.ownKeys(res),
      attributesBefore: [attributes(req), attributes(res)],
      fastBefore: [hasFastProperties(req), hasFastProperties(res)],
    };
    next();
  });
  app.use(
    '/webhook',
    innopaasWebhook({
      userName: USER,
      authorization: AUTH,
      on: {
        whatsapp_mo_message_received: (_event, req) => {
          const res = (req as unknown as { res: http.ServerResponse & { locals: unknown } }).res;
          seen.push({
            ...(pending as Seen),
            keysInHandler: Reflect.ownKeys(req),
            resKeysInHandler: Reflect.ownKeys(res),
            attributesInHandler: [attributes(req), attributes(res)],
            fastInHandler: [hasFastProperties(req), hasFastProperties(res)],
            locals: { ...(res.locals as object) },
          });
        },
      },
    }) as unknown as RequestHandler,
  );

  test("the handler sees the keys it had, in their order, and none of the middleware's own", async () => {
    await request(app).post('/webhook').set(credentials).send(textEvent()).expect(200);
    const last = seen.at(-1) as Seen;
    // Node adds its own bookkeeping while the body is read (listener counts); what was there stays in order.
    const kept = (now: (string | symbol)[], before: (string | symbol)[]) => now.filter((key) => before.includes(key));
    expect(kept(last.keysInHandler, last.keysBefore)).toEqual(last.keysBefore);
    expect(kept(last.resKeysInHandler, last.resKeysBefore)).toEqual(last.resKeysBefore);
    expect(last.keysInHandler).toContain('innopaasEvent');
    const ours = (keys: (string | symbol)[]) => keys.filter((key) => String(key).includes('innopaas-webhook'));
    expect([...ours(last.keysInHandler), ...ours(last.resKeysInHandler)]).toEqual([]);
    expect(last.locals).toEqual({ marker: 'kept' });
    // Every key that was there keeps its attributes: the step reconfigures one and restores it (lib/shape.ts).
    for (const [i, before] of last.attributesBefore.entries()) {
      const now = last.attributesInHandler[i] as string[];
      expect(now.filter((entry) => before.includes(entry))).toEqual(before);
    }
  });

  test("Express's swapped req and res leave fast mode before the handler runs", async () => {
    await request(app).post('/webhook').set(credentials).send(textEvent()).expect(200);
    const last = seen.at(-1) as Seen;
    // Fast (one hidden class per request) as Express hands them over; dictionary mode after (shared across requests in nearly every process, lib/shape.ts).
    expect(last.fastBefore).toEqual([true, true]);
    expect(last.fastInHandler).toEqual([false, false]);
  });

  test('every answer still goes out whole: errors, duplicates and success', async () => {
    await request(app).post('/webhook').set({ UserName: USER, Authorization: 'wrong' }).send(textEvent()).expect(401);
    const event = textEvent();
    await request(app).post('/webhook').set(credentials).send(event).expect(200, { received: true });
    const again = await request(app).post('/webhook').set(credentials).send(event).expect(200);
    expect(again.body).toEqual({ received: true, duplicate: true });
  });
});

describe('a plain node:http server', () => {
  test('keeps fast properties: its requests share hidden classes already', async () => {
    const fast: boolean[][] = [];
    const middleware = innopaasWebhook({
      userName: USER,
      authorization: AUTH,
      on: {
        whatsapp_mo_message_received: (_event, req) => {
          fast.push([hasFastProperties(req)]);
        },
      },
    });
    const server = http.createServer((req, res) => middleware(req, res));
    await request(server).post('/webhook').set(credentials).send(textEvent()).expect(200);
    expect(fast).toEqual([[true]]);
  });
});

describe('shareShape', () => {
  test('moves an object whose prototype was swapped to dictionary mode, and leaves no key behind', () => {
    const prototype = { inherited: true };
    // What Express does to every request: properties, the prototype swapped, more properties.
    const swapped: Record<string, unknown> = { a: 1 };
    Object.setPrototypeOf(swapped, prototype);
    swapped.b = 2;
    expect(hasFastProperties(swapped)).toBe(true);
    shareShape(swapped, Object.prototype);
    expect(Reflect.ownKeys(swapped)).toEqual(['a', 'b']);
    expect(hasFastProperties(swapped)).toBe(false);
  });

  test('on an event emitter, reconfigures _events and gives it back its attributes, whichever they were', () => {
    for (const enumerable of [true, false]) {
      const emitter = new EventEmitter() as EventEmitter & Record<string, unknown>;
      if (!enumerable) Object.defineProperty(emitter, '_events', { enumerable: false });
      Object.setPrototypeOf(emitter, Object.create(EventEmitter.prototype));
      emitter.added = 1;
      const before = attributes(emitter);
      shareShape(emitter, EventEmitter.prototype);
      expect(attributes(emitter)).toEqual(before);
      expect(hasFastProperties(emitter)).toBe(false);
      expect(Object.keys(emitter).includes('_events')).toBe(enumerable);
    }
    // An emitter whose class is shared (in V8's transition tree) keeps it, fast.
    const [one, two] = [new EventEmitter(), new EventEmitter()];
    shareShape(one, Object.prototype);
    expect(hasFastProperties(one)).toBe(true);
    expect(Object.keys(one)).toEqual(Object.keys(two));
  });

  test('leaves an object whose hidden class is shared already as it was, and takes a frozen object or a throwing proxy in its stride', () => {
    const prototype = { inherited: true };
    const plain = Object.assign(Object.create(prototype) as Record<string, unknown>, { a: 1, b: 2 });
    shareShape(plain, Object.prototype);
    expect(Reflect.ownKeys(plain)).toEqual(['a', 'b']);
    expect(hasFastProperties(plain)).toBe(true);

    const frozen = Object.freeze(Object.assign(Object.create(prototype) as object, { a: 1 }));
    expect(() => shareShape(frozen, Object.prototype)).not.toThrow();
    expect(Reflect.ownKeys(frozen)).toEqual(['a']);

    const hostile = new Proxy(Object.create(prototype) as object, {
      set: () => {
        throw new Error('no');
      },
      deleteProperty: () => {
        throw new Error('no');
      },
    });
    expect(() => shareShape(hostile, Object.prototype)).not.toThrow();

    const stock = Object.assign(Object.create(prototype) as object, { a: 1 });
    shareShape(stock, prototype);
    expect(hasFastProperties(stock)).toBe(true);
  });
});
