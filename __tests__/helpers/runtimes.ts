import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';

/** A runtime binary installed from its npm package, or why it cannot run. */
export type Found = { path: string } | { missing: string };

function runnable(path: string): Found {
  try {
    execFileSync(path, ['--version'], { stdio: 'pipe' });
    return { path };
  } catch (error) {
    return { missing: `${path} does not run (${(error as Error).message.split('\n')[0]}): its install script did not run?` };
  }
}

/** Bun, from the `bun` devDependency (its install script puts the binary of @oven/bun-<platform> in place). */
export function findBun(): Found {
  try {
    return runnable(join(dirname(require.resolve('bun/package.json')), 'bin', 'bun.exe'));
  } catch {
    return { missing: 'the bun package is not installed (npm ci installs it)' };
  }
}

/** workerd, the Workers runtime, from the `miniflare` devDependency (through its `workerd` dependency). */
export function findWorkerd(): Found {
  try {
    const miniflare = dirname(require.resolve('miniflare/package.json'));
    const workerd = dirname(require.resolve('workerd/package.json', { paths: [miniflare] }));
    return runnable(join(workerd, 'bin', 'workerd'));
  } catch {
    return { missing: 'the miniflare package is not installed (npm ci installs it)' };
  }
}

/**
 * Whether a runtime's tests run. A missing runtime is skipped with the reason printed, except under CI,
 * where it fails: the Fetch handler must be checked in runtimes other than Node.
 */
export function mustRun(name: string, found: Found): boolean {
  if ('path' in found) return true;
  if (process.env.CI) throw new Error(`${name} cannot be skipped under CI: ${found.missing}`);
  console.warn(`${name} tests skipped: ${found.missing}`);
  return false;
}
