import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type {
  AnswerCode,
  DedupeOutcome,
  DeliveryAnswer,
  DeliveryObservation,
  DeliveryObserver,
  DeliveryStart,
} from '../core/observer';
import type { InnopaasWebhookError } from '../core/errors';
import { withTimeout } from '../core/async';
import { fail, rejectUnknownKeys, show, timerMs } from '../core/option-checks';

/** Handler durations: from a millisecond to the default 10-second `handlerTimeoutMs`. */
export const HANDLER_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Event lag: `eventTime` has whole seconds at best, and InnoPaaS retries a minute apart. */
export const LAG_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600];

export interface PrometheusMetricsOptions {
  /** The prom-client registry to register the metrics in (`new Registry()` or `register`). */
  registry: Registry;
  /** Buckets of `innopaas_webhook_handler_duration_seconds`. Defaults to 1 ms … 10 s. */
  handlerBuckets?: number[];
  /** Buckets of `innopaas_webhook_event_lag_seconds`. Defaults to 0.5 s … 1 h. */
  lagBuckets?: number[];
  /**
   * How long a scrape waits for a watched queue's counts (`watchQueue`) before it answers with the last
   * ones: Redis down or reconnecting must not stall the whole scrape. Defaults to 1,000 ms.
   */
  queueCountsTimeoutMs?: number;
}

/** What BullMQ's `Queue` offers for its depth: `getJobCounts()` resolves to counts by state. */
export interface JobCountsSource {
  getJobCounts(...states: string[]): Promise<Record<string, number>>;
}

export interface PrometheusMetrics extends DeliveryObserver {
  /**
   * Reports the depth of a queue, by state (`waiting`, `active`, `delayed`, `failed`…), as
   * `innopaas_webhook_queue_jobs{queue, state}`: read with `getJobCounts()` at every scrape.
   */
  watchQueue(queue: JobCountsSource, name: string): void;
}

type Labels<K extends string> = Partial<Record<K, string | number>>;

/** A metric of the registry if one of that name is there already (a second middleware, or a worker). */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the class it registered under that name
function existing<T>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

function buckets(name: string, given: unknown, fallback: number[]): number[] {
  if (given === undefined) return fallback;
  if (!Array.isArray(given) || given.length === 0 || given.some((b) => typeof b !== 'number' || !(b > 0))) {
    fail(name, `must be a non-empty array of positive numbers of seconds (got ${show(given)})`, 'Leave it out for the defaults.');
  }
  return [...(given as number[])].sort((a, b) => a - b);
}

/**
 * What every copy of this module in the process shares, by registry: the queues to count and the buckets
 * each histogram was made with. The CommonJS and ESM builds, or two installed versions, may register into
 * one registry; the gauge one of them made must count the queues every copy watches.
 */
interface SharedState {
  queues: WeakMap<Registry, Map<string, JobCountsSource>>;
  buckets: WeakMap<object, readonly number[]>;
}
const SHARED_KEY = Symbol.for('innopaas-webhook.metrics.v1');
const shared = ((globalThis as Record<symbol, SharedState | undefined>)[SHARED_KEY] ??= {
  queues: new WeakMap(),
  buckets: new WeakMap(),
});

const QUEUE_GAUGE = 'innopaas_webhook_queue_jobs';

/**
 * Prometheus metrics of every delivery, in the user's prom-client registry, for the `observers` option
 * (and the queue worker's). Labels are bounded: event type (`unknown` for a type outside the catalogue),
 * status, answer or problem code, dedupe outcome, queue name and state; never an id or a phone number.
 */
