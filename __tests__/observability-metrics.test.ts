import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import request from 'supertest';
import type { DedupeStore, EventQueue, InnopaasWebhookOptions } from '../lib';
import { Dispatcher, HandlerRun } from '../lib/core/dispatch';
import { resolveObservers } from '../lib/core/observer';
import { prometheusMetrics } from '../lib/integrations/metrics';
import { fixture } from './fixtures';
import { createApp, credentials, type ExpressFactory, expressVersions, textEvent } from './helpers/app';
import { scrape } from './helpers/prometheus';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const TEXT = 'whatsapp_mo_message_received';

function setup(express: ExpressFactory, options: Partial<InnopaasWebhookOptions> = {}) {
  const registry = new Registry();
  const { app, webhook } = createApp(express, { observers: [prometheusMetrics({ registry })], ...options });
  return { app, webhook, registry, post: () => request(app).post('/webhook').set(credentials) };
}

const claimFails: DedupeStore = {
  claim: () => {
    throw new Error('store down');
  },
  complete: () => undefined,
  release: () => undefined,
};

describe.each(expressVersions)('prom-client metrics after real deliveries (%s)', (_name, express) => {
  test('a handled event moves responses, events, dedupe, handler duration and lag, labelled by type only', async () => {
    const { registry, post } = setup(express, { on: { [TEXT]: async () => {} } });
    const event = textEvent();
    event.eventTime = new Date(Date.now() - 30_000).toISOString();
    await post().send(event).expect(200);

    const { value, text } = await scrape(registry);
    expect(value('innopaas_webhook_responses_total', { status: '200', code: 'received' })).toBe(1);
    expect(value('innopaas_webhook_events_total', { type: TEXT, outcome: 'received' })).toBe(1);
    expect(value('innopaas_webhook_dedupe_total', { outcome: 'claimed' })).toBe(1);
    expect(value('innopaas_webhook_handler_duration_seconds_count', { type: TEXT, outcome: 'success' })).toBe(1);
    expect(value('innopaas_webhook_event_lag_seconds_count', { type: TEXT })).toBe(1);
    // 30 s late (plus the time the test took): in the 60 s bucket, not in the 10 s one.
    expect(value('innopaas_webhook_event_lag_seconds_bucket', { type: TEXT, le: '10' })).toBe(0);
    expect(value('innopaas_webhook_event_lag_seconds_bucket', { type: TEXT, le: '60' })).toBe(1);
    expect(value('innopaas_webhook_event_lag_seconds_sum', { type: TEXT })).toBeGreaterThanOrEqual(30);
    // Bounded labels: no id, phone number or credential anywhere in the output.
    for (const secret of [event.id as string, 'PHONE-NUMBER', credentials.Authorization, credentials.UserName])
      expect(text).not.toContain(secret);
  });

  test.each(['2026-02-30T00:00:00.000Z', '2026-12-03T24:00:00.000Z'])(
    'an eventTime the event has no date for (%s) has no lag either',
    async (eventTime) => {
      const { registry, post } = setup(express);
      await post()
        .send({ ...textEvent(), eventTime })
        .expect(200);
      const { value } = await scrape(registry);
      expect(value('innopaas_webhook_events_total', { type: TEXT })).toBe(1);
      expect(value('innopaas_webhook_event_lag_seconds_count')).toBe(0);
    },
  );

  test('a lag from an eventTime without a zone is read in the timeZone option', async () => {
    const { registry, post } = setup(express, { timeZone: '+08:00' });
    // 45 s ago, written as Beijing wall time without a zone, as in `2023-02-22 20:00:00`.
    const wall = new Date(Date.now() - 45_000 + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
    await post()
      .send({ ...textEvent(), eventTime: wall })
      .expect(200);
    const { value } = await scrape(registry);
    expect(value('innopaas_webhook_event_lag_seconds_bucket', { type: TEXT, le: '30' })).toBe(0);
    expect(value('innopaas_webhook_event_lag_seconds_bucket', { type: TEXT, le: '60' })).toBe(1);
  });

  test.each([
    [
      '405 method_not_allowed',
      (r: ReturnType<typeof request>) => r.get('/webhook').set(credentials),
      '405',
      'method_not_allowed',
    ],
    ['401 unauthorized', (r: ReturnType<typeof request>) => r.post('/webhook').send(textEvent()), '401', 'unauthorized'],
    [
      '415 unsupported_media_type',
      (r: ReturnType<typeof request>) => r.post('/webhook').set(credentials).set('Content-Type', 'text/plain').send('x'),
      '415',
      'unsupported_media_type',
    ],
    [
      '413 payload_too_large',
      (r: ReturnType<typeof request>) =>
        r
          .post('/webhook')
          .set(credentials)
          .send(textEvent('x'.repeat(5000))),
      '413',
      'payload_too_large',
    ],
    [
      '400 invalid_json',
      (r: ReturnType<typeof request>) =>
        r.post('/webhook').set(credentials).set('Content-Type', 'application/json').send('{"id":'),
      '400',
      'invalid_json',
    ],
    [
      '200 connectivity test',
      (r: ReturnType<typeof request>) => r.post('/webhook').set(credentials).send({}),
      '200',
      'connectivity_test',
    ],
    [
      '400 batch_not_supported',
      (r: ReturnType<typeof request>) => r.post('/webhook').set(credentials).send([textEvent()]),
      '400',
      'batch_not_supported',
    ],
    [
      '400 invalid_event',
      (r: ReturnType<typeof request>) =>
        r
          .post('/webhook')
          .set(credentials)
          .send({ ...textEvent(), body: { type: 'text' } }),
      '400',
      'invalid_event',
    ],
  ])('%s: one answer of that status and code, no event counted', async (_case, send, status, code) => {
    const { app, registry } = setup(express, { limit: 1000 });
    await send(request(app)).expect(Number(status));
    const { value } = await scrape(registry);
    expect(value('innopaas_webhook_responses_total', { status, code })).toBe(1);
    expect(value('innopaas_webhook_responses_total')).toBe(1);
    expect(value('innopaas_webhook_events_total')).toBe(0);
  });

  test("an unknown type is answered 200 and counted as type 'unknown', not by its name", async () => {
    const { registry, post } = setup(express);
    await post()
      .send({ ...fixture('status-read'), type: 'brand_new_event_type' })
      .expect(200);
    const { value, text } = await scrape(registry);
    expect(value('innopaas_webhook_events_total', { type: 'unknown', outcome: 'received' })).toBe(1);
    expect(text).not.toContain('brand_new_event_type');
  });

  test('the other spelling of the template status event counts under the catalogue type', async () => {
    const { registry, post } = setup(express);
    await post().send(fixture('template-status-update-spelling')).expect(200);
    const { value } = await scrape(registry);
    expect(value('innopaas_webhook_events_total', { type: 'whatsapp_template_status_updated' })).toBe(1);
  });

  test('a redelivery: dedupe duplicate, answered 200 duplicate; the handler is timed once', async () => {
    const { registry, post } = setup(express, { on: { [TEXT]: () => {} } });
    const event = textEvent();
    await post().send(event).expect(200);
    await post().send(event).expect(200);
    const { value } = await scrape(registry);
    expect(value('innopaas_webhook_dedupe_total', { outcome: 'duplicate' })).toBe(1);
    expect(value('innopaas_webhook_events_total', { type: TEXT, outcome: 'duplicate' })).toBe(1);
    expect(value('innopaas_webhook_responses_total', { status: '200', code: 'duplicate' })).toBe(1);
    expect(value('innopaas_webhook_handler_duration_seconds_count')).toBe(1);
  });

  test('the same event while it is being handled: 409, dedupe in_progress', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { registry, post } = setup(express, { on: { [TEXT]: () => gate } });
    const event = textEvent();
    const first = post()
      .send(event)
      .then((res) => res.status);
    await sleep(50);
    await post().send(event).expect(409);
    release();
    expect(await first).toBe(200);
    const { value } = await scrape(registry);
    expect(value('innopaas_webhook_dedupe_total', { outcome: 'in_progress' })).toBe(1);
    expect(value('innopaas_webhook_responses_total', { status: '409', code: 'event_in_progress' })).toBe(1);
    expect(value('innopaas_webhook_events_total', { type: TEXT, outcome: 'event_in_progress' })).toBe(1);
  });

  test('a handler that throws: 500, handler_failed on the event and on the handler histogram', async () => {
    const { registry, post } = setup(express, {
      on: {
        [TEXT]: () => {
          throw new Error('boom');
        },
      },
    });
    await post().send(textEvent()).expect(500);
    const { value } = await scrape(registry);
    expect(value('innopaas_webhook_responses_total', { status: '500', code: 'handler_failed' })).toBe(1);
    expect(value('innopaas_webhook_events_total', { type: TEXT, outcome: 'handler_failed' })).toBe(1);
    expect(value('innopaas_webhook_handler_duration_seconds_count', { type: TEXT, outcome: 'handler_failed' })).toBe(1);
  });

  test('a handler that runs out of time: 503 handler_timeout', async () => {
    const { registry, post } = setup(express, { handlerTimeoutMs: 50, on: { [TEXT]: () => new Promise(() => {}) } });
    await post().send(textEvent()).expect(503);
    const { value } = await scrape(registry);
    expect(value('innopaas_webhook_responses_total', { status: '503', code: 'handler_timeout' })).toBe(1);
    expect(value('innopaas_webhook_handler_duration_seconds_count', { type: TEXT, outcome: 'handler_timeout' })).toBe(1);
  });

  test("with ack: 'immediately' the answer is 200 received; the handler's failure shows on the handler histogram", async () => {
    const { registry, post, webhook } = setup(express, {
      ack: 'immediately',
      onError: () => {},
      on: { [TEXT]: () => Promise.reject(new Error('later')) },
    });
    await post().send(textEvent()).expect(200);
    await webhook.drain();
    const { value } = await scrape(registry);
    expect(value('innopaas_webhook_events_total', { type: TEXT, outcome: 'received' })).toBe(1);
    expect(value('innopaas_webhook_handler_duration_seconds_count', { type: TEXT, outcome: 'handler_failed' })).toBe(1);
  });

  test.each([
    ['closed', 503, 'dedupe_unavailable'],
    ['open', 200, 'received'],
  ] as const)('a dedupe store that fails (failMode %s): dedupe store_failure, answered %d', async (failMode, status, code) => {
    const { registry, post } = setup(express, { dedupe: { store: claimFails, failMode }, onError: () => {} });
    await post().send(textEvent()).expect(status);
    const { value } = await scrape(registry);
    expect(value('innopaas_webhook_dedupe_total', { outcome: 'store_failure' })).toBe(1);
    expect(value('innopaas_webhook_responses_total', { status: String(status), code })).toBe(1);
  });

  test('passThrough: counted as passed_on; forwardErrors: the code the error stands for', async () => {
    const passing = setup(express, { passThrough: true });
    const app = createApp(
      express,
      { passThrough: true, observers: [prometheusMetrics({ registry: passing.registry })] },
      { after: (_req, res) => void res.status(204).end() },
    ).app;
    await request(app).post('/webhook').set(credentials).send(textEvent()).expect(204);
    const forwarding = setup(express, { forwardErrors: 'all' });
    await request(forwarding.app).post('/webhook').send(textEvent()).expect(599);
    expect((await scrape(passing.registry)).value('innopaas_webhook_responses_total', { status: '200', code: 'passed_on' })).toBe(
      1,
    );
    expect(
      (await scrape(forwarding.registry)).value('innopaas_webhook_responses_total', { status: '401', code: 'unauthorized' }),
    ).toBe(1);
  });

  test('with a queue: received when it takes the event, queue_unavailable when it fails', async () => {
    let fail = false;
    const queue: EventQueue = {
      enqueue: async () => {
        if (fail) throw new Error('redis down');
        return { status: 'queued' };
      },
    };
    const { registry, post } = setup(express, { queue, onError: () => {} });
    await post().send(textEvent()).expect(200);
    fail = true;
    await post().send(textEvent()).expect(503);
    const { value } = await scrape(registry);
    expect(value('innopaas_webhook_events_total', { type: TEXT, outcome: 'received' })).toBe(1);
    expect(value('innopaas_webhook_events_total', { type: TEXT, outcome: 'queue_unavailable' })).toBe(1);
    expect(value('innopaas_webhook_handler_duration_seconds_count')).toBe(0);
  });
});

