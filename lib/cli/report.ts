import { STATUS_CODES } from 'node:http';

/** The outcome of one delivery: an HTTP status, or `error` when no answer came. */
export interface DeliveryResult {
  status: number | 'error';
  durationMs: number;
  error?: string;
}

export const describeStatus = (status: number): string => `${status} ${STATUS_CODES[status] ?? ''}`.trimEnd();

export const isSuccess = (result: DeliveryResult): boolean =>
  typeof result.status === 'number' && result.status >= 200 && result.status < 300;

const formatMs = (ms: number): string => (ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0));

/** Nearest-rank percentile of ascending `sorted`: a latency some delivery really had, never interpolated. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

/** Milliseconds as `--json` gives them: to the hundredth. */
const roundMs = (ms: number): number => Math.round(ms * 100) / 100;

/** One delivery as `send --json` prints it; every field is always there, `null` when it does not apply. */
export const resultJson = (result: DeliveryResult, body: string | null) => ({
  status: result.status === 'error' ? null : result.status,
  ok: isSuccess(result),
  ms: roundMs(result.durationMs),
  body,
  error: result.error ?? null,
});

/** The facts of a run, which the summary prints as text or, with `--json`, as one object. */
export interface RunSummary {
  deliveries: number;
  /** Every delivery answered 2xx: the exit code is 0. */
  ok: boolean;
  /** The whole run. */
  ms: number;
  perSecond: number;
  concurrency: number;
  /** Deliveries per HTTP status, and `error` for those that got no answer. */
  statuses: Record<string, number>;
  /** Why deliveries got no answer (refused, reset, timed out), with how many each. */
  errors: Record<string, number>;
  /** Of the answered deliveries; null when none was. */
  latency: { p50: number; p99: number; max: number } | null;
}

/** Counts per status, then latency p50/p99/max of the answered deliveries. */
export function runSummary(results: readonly DeliveryResult[], elapsedMs: number, concurrency: number): RunSummary {
  const statuses = new Map<string, number>();
  const errors = new Map<string, number>();
  for (const result of results) {
    statuses.set(String(result.status), (statuses.get(String(result.status)) ?? 0) + 1);
    if (result.error) errors.set(result.error, (errors.get(result.error) ?? 0) + 1);
  }
  const answered = results
    .filter((result) => result.status !== 'error')
    .map((result) => result.durationMs)
    .sort((a, b) => a - b);
  return {
    deliveries: results.length,
    ok: results.every(isSuccess),
    ms: roundMs(elapsedMs),
    perSecond: Math.round(results.length / Math.max(elapsedMs / 1000, 0.001)),
    concurrency,
    // fromEntries makes own keys of them all, even an error message that reads "__proto__".
    statuses: Object.fromEntries(statuses),
    errors: Object.fromEntries(errors),
    latency:
      answered.length === 0
        ? null
        : {
            p50: roundMs(percentile(answered, 50)),
            p99: roundMs(percentile(answered, 99)),
            max: roundMs(answered[answered.length - 1] as number),
          },
  };
}

/** The summary as lines of text. */
export function summarize(summary: RunSummary): string {
  const { deliveries, ms, perSecond, concurrency, latency } = summary;
  const lines = [`${deliveries} deliveries in ${(ms / 1000).toFixed(2)} s (${perSecond}/s), concurrency ${concurrency}`];
  const counts = Object.entries(summary.statuses).map(([status, count]): [string, number] => [
    status === 'error' ? status : describeStatus(Number(status)),
    count,
  ]);
  const width = Math.max(...counts.map(([key]) => key.length));
  for (const [key, count] of counts.sort(([a], [b]) => a.localeCompare(b))) lines.push(`  ${key.padEnd(width)}  ${count}`);
  // Why deliveries got no answer, under the `error` count: refused, reset, timed out.
  for (const [message, count] of Object.entries(summary.errors)) lines.push(`    ${message}${count > 1 ? ` (×${count})` : ''}`);
  if (latency)
    lines.push(`latency p50 ${formatMs(latency.p50)} ms, p99 ${formatMs(latency.p99)} ms, max ${formatMs(latency.max)} ms`);
  return lines.join('\n');
}

/**
 * A one-line progress bar on stderr, redrawn at most ten times a second. Only on a terminal: in a log
 * file or a CI transcript, carriage returns would pile up as noise.
 */
export class ProgressBar {
  private done = 0;
  private failed = 0;
  private lastDraw = 0;
  private readonly enabled: boolean;

  constructor(
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    // isTTY is undefined on a pipe or a file, whatever the type says.
    this.enabled = (stream.isTTY as boolean | undefined) === true;
  }

  tick(success: boolean): void {
    this.done += 1;
    if (!success) this.failed += 1;
    const now = Date.now();
    if (this.enabled && (now - this.lastDraw >= 100 || this.done === this.total)) {
      this.lastDraw = now;
      this.draw();
    }
  }

  private draw(): void {
    const width = 30;
    const filled = Math.round((this.done / this.total) * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const failed = this.failed > 0 ? `, ${this.failed} not 2xx` : '';
    this.stream.write(`\r${bar} ${this.done}/${this.total}${failed}`);
    if (this.done === this.total) this.stream.write('\n');
  }
}
