'use strict';

/**
 * The inspector's metrics panel: what the Prometheus registry of the app holds (the same numbers as
 * `/metrics`), summed up per event type. Quantiles are estimated from the histogram buckets the way
 * PromQL's `histogram_quantile()` does, so they match a Grafana panel over the same data.
 */

/**
 * `buckets`: cumulative counts by upper bound, ascending, the last one `+Inf`. Linear interpolation
 * inside the bucket where the rank falls. Past the highest finite bound there is nothing to
 * interpolate: that bound is the answer (as in PromQL), flagged `beyond`.
 */
function histogramQuantile(q, buckets) {
  const total = buckets.length > 0 ? buckets[buckets.length - 1].count : 0;
  if (total === 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const { le, count } of buckets) {
    if (count >= rank) {
      if (le === Infinity) return { seconds: lowerBound, beyond: true };
      return { seconds: lowerBound + ((le - lowerBound) * (rank - lowerCount)) / (count - lowerCount || 1), beyond: false };
    }
    lowerBound = le;
    lowerCount = count;
  }
  return { seconds: lowerBound, beyond: true };
}

/** The buckets of one histogram, summed over every label but `type` and `le`, by type. */
function bucketsByType(metric) {
  const byType = new Map();
  for (const sample of metric?.values ?? []) {
    if (!sample.metricName?.endsWith('_bucket')) continue;
    const le = sample.labels.le === '+Inf' ? Infinity : Number(sample.labels.le);
    const counts = byType.get(sample.labels.type) ?? new Map();
    counts.set(le, (counts.get(le) ?? 0) + sample.value);
    byType.set(sample.labels.type, counts);
  }
  const result = new Map();
  for (const [type, counts] of byType) {
    result.set(
      type,
      [...counts].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le),
    );
  }
  return result;
}

const quantiles = (buckets) =>
  buckets
    ? { count: buckets[buckets.length - 1].count, p50: histogramQuantile(0.5, buckets), p99: histogramQuantile(0.99, buckets) }
    : null;

/** Counts by type and outcome, handler time and event lag quantiles by type, from the registry. */
async function summarize(registry) {
  const metrics = new Map((await registry.getMetricsAsJSON()).map((metric) => [metric.name, metric]));
  const types = new Map();
  const row = (type) => {
    if (!types.has(type)) types.set(type, { type, total: 0, outcomes: {}, handler: null, lag: null });
    return types.get(type);
  };
  for (const sample of metrics.get('innopaas_webhook_events_total')?.values ?? []) {
    if (sample.value === 0) continue;
    const entry = row(sample.labels.type);
    entry.total += sample.value;
    entry.outcomes[sample.labels.outcome] = (entry.outcomes[sample.labels.outcome] ?? 0) + sample.value;
  }
  for (const [type, buckets] of bucketsByType(metrics.get('innopaas_webhook_handler_duration_seconds')))
    row(type).handler = quantiles(buckets);
  for (const [type, buckets] of bucketsByType(metrics.get('innopaas_webhook_event_lag_seconds')))
    row(type).lag = quantiles(buckets);
  return { types: [...types.values()].sort((a, b) => b.total - a.total || a.type.localeCompare(b.type)) };
}

/** `GET /inspector/stats`, for the page's panel (mounted behind the inspector's basic auth). */
function statsRoutes(express, registry) {
  const router = express.Router();
  router.get('/inspector/stats', (req, res, next) => {
    summarize(registry).then((stats) => res.json(stats), next);
  });
  return router;
}

module.exports = { histogramQuantile, statsRoutes, summarize };
