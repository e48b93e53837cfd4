import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import fc from 'fast-check';
import { EVENT_TYPES, type InnopaasEvent } from '../lib/events';
import { INBOUND_MESSAGE_TYPES, arbitraries, createArbitraries, deliver } from '../lib/testing';
import { getValidators, validateEvent } from '../lib/stages/validate';
import { AUTH, USER, createApp } from './helpers/app';

const RUNS = 200;

/** The middleware's own check, on the JSON that would travel: what a handler would be given. */
function validates(event: { type: string }): boolean {
  const result = validateEvent(getValidators(), JSON.parse(JSON.stringify(event)));
  return result.known;
}

describe('createArbitraries(fc)', () => {
  const arb = createArbitraries(fc);

  it.each(EVENT_TYPES)(`every generated %s validates (${RUNS} runs)`, (type) => {
    fc.assert(
      fc.property(arb.event(type), (event) => {
        expect(event.type === type || `${event.type}d` === type).toBe(true);
        expect(validates(event)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it.each(INBOUND_MESSAGE_TYPES)(`every generated %s message validates (${RUNS} runs)`, (messageType) => {
    fc.assert(
      fc.property(arb.inboundMessage(messageType), (event) => {
        expect(event.body.type).toBe(messageType);
        expect(validates(event)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it(`anyEvent covers the catalogue and validates (${RUNS * 2} runs)`, () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(arb.anyEvent(), (event) => {
        seen.add(event.type);
        expect(validates(event)).toBe(true);
      }),
      { numRuns: RUNS * 2 },
    );
    for (const type of EVENT_TYPES) expect([...seen].some((seenType) => type.startsWith(seenType))).toBe(true);
  });

  it('generates both documented timestamp forms, with the parsed eventDate a handler sees', () => {
    const events = fc.sample(arb.event('whatsapp_message_status_updated'), 200);
    expect(events.some((event) => event.eventTime.includes('T'))).toBe(true);
    expect(events.some((event) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(event.eventTime))).toBe(true);
    for (const event of events) expect(event.eventDate).toBeInstanceOf(Date);
  });

  it('rejects an unknown event or message type', () => {
    expect(() => arb.event('nope' as never)).toThrow(/no event type "nope"/);
    expect(() => arb.inboundMessage('nope' as never)).toThrow(/no inbound message type "nope"/);
  });

  it('every generated event is answered 200 by the real middleware, and reaches its handler', async () => {
    const seen: InnopaasEvent[] = [];
    const record = (event: InnopaasEvent) => void seen.push(event);
    const on = Object.fromEntries(EVENT_TYPES.map((type) => [type, record]));
    const { app } = createApp(express, { on });
    await fc.assert(
      fc.asyncProperty(arb.anyEvent(), async (event) => {
        const response = await deliver(app, event, { credentials: { userName: USER, authorization: AUTH } });
        expect(response.status).toBe(200);
        expect(seen.at(-1)?.id).toBe(event.id);
      }),
      { numRuns: 50 },
    );
  });
});

describe('generated ids and shrinking', () => {
  const arb = createArbitraries(fc);

  it('every event, shrunk ones included, has an id of its own', () => {
    const ids: string[] = [];
    const result = fc.check(
      fc.property(arb.event('whatsapp_message_status_updated'), (event) => {
        ids.push(event.id);
        return event.body.status !== 'failed';
      }),
      { seed: 3, numRuns: 300 },
    );
    expect(result.failed).toBe(true);
    expect(result.numShrinks).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('the counterexample a property against one app shrinks to fails again there (the dedupe does not hide it)', async () => {
    const handled: string[] = [];
    const { app } = createApp(express, {
      on: {
        whatsapp_message_status_updated: (event) => {
          handled.push(event.id);
          if (event.body.status === 'failed') throw new Error('bug');
        },
      },
    });
    const credentials = { userName: USER, authorization: AUTH };
    const result = await fc.check(
      fc.asyncProperty(
        arb.event('whatsapp_message_status_updated'),
        async (event) => (await deliver(app, event, { credentials })).status === 200,
      ),
      { seed: 3, numRuns: 300 },
    );
    expect(result.failed).toBe(true);
    const [counterexample] = result.counterexample ?? [];
    expect(counterexample?.body.status).toBe('failed');
    const again = await deliver(app, counterexample, { credentials });
    expect(again.status).toBe(500);
    expect(handled.at(-1)).toBe(counterexample?.id);
  });
});

describe('arbitraries (fast-check loaded on first use)', () => {
  it('works like createArbitraries with the installed fast-check', () => {
    fc.assert(
      fc.property(arbitraries.inboundMessage('location'), (event) => validates(event) && event.body.location.latitude <= 90),
      { numRuns: 50 },
    );
  });

  it('without fast-check installed, says to install it (ES module build, run where there is none)', () => {
    const built = join(__dirname, '..', 'dist', 'testing', 'index.mjs');
    if (!existsSync(built)) throw new Error('dist/testing/index.mjs is missing: run npm run build first');
    const dir = mkdtempSync(join(tmpdir(), 'no-fast-check-'));
    try {
      writeFileSync(
        join(dir, 'probe.mjs'),
        `import { arbitraries, buildEvent } from ${JSON.stringify(built)};\nbuildEvent('chat_mt_message_notify');\ntry { arbitraries.anyEvent(); } catch (error) { console.log(error.message); }\n`,
      );
      const out = execFileSync(process.execPath, ['probe.mjs'], { cwd: dir, encoding: 'utf8' });
      expect(out).toMatch(/install fast-check to use arbitraries/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
