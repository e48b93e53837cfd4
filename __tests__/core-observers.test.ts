import request from 'supertest';
import type { DeliveryObserver } from '../lib';
import { createApp, credentials, expressVersions, textEvent } from './helpers/app';

const TEXT = 'whatsapp_mo_message_received';
const throwing = () => {
  throw new Error('observer bug');
};

/** Records every call an observer receives, in order. */
function recorder(calls: string[]): DeliveryObserver {
  return {
    begin: (start) => {
      calls.push(`begin ${start.source}`);
      return {
        event: (_event, type, lagMs) => void calls.push(`event ${type} ${typeof lagMs}`),
        dedupe: (outcome) => void calls.push(`dedupe ${outcome}`),
        run: (work) => {
          calls.push('run');
          return work();
        },
        handled: (failure) => void calls.push(`handled ${failure?.code ?? 'ok'}`),
        answered: (answer) => void calls.push(`answered ${answer.status} ${answer.code}`),
      };
    },
  };
}

describe.each(expressVersions)('observers (%s)', (_name, express) => {
  test('an observer sees one delivery in order: begin, event, dedupe, run, handled, answered', async () => {
    const calls: string[] = [];
    const { app } = createApp(express, { observers: [recorder(calls)], on: { [TEXT]: async () => {} } });
    await request(app).post('/webhook').set(credentials).send(textEvent()).expect(200);
    expect(calls).toEqual([
      'begin request',
      `event ${TEXT} number`,
      'dedupe claimed',
      'run',
      'handled ok',
      'answered 200 received',
    ]);
  });

  test('a request refused before its body is read: begin and answered only', async () => {
    const calls: string[] = [];
    const { app } = createApp(express, { observers: [recorder(calls)] });
    await request(app).post('/webhook').send(textEvent()).expect(401);
    expect(calls).toEqual(['begin request', 'answered 401 unauthorized']);
  });

  test('observers that throw everywhere, or never call work(), cost the request nothing', async () => {
    const handled: string[] = [];
    const everywhere: DeliveryObserver = {
      begin: () => ({
        event: throwing,
        dedupe: throwing,
        run: throwing,
        handled: throwing,
        answered: throwing,
      }),
    };
    const neverRuns: DeliveryObserver = { begin: () => ({ run: () => undefined as never }) };
    const twice: DeliveryObserver = {
      begin: () => ({
        run: (work) => {
          work();
          return work();
        },
      }),
    };
    const { app } = createApp(express, {
      observers: [{ begin: throwing }, everywhere, neverRuns, twice],
      on: { [TEXT]: (event) => void handled.push(event.id) },
    });
    const event = textEvent();
    await request(app).post('/webhook').set(credentials).send(event).expect(200);
    await request(app).post('/webhook').set(credentials).send(event).expect(200, { received: true, duplicate: true });
    expect(handled).toEqual([event.id]);
  });

  test('an enqueue that throws inside an observer that swallows errors still answers 503 queue_unavailable', async () => {
    const swallowing: DeliveryObserver = {
      begin: () => ({
        run: (work) => {
          try {
            return work();
          } catch {
            return { status: 'queued' } as never;
          }
        },
      }),
    };
    const { app } = createApp(express, {
      observers: [swallowing],
      onError: () => {},
      queue: {
        enqueue: () => {
          throw new Error('queue down');
        },
      },
    });
    const res = await request(app).post('/webhook').set(credentials).send(textEvent()).expect(503);
    expect(res.body.code).toBe('queue_unavailable');
  });
});
