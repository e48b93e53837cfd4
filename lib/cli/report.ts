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

/** The summary of a run: counts per status, then latency p50/p99/max of the answered deliveries. */
export function summarize(results: readonly DeliveryResult[], elapsedMs: number, concurrency: number): string {
  const counts = new Map<string, number>();
  const errors = new Map<string, number>();
  for (const result of results) {
    const key = result.status === 'error' ? 'error' : describeStatus(result.status);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (result.error) errors.set(result.error, (errors.get(result.error) ?? 0) + 1);
  }
  const rate = results.length / Math.max(elapsedMs / 1000, 0.001);
  const lines = [
    `${results.length} deliveries in ${(elapsedMs / 1000).toFixed(2)} s (${rate.toFixed(0)}/s), concurrency ${concurrency}`,
  ];
  const width = Math.max(...[...counts.keys()].map((key) => key.length));
  for (const [key, count] of [...counts].sort(([a], [b]) => a.localeCompare(b))) lines.push(`  ${key.padEnd(width)}  ${count}`);
  // Why deliveries got no answer, under the `error` count: refused, reset, timed out.
  for (const [message, count] of errors) lines.push(`    ${message}${count > 1 ? ` (×${count})` : ''}`);
  const answered = results
    .filter((result) => result.status !== 'error')
    .map((result) => result.durationMs)
    .sort((a, b) => a - b);
  if (answered.length > 0) {
    const [p50, p99, max] = [percentile(answered, 50), percentile(answered, 99), answered[answered.length - 1] as number];
    lines.push(`latency p50 ${formatMs(p50)} ms, p99 ${formatMs(p99)} ms, max ${formatMs(max)} ms`);
  }
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
