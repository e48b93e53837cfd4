import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Load and soak against the built package, in a child process so that its 100 connections and its
 * memory figures are its own: __tests__/soak/soak.mjs. CI (.ci/run) runs it for SOAK_SECONDS (60 by
 * default there); a developer's `npx jest` runs it for 10 s.
 */

const ROOT = join(__dirname, '..');
const SECONDS = Number(process.env.SOAK_SECONDS ?? (process.env.CI === 'true' ? 60 : 10));
// Warm-up, start-up and the retry tail on top of the measured seconds, with room for a slow machine.
const BUDGET_MS = (SECONDS + 90) * 1000;

interface SoakResult {
  requests: number;
  requestsPerSecond: number;
  statuses: Record<string, number>;
  events: number;
  handled: number;
  lost: number;
  handledTwice: number;
  unexpected: string[];
  rssGrowth: number;
  heapGrowth: number;
  failures: string[];
}

function runSoak(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, '__tests__/soak/soak.mjs')], {
      cwd: ROOT,
      env: { ...process.env, SOAK_SECONDS: String(SECONDS) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), BUDGET_MS - 5000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test(
  `soak (${SECONDS} s, 100 connections, 10% redeliveries, 1% failing once): nothing lost, nothing twice, heap flat`,
  async () => {
    if (!existsSync(join(ROOT, 'dist/index.js'))) throw new Error('dist/index.js is missing: run npm run build');
    const { code, stdout, stderr } = await runSoak();
    // The figures are meant for the release notes: show them whether the run passed or not.
    process.stdout.write(
      stdout
        .split('\n')
        .filter((line) => line.startsWith('soak:'))
        .join('\n') + '\n',
    );
    const line = stdout.split('\n').find((l) => l.startsWith('SOAK_RESULT '));
    if (!line) throw new Error(`the soak printed no result (exit ${String(code)}):\n${stderr}${stdout}`);
    const result = JSON.parse(line.slice('SOAK_RESULT '.length)) as SoakResult;

    expect(result.unexpected).toEqual([]);
    expect(Object.keys(result.statuses).sort()).toEqual(['200 duplicate', '200 received', '500 handler_failed']);
    expect(result.lost).toBe(0);
    expect(result.handledTwice).toBe(0);
    expect(result.handled).toBe(result.events);
    expect(result.statuses['200 received']).toBe(result.events);
    // A leak shows in the heap after a full collection; RSS is printed, not judged (the allocator's).
    expect(result.heapGrowth).toBeLessThan(0.1);
    expect(result.failures).toEqual([]);
    expect(code).toBe(0);
  },
  BUDGET_MS,
);
