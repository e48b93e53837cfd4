import { createRequire } from 'node:module';
import { isAbsolute, join } from 'node:path';

/**
 * BullMQ is an optional peer: loaded here so that a missing install says what to do instead of
 * "Cannot find module". The CommonJS build resolves it from this package's location; the ES module
 * build has no `__filename` (and `import.meta` cannot be compiled into the CommonJS one), so it
 * resolves from the working directory, where the application's dependencies live. BullMQ has no
 * `exports` map, so `import 'bullmq'` in the application loads this same CommonJS copy.
 */
export function loadBullmq(): typeof import('bullmq') {
  // `node -e` defines a global `__filename` of '[eval]', which an ES module would see.
  const here = typeof __filename === 'string' && isAbsolute(__filename) ? __filename : join(process.cwd(), 'package.json');
  const load = createRequire(here);
  try {
    return load('bullmq') as typeof import('bullmq');
  } catch (error) {
    throw new Error(
      'innopaas-webhook/bullmq needs BullMQ, which is not installed: npm install bullmq ioredis (BullMQ uses ioredis to reach Redis).',
      { cause: error },
    );
  }
}
