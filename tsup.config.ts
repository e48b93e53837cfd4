import { defineConfig } from 'tsup';

// Dual build: CommonJS (.js + .d.ts) for `require`, ESM (.mjs + .d.mts) for `import`.
export default defineConfig({
  entry: {
    index: 'lib/index.ts',
    'testing/index': 'lib/testing/index.ts',
    'bullmq/index': 'lib/integrations/bullmq/index.ts',
    cli: 'lib/cli/index.ts',
  },
  // An optional peer: loaded from the application's install, never bundled.
  external: ['bullmq'],
  format: ['cjs', 'esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  splitting: false,
  shims: false,
});
