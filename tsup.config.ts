import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'tsup';

/**
 * esbuild escapes non-ASCII in strings but keeps comments as written, and one non-ASCII character makes
 * Node read the whole file as a two-byte string: `require` of the package took 0.8 ms longer at start-up
 * for a few `─` and `…` in comments (bench/README.md, "Start-up"). So the built files must be ASCII.
 */
function assertAscii(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) assertAscii(path);
    if (!entry.isFile() || !/\.m?js$/.test(entry.name)) continue;
    const lines = readFileSync(path, 'utf8').split('\n');
    const found = lines.findIndex((line) => /[^\t\r -~]/.test(line));
    if (found !== -1)
      throw new Error(
        `${path}:${found + 1} has a character outside printable ASCII (in a comment?); write it in ASCII:\n${lines[found] ?? ''}`,
      );
  }
}

// Dual build: CommonJS (.js + .d.ts) for `require`, ESM (.mjs + .d.mts) for `import`.
export default defineConfig({
  entry: {
    index: 'lib/index.ts',
    'testing/index': 'lib/testing/index.ts',
    'metrics/index': 'lib/integrations/metrics.ts',
    'otel/index': 'lib/integrations/otel.ts',
    'bullmq/index': 'lib/integrations/bullmq/index.ts',
    cli: 'lib/cli/index.ts',
  },
  // An optional peer: loaded from the application's install, never bundled.
  external: ['bullmq'],
  format: ['cjs', 'esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  // The oldest Node line package.json's engines admit (legacy services run 18).
  target: 'node18',
  platform: 'node',
  splitting: false,
  shims: false,
  // Keep `node:` on built-in imports: Deno and Cloudflare Workers (nodejs_compat) resolve built-ins by that prefix.
  removeNodeProtocol: false,
  onSuccess: () => {
    assertAscii('dist');
    return Promise.resolve();
  },
});