export function prometheusMetrics(options: PrometheusMetricsOptions): PrometheusMetrics {
  if (typeof options !== 'object' || options === null)
    fail('options', `must be an object (got ${show(options)})`, 'Pass `{ registry }`.');
  rejectUnknownKeys('', options, ['registry', 'handlerBuckets', 'lagBuckets', 'queueCountsTimeoutMs']);
  const { registry } = options;
  if (typeof (registry as Partial<Registry> | undefined)?.getSingleMetric !== 'function') {
    fail(
      'registry',
      `must be a prom-client Registry (got ${show(registry)})`,
      "Pass `registry: new Registry()` or prom-client's `register`.",
    );
  }
  const registers = [registry];
  const counter = <K extends string>(name: string, help: string, labelNames: K[]) =>
    existing<Counter<K>>(registry, name) ?? new Counter({ name, help, labelNames, registers });
  const histogram = <K extends string>(
    name: string,
    help: string,
    labelNames: K[],
    option: string,
    given: unknown,
    fallback: number[],
  ) => {
    const wanted = buckets(option, given, fallback);
    const found = existing<Histogram<K>>(registry, name);
    if (!found) {
      const made = new Histogram({ name, help, labelNames, buckets: wanted, registers });
      shared.buckets.set(made, wanted);
      return made;
    }
    // Another prometheusMetrics() of this registry made it: buckets asked for must be the ones it has.
    const had = shared.buckets.get(found);
    if (given !== undefined && had !== undefined && had.join() !== wanted.join())
      fail(
        option,
        `differs from the buckets ${name} has in this registry already (${had.join(', ')})`,
        'Pass the same buckets to every prometheusMetrics() of one registry, or leave them out of all but the first.',
      );
    return found;
  };
  const countsTimeoutMs = timerMs('queueCountsTimeoutMs', options.queueCountsTimeoutMs, 1_000);

  const responses = counter('innopaas_webhook_responses_total', 'Requests answered, by HTTP status and answer or problem code.', [
    'status',
    'code',
  ]);
  const events = counter('innopaas_webhook_events_total', 'Validated events, by type and the code they were answered with.', [
    'type',
    'outcome',
  ]);
  const dedupe = counter('innopaas_webhook_dedupe_total', 'Dedupe claims, by outcome.', ['outcome']);
  const jobs = counter('innopaas_webhook_jobs_total', 'Queue jobs handled by a worker, by event type and outcome.', [
    'type',
    'outcome',
  ]);
  const handlerDuration = histogram(
    'innopaas_webhook_handler_duration_seconds',
    'Time the handler of an event took, by event type and outcome (success, handler_failed, handler_timeout).',
    ['type', 'outcome'],
    'handlerBuckets',
    options.handlerBuckets,
    HANDLER_BUCKETS,
  );
  const lag = histogram(
    'innopaas_webhook_event_lag_seconds',
    'Arrival time minus the eventTime of the event, by type.',
    ['type'],
    'lagBuckets',
    options.lagBuckets,
    LAG_BUCKETS,
  );

  let queues = shared.queues.get(registry);
  if (!queues) shared.queues.set(registry, (queues = new Map<string, JobCountsSource>()));
  // Made again after registry.clear(), or when another copy of this module made none.
  if (!existing(registry, QUEUE_GAUGE)) {
    new Gauge({
      name: QUEUE_GAUGE,
      help: 'Jobs in the queue, by queue and state, read at every scrape.',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        const watched = shared.queues.get(registry) ?? new Map<string, JobCountsSource>();
        await Promise.all(
          [...watched].map(async ([name, queue]) => {
            let counts: Record<string, number> | null;
            try {
              // A Redis down or reconnecting never answers: the scrape would stall, and every series with it.
              counts = await withTimeout(queue.getJobCounts(), countsTimeoutMs, () => new Error('queue counts timed out'));
            } catch {
              // The last values stay.
              return;
            }
            if (typeof counts !== 'object' || counts === null) return;
            for (const [state, count] of Object.entries(counts))
              if (typeof count === 'number') this.set({ queue: name, state }, count);
          }),
        );
      },
    });
  }

  const inc = <K extends string>(metric: Counter<K>, labels: Labels<K>) => {
    metric.inc(labels);
  };
  const sink: Sinks = {
    answered(start, type, answer) {
      if (start.source === 'job') {
        inc(jobs, { type: type ?? 'unknown', outcome: answer.code === 'received' ? 'completed' : answer.code });
        return;
      }
      inc(responses, { status: answer.status, code: answer.code });
      if (type) inc(events, { type, outcome: answer.code });
    },
    dedupe: (outcome) => {
      inc(dedupe, { outcome });
    },
    lag(type, seconds) {
      lag.observe({ type }, seconds);
    },
    handled(type, failure, seconds) {
      handlerDuration.observe({ type, outcome: failure ? failure.code : 'success' }, seconds);
    },
  };

  return {
    begin: (start) => new MeasuredDelivery(start, sink),
    watchQueue(queue, name) {
      if (typeof (queue as Partial<JobCountsSource> | null)?.getJobCounts !== 'function')
        fail('watchQueue(queue)', `needs a getJobCounts() method (got ${show(queue)})`, "Pass BullMQ's Queue.");
      if (typeof name !== 'string' || name.length === 0)
        fail('watchQueue(queue, name)', 'needs the queue name', 'Pass e.g. "innopaas".');
      queues.set(name, queue);
    },
  };
}

interface Sinks {
  answered(start: DeliveryStart, type: string | undefined, answer: DeliveryAnswer): void;
  dedupe(outcome: DedupeOutcome): void;
  lag(type: string, seconds: number): void;
  handled(type: string, failure: InnopaasWebhookError | undefined, seconds: number): void;
}

class MeasuredDelivery implements DeliveryObservation {
  private type: string | undefined;

  constructor(
    private readonly start: DeliveryStart,
    private readonly sink: Sinks,
  ) {}

  event(_event: unknown, type: string, lagMs: number | undefined): void {
    this.type = type;
    // A queued job's lag would add the time it waited in the queue: only deliveries measure it.
    // A clock a little ahead of the sender's makes a negative lag: it counts as none.
    if (lagMs !== undefined && this.start.source === 'request') this.sink.lag(type, Math.max(0, lagMs) / 1000);
  }

  dedupe(outcome: DedupeOutcome): void {
    this.sink.dedupe(outcome);
  }

  handled(failure: InnopaasWebhookError | undefined, durationMs: number | undefined): void {
    if (durationMs !== undefined) this.sink.handled(this.type ?? 'unknown', failure, durationMs / 1000);
  }

  answered(answer: DeliveryAnswer): void {
    this.sink.answered(this.start, this.type, answer);
  }
}

export type { AnswerCode, DedupeOutcome, DeliveryObserver };
