import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import type { DedupeStore, InnopaasWebhookOptions } from '../lib';
import { AUTH, USER, createApp, credentials, expressVersions, textEvent } from './helpers/app';

const TEXT = 'whatsapp_mo_message_received';

/** A real pino logger writing JSON lines into memory. */
function capture(level = 'debug') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logger = pino({ level }, stream);
  return {
    logger,
    raw: () => lines.join('\n'),
    // Every line is one JSON document: pino escaped what had to be escaped.
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 };

describe.each(expressVersions)('the logger option with pino (%s)', (_name, express) => {
  const setup = (options: Partial<InnopaasWebhookOptions> = {}) => {
    const log = capture();
    const { app } = createApp(express, { logger: log.logger, ...options });
    return { ...log, post: () => request(app).post('/webhook').set(credentials) };
  };

  test("every line about an event carries the event's id and type", async () => {
    const { post, records } = setup({ on: { [TEXT]: async () => {} } });
    const event = textEvent();
    await post().send(event).expect(200);
    const lines = records();
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [LEVEL.debug, 'event received'],
      [LEVEL.debug, 'handler succeeded'],
      [LEVEL.info, 'answered'],
    ]);
    for (const line of lines) expect(line).toMatchObject({ eventId: event.id, eventType: TEXT });
    expect(lines[0]?.lagMs).toEqual(expect.any(Number));
    expect(lines[1]?.durationMs).toEqual(expect.any(Number));
    expect(lines[2]).toMatchObject({ status: 200, code: 'received' });
  });

  test('a handler error quoting the credentials: logged with its stack, the credentials cut out', async () => {
    const { post, records, raw } = setup({
      onError: () => {},
      on: {
        [TEXT]: () => {
          throw new Error(`login as ${USER} with\n${AUTH} refused`);
        },
      },
    });
    const event = textEvent();
    await post().send(event).expect(500);
    const failed = records().find((line) => line.msg === 'handler failed');
    expect(failed).toMatchObject({ level: LEVEL.error, eventId: event.id, eventType: TEXT, err: { code: 'handler_failed' } });
    const err = failed?.err as Record<string, string>;
    expect(err.message).toContain('[redacted]');
    expect(err.stack).toContain('[redacted]');
    expect(err.stack).toContain('observability-logger.test.ts');
    // One error line for the failure; its 500 answer is a warning, not a second error.
    expect(records().filter((line) => line.level === LEVEL.error)).toHaveLength(1);
    expect(records().at(-1)).toMatchObject({ level: LEVEL.warn, status: 500, code: 'handler_failed' });
    expect(raw()).not.toContain(AUTH);
    expect(raw()).not.toContain(USER);
  });

  test.each([
    // The user name is the start of the Authorization value: cutting it first would leave the rest.
    ['a user name inside the Authorization value', 'acme-prod', 'acme-prod-9f8e7d6c5b4a39281706', ''],
    // The message is cut at 200 characters for the log: the secret across the cut must not keep its start.
    ['a credential across the cut of a long message', USER, AUTH, 'x'.repeat(140)],
  ])('%s: no part of a credential reaches the log', async (_case, userName, authorization, padding) => {
    const log = capture();
    const { app } = createApp(express, {
      userName,
      authorization,
      logger: log.logger,
      onError: () => {},
      on: {
        [TEXT]: () => {
          throw new Error(`${padding} upstream refused key ${authorization}`);
        },
      },
    });
    await request(app).post('/webhook').set({ UserName: userName, Authorization: authorization }).send(textEvent()).expect(500);
    const failed = log.records().find((line) => line.msg === 'handler failed');
    expect((failed?.err as Record<string, string>).stack).toContain('upstream refused key [redacted]');
    // No eight characters in a row of either credential are left anywhere.
    for (const secret of [userName, authorization])
      for (let i = 0; i + 8 <= secret.length; i++) expect(log.raw()).not.toContain(secret.slice(i, i + 8));
  });

  test('refused requests are logged without an event, and without what they sent', async () => {
    const log = capture();
    const refused = createApp(express, { logger: log.logger }).app;
    await request(refused)
      .post('/webhook')
      .set({ UserName: 'guess', Authorization: 'guessed-secret' })
      .send(textEvent())
      .expect(401);
    expect(log.records()).toEqual([
      expect.objectContaining({ level: LEVEL.warn, msg: 'answered', status: 401, code: 'unauthorized' }),
    ]);
    expect(log.records()[0]).not.toHaveProperty('eventId');
    expect(log.raw()).not.toContain('guessed-secret');
  });

  test('a dedupe store failure: an error line naming its cause, redacted', async () => {
    const store: DedupeStore = {
      claim: () => Promise.reject(new Error(`redis AUTH ${AUTH} failed`)),
      complete: () => undefined,
      release: () => undefined,
    };
    const { post, records, raw } = setup({ dedupe: { store }, onError: () => {} });
    await post().send(textEvent()).expect(503);
    expect(records().at(-1)).toMatchObject({
      level: LEVEL.error,
      status: 503,
      code: 'dedupe_unavailable',
      err: { code: 'dedupe_unavailable', cause: expect.stringContaining('[redacted]') },
    });
    expect(raw()).not.toContain(AUTH);
  });

  test('at the info level, one line per delivery', async () => {
    const log = capture('info');
    const { app } = createApp(express, { logger: log.logger });
    await request(app).post('/webhook').set(credentials).send(textEvent()).expect(200);
    expect(log.records()).toHaveLength(1);
  });

  test('a logger whose methods return rejected promises: answers unchanged, no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      let written = 0;
      const write = () => {
        written += 1;
        return Promise.reject(new Error('log sink down'));
      };
      const logger = { debug: write, info: write, warn: write, error: write, child: () => logger };
      const { app } = createApp(express, {
        logger,
        on: {
          [TEXT]: () => {
            throw new Error('handler down');
          },
        },
        onError: false,
      });
      await request(app).post('/webhook').set(credentials).send(textEvent()).expect(500);
      await request(app).post('/webhook').send(textEvent()).expect(401);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(written).toBeGreaterThanOrEqual(3);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  test('a logger without the pino methods is refused with the fix', () => {
    expect(() => createApp(express, { logger: { info: () => {} } as never })).toThrow(
      /option `logger` has no `debug\(\)` method.*Pass a pino logger/,
    );
  });
});
