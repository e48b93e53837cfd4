import { defineConfig } from 'tsup';

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
});