describe('metrics outside a request', () => {
  test('two middlewares (or a middleware and a worker) share one registry without clashing', async () => {
    const registry = new Registry();
    const [express] = expressVersions.map(([, e]) => e);
    const one = createApp(express as ExpressFactory, { observers: [prometheusMetrics({ registry })] });
    const two = createApp(express as ExpressFactory, { observers: [prometheusMetrics({ registry })] });
    await request(one.app).post('/webhook').set(credentials).send(textEvent()).expect(200);
    await request(two.app).post('/webhook').set(credentials).send(textEvent()).expect(200);
    expect((await scrape(registry)).value('innopaas_webhook_responses_total', { code: 'received' })).toBe(2);
  });

  test("a worker's jobs: jobs_total by type and outcome, and the handler histogram", async () => {
    const registry = new Registry();
    const observers = resolveObservers([prometheusMetrics({ registry })], undefined, false);
    if (!observers) throw new Error('observers expected');
    const handler = async (event: { body: { text?: { body: string } } }) => {
      if (event.body.text?.body === 'fail') throw new Error('no');
    };
    const dispatcher = new Dispatcher({
      handlers: new Map([[TEXT, handler as never]]),
      onUnknownEvent: undefined,
      timeZone: 'UTC',
      handlerTimeoutMs: 1000,
    });
    // What the queue worker does for each job.
    const runJob = async (payload: unknown) => {
      const job = observers.beginJob({});
      const { event, known } = dispatcher.parse(payload);
      observers.validated(job, event);
      const handler = dispatcher.handlerOf(event, known);
      const failure = handler ? await observers.runHandler(job, dispatcher, handler, event, [], new HandlerRun()) : undefined;
      observers.settled(job, failure);
      observers.finishJob(job, failure);
    };
    await runJob(textEvent('ok'));
    await runJob(textEvent('ok'));
    await runJob(textEvent('fail'));
    const { value } = await scrape(registry);
    expect(value('innopaas_webhook_jobs_total', { type: TEXT, outcome: 'completed' })).toBe(2);
    expect(value('innopaas_webhook_jobs_total', { type: TEXT, outcome: 'handler_failed' })).toBe(1);
    expect(value('innopaas_webhook_handler_duration_seconds_count', { type: TEXT })).toBe(3);
    // Jobs are not HTTP answers, and their lag would include the time they waited in the queue.
    expect(value('innopaas_webhook_responses_total')).toBe(0);
    expect(value('innopaas_webhook_event_lag_seconds_count')).toBe(0);
  });

  test('queue depth: read from getJobCounts() at each scrape; a failing read keeps the scrape alive', async () => {
    const registry = new Registry();
    const metrics = prometheusMetrics({ registry });
    let counts: Record<string, number> | Error = { waiting: 3, active: 1, delayed: 0, failed: 2 };
    metrics.watchQueue(
      {
        getJobCounts: async () => {
          if (counts instanceof Error) throw counts;
          return counts;
        },
      },
      'innopaas',
    );
    let scraped = await scrape(registry);
    expect(scraped.value('innopaas_webhook_queue_jobs', { queue: 'innopaas', state: 'waiting' })).toBe(3);
    expect(scraped.value('innopaas_webhook_queue_jobs', { queue: 'innopaas', state: 'failed' })).toBe(2);
    counts = { waiting: 7, active: 0, delayed: 0, failed: 2 };
    scraped = await scrape(registry);
    expect(scraped.value('innopaas_webhook_queue_jobs', { queue: 'innopaas', state: 'waiting' })).toBe(7);
    counts = new Error('redis down');
    scraped = await scrape(registry);
    expect(scraped.value('innopaas_webhook_queue_jobs', { queue: 'innopaas', state: 'waiting' })).toBe(7);
    // A source that answers nothing readable is skipped the same way.
    counts = null as unknown as Record<string, number>;
    scraped = await scrape(registry);
    expect(scraped.value('innopaas_webhook_queue_jobs', { queue: 'innopaas', state: 'waiting' })).toBe(7);
  });

  test('a registry cleared and measured again, or shared by two setups: the queue depth is still reported', async () => {
    const registry = new Registry();
    const source = (waiting: number) => ({ getJobCounts: async () => ({ waiting }) });
    prometheusMetrics({ registry }).watchQueue(source(1), 'first');
    // A second setup of the same registry (the worker's, say) watches another queue: the one gauge reads both.
    prometheusMetrics({ registry }).watchQueue(source(2), 'second');
    let scraped = await scrape(registry);
    expect(scraped.value('innopaas_webhook_queue_jobs', { queue: 'first' })).toBe(1);
    expect(scraped.value('innopaas_webhook_queue_jobs', { queue: 'second' })).toBe(2);
    registry.clear();
    prometheusMetrics({ registry }).watchQueue(source(3), 'third');
    scraped = await scrape(registry);
    expect(scraped.value('innopaas_webhook_queue_jobs', { queue: 'third' })).toBe(3);
  });

  test("the package's ESM and CommonJS builds in one process, on one registry: the queue one watches is counted", () => {
    // Each build holds a module of its own; the built files, as an app that mixes import and require loads them.
    const script = `
      import { createRequire } from 'node:module';
      import { Registry } from 'prom-client';
      const esm = await import('innopaas-webhook/metrics');
      const cjs = createRequire(process.cwd() + '/')('innopaas-webhook/metrics');
      if (esm.prometheusMetrics === cjs.prometheusMetrics) throw new Error('one module, not two');
      const registry = new Registry();
      esm.prometheusMetrics({ registry });
      cjs.prometheusMetrics({ registry }).watchQueue({ getJobCounts: async () => ({ waiting: 4 }) }, 'q');
      process.stdout.write(await registry.metrics());
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: join(__dirname, '..') }).toString();
    expect(out).toContain('innopaas_webhook_queue_jobs{queue="q",state="waiting"} 4');
  });

  test('buckets that differ from those a histogram of the registry has already are refused, not ignored', () => {
    const registry = new Registry();
    prometheusMetrics({ registry, handlerBuckets: [0.1, 1] });
    expect(() => prometheusMetrics({ registry, handlerBuckets: [30, 60] })).toThrow(
      /handlerBuckets.*differs from the buckets innopaas_webhook_handler_duration_seconds has in this registry already \(0\.1, 1\)/,
    );
    // The same buckets, or none, take the histogram as it is.
    expect(() => prometheusMetrics({ registry, handlerBuckets: [1, 0.1] })).not.toThrow();
    expect(() => prometheusMetrics({ registry })).not.toThrow();
  });

  test('bad options are refused with the fix', () => {
    expect(() => prometheusMetrics({} as never)).toThrow(/option `registry` must be a prom-client Registry/);
    expect(() => prometheusMetrics({ registry: new Registry(), lagBuckets: [] })).toThrow(/lagBuckets/);
    expect(() => prometheusMetrics({ registry: new Registry(), queueCountsTimeoutMs: 0 })).toThrow(/queueCountsTimeoutMs/);
    expect(() => prometheusMetrics({ registry: new Registry(), buckets: [1] } as never)).toThrow(/`buckets` is not an option/);
    const [express] = expressVersions.map(([, e]) => e);
    expect(() => createApp(express as ExpressFactory, { observers: [{}] as never })).toThrow(
      /`observers\[0\]` has no `begin\(\)` method/,
    );
  });
});
