import { defineConfig } from 'tsup';

// Dual build: CommonJS (.js + .d.ts) for `require`, ESM (.mjs + .d.mts) for `import`.
export default defineConfig({
  entry: {
    index: 'lib/index.ts',
    'testing/index': 'lib/testing/index.ts',
    'metrics/index': 'lib/integrations/metrics.ts',
    'otel/index': 'lib/integrations/otel.ts',
    cli: 'lib/cli/index.ts',
  },
  format: ['cjs', 'esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  splitting: false,
  shims: false,
});
