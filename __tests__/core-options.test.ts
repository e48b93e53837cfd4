import request from 'supertest';
import { innopaasWebhook, type InnopaasWebhookOptions } from '../lib';
import { createApp, credentials, expressVersions, textEvent } from './helpers/app';

const create = (options: unknown) => () => innopaasWebhook(options as InnopaasWebhookOptions);
const ok = { userName: 'u', authorization: 'a' };

describe('options are checked when the middleware is created', () => {
  test('no credentials at all throws and names the opt-out', () => {
    expect(create({})).toThrow(/no credentials are configured.*insecureNoAuth: true/);
  });

  test('insecureNoAuth: true is the explicit opt-out', () => {
    expect(create({ insecureNoAuth: true })).not.toThrow();
    expect(create({ ...ok, insecureNoAuth: true })).toThrow(/cannot be combined with credentials/);
  });

  test('an empty or missing half of the pair throws without printing the other secret', () => {
    expect(create({ userName: 'u', authorization: '' })).toThrow(
      /`authorization` must be a non-empty string.*environment variable/,
    );
    expect(create({ userName: undefined, authorization: 'the-secret' })).toThrow(
      /`userName` must be a non-empty string \(got undefined\)/,
    );
    try {
      create({ userName: 'u', authorization: 42 })();
    } catch (error) {
      expect(String(error)).not.toContain('42');
    }
  });

  test('credentials pairs are checked one by one', () => {
    expect(create({ credentials: [{ userName: 'a', authorization: 'b' }, { userName: 'c' }] })).toThrow(/`credentials\[1\]`/);
    expect(create({ credentials: [{ userName: 'a', authorization: 'b', extra: 1 }] })).toThrow(
      /`credentials\[0\].extra` is not an option/,
    );
  });

  test('unknown option keys are rejected with a suggestion', () => {
    expect(create({ ...ok, onerror: () => {} })).toThrow(/`onerror` is not an option. Did you mean `onError`\?/);
    expect(create({ ...ok, secret: 'x' })).toThrow(/`secret` is not an option. Known options: userName/);
  });

  test('an unknown event type in `on` is rejected; the alias spelling points to the canonical one', () => {
    expect(create({ ...ok, on: { whatsapp_mo_message: () => {} } })).toThrow(
      /`on.whatsapp_mo_message` is not an InnoPaaS event type. Did you mean `on.whatsapp_mo_message_received`\?/,
    );
    expect(create({ ...ok, on: { whatsapp_template_status_update: () => {} } })).toThrow(
      /Use `on.whatsapp_template_status_updated`/,
    );
    expect(create({ ...ok, on: { whatsapp_mo_message_received: 'nope' } })).toThrow(
      /`on.whatsapp_mo_message_received` must be a function/,
    );
  });

  test.each([
    [{ methods: [] }, /`methods` must be a non-empty array/],
    [{ methods: ['PO ST'] }, /`methods`/],
    [{ limit: 'lots' }, /`limit` must be a positive number of bytes/],
    [{ limit: -1 }, /`limit`/],
    [{ bodyTimeoutMs: 0 }, /`bodyTimeoutMs` must be a positive number/],
    [{ handlerTimeoutMs: 'soon' }, /`handlerTimeoutMs`/],
    [{ ack: 'later' }, /`ack` must be one of 'after-handlers', 'immediately'/],
    [{ ack: 'immediately', passThrough: true }, /`passThrough` cannot be combined with `ack: 'immediately'`/],
    [{ invalidEvents: 'ignore' }, /`invalidEvents`/],
    [{ forwardErrors: true }, /`forwardErrors`/],
    [{ timeZone: 'Mars/Olympus' }, /`timeZone`/],
    [{ dedupe: true }, /`dedupe` must be false or an object/],
    [{ dedupe: { ttl: 5 } }, /`dedupe.ttl` is not an option. Did you mean `dedupe.ttlMs`\?/],
    [{ dedupe: { store: {} } }, /`dedupe.store` has no `claim\(\)` method/],
    [{ dedupe: { failMode: 'maybe' } }, /`dedupe.failMode`/],
    [{ onError: 'log' }, /`onError` must be a function/],
    // Longer than a Node timer can wait: the timer would fire after 1 ms, failing every delivery.
    [{ handlerTimeoutMs: 2 ** 31 }, /`handlerTimeoutMs` must be at most 2147483647 ms/],
    [{ bodyTimeoutMs: 30 * 86_400_000 }, /`bodyTimeoutMs` must be at most 2147483647 ms/],
    [{ dedupe: { timeoutMs: 2 ** 31 } }, /`dedupe.timeoutMs` must be at most 2147483647 ms/],
    [{ dedupe: { claimTtlMs: 90 * 86_400_000 } }, /`dedupe.claimTtlMs` must be at most 2147483647 ms/],
  ])('%o is refused with a message naming the option', (bad, message) => {
    expect(create({ ...ok, ...bad })).toThrow(message);
  });

  test('the longest handlerTimeoutMs a timer holds is accepted: the default claimTtlMs follows it, within the same bound', () => {
    expect(create({ ...ok, handlerTimeoutMs: 2 ** 31 - 1 })).not.toThrow();
  });

  test.each([
    ['1m', "'1mb'"],
    ['512k', "'512kb'"],
    ['2 MiB', "'2mb'"],
    ['10 megabytes', "'10mb'"],
  ])('limit %p: a unit it does not know throws, naming the units and the meant spelling', (limit, meant) => {
    expect(create({ ...ok, limit })).toThrow(
      new RegExp(
        `\`limit\` has a unit it does not know \\(got "${limit}"\\): the units are b, kb, mb, gb .*Did you mean ${meant}\\?`,
      ),
    );
  });

  test('limit in bytes or with a known unit is accepted; anything else is refused', () => {
    for (const limit of ['1mb', '512kb', '512KB', '1.5mb', '2048', '100b', ' 1 gb ', 1, 4096])
      expect(create({ ...ok, limit })).not.toThrow();
    for (const limit of ['', 'mb', '0kb', 0, Infinity, '-1mb', '1e6']) expect(create({ ...ok, limit })).toThrow(/`limit`/);
  });

  test('the options argument itself must be an object', () => {
    expect(create(undefined)).toThrow(/takes an options object/);
  });

  test('the returned middleware is a named function with drain()', () => {
    const mw = innopaasWebhook(ok);
    expect(mw.name).toBe('innopaasWebhookMiddleware');
    expect(typeof mw.drain).toBe('function');
    expect(mw.inFlight).toBe(0);
  });
});

