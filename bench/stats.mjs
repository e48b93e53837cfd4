// Small statistics helpers shared by the load and micro benchmarks.

/** Median of a list of numbers (the mean of the middle two for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The p-th percentile (0–100) of an already sorted array, nearest-rank. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Runs `fn` repeatedly for about `ms` milliseconds; answers calls per second. */
export function opsPerSecond(fn, ms) {
  const budget = BigInt(Math.round(ms * 1e6));
  let calls = 0;
  let batch = 64;
  const start = process.hrtime.bigint();
  let elapsed = 0n;
  // Batches keep the clock out of the measured loop; they grow until one takes ~1/20 of the budget.
  while (elapsed < budget) {
    for (let i = 0; i < batch; i++) fn();
    calls += batch;
    elapsed = process.hrtime.bigint() - start;
    if (elapsed < budget / 20n) batch *= 2;
  }
  return calls / (Number(elapsed) / 1e9);
}