describe.each(expressVersions)('a limit with a unit means what it says (%s)', (_name, express) => {
  // A body of exactly `size` bytes: a text event whose text pads it out.
  const body = (size: number) => {
    const event = textEvent('');
    const padding = size - Buffer.byteLength(JSON.stringify(event));
    return JSON.stringify(textEvent('x'.repeat(padding)));
  };
  const post = (app: Parameters<typeof request>[0], payload: string) =>
    request(app).post('/webhook').set(credentials).set('Content-Type', 'application/json').send(payload);

  test.each([
    ['2kb', 2048],
    ['1.5kb', 1536],
    [' 1 MB ', 1024 * 1024],
  ])('limit %p accepts %d bytes and refuses one more', async (limit, size) => {
    const { app } = createApp(express, { limit });
    expect((await post(app, body(size))).status).toBe(200);
    expect((await post(app, body(size + 1))).status).toBe(413);
  });
});

describe.each(expressVersions)('an option given as undefined means its default (%s)', (_name, express) => {
  // What `exactOptionalPropertyTypes` lets a user write: `limit: process.env.WEBHOOK_LIMIT`, unset.
  test('every option but the credentials set to undefined: the event is handled with the defaults', async () => {
    const { app } = createApp(express, {
      credentials: undefined,
      insecureNoAuth: undefined,
      on: { whatsapp_mo_message_received: undefined, whatsapp_message_status_updated: undefined },
      onUnknownEvent: undefined,
      onInvalidEvent: undefined,
      onDuplicate: undefined,
      onError: undefined,
      methods: undefined,
      limit: undefined,
      bodyTimeoutMs: undefined,
      invalidEvents: undefined,
      forwardErrors: undefined,
      passThrough: undefined,
      ack: undefined,
      handlerTimeoutMs: undefined,
      dedupe: {
        store: undefined,
        ttlMs: undefined,
        claimTtlMs: undefined,
        maxEntries: undefined,
        key: undefined,
        failMode: undefined,
        timeoutMs: undefined,
      },
      timeZone: undefined,
      maxEventAgeMs: undefined,
      allowRequest: undefined,
    });
    const event = textEvent();
    expect((await request(app).post('/webhook').set(credentials).send(event)).body).toEqual({ received: true });
    // The default dedupe is on: the same event again is a duplicate.
    expect((await request(app).post('/webhook').set(credentials).send(event)).body).toEqual({ received: true, duplicate: true });
  });

  test('a misspelt event type is still refused when its handler is undefined', () => {
    expect(create({ ...ok, on: { whatsapp_mo_message: undefined } })).toThrow(
      /`on.whatsapp_mo_message` is not an InnoPaaS event type/,
    );
  });
});
