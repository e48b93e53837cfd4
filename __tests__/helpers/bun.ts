import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';

/**
 * The Bun binary that the `bun` devDependency installs from its npm package, or why it cannot run. Under
 * CI a missing binary is an error, not a skip: the Fetch handler must be checked in a runtime other than Node.
 */
export function findBun(): { path: string } | { missing: string } {
  let path: string;
  try {
    path = join(dirname(require.resolve('bun/package.json')), 'bin', 'bun.exe');
  } catch {
    return { missing: 'the bun package is not installed (npm ci installs it)' };
  }
  try {
    execFileSync(path, ['--version'], { stdio: 'pipe' });
    return { path };
  } catch (error) {
    return { missing: `${path} does not run (${(error as Error).message.split('\n')[0]}): its install script did not run?` };
  }
}

/** `describe`, or `describe.skip` with the reason printed; never a skip under CI. */
export function bunSuite(file: string): { bun: string | undefined; describe: jest.Describe } {
  const found = findBun();
  if ('path' in found) return { bun: found.path, describe };
  if (process.env.CI) throw new Error(`${file}: the Bun runtime test cannot be skipped under CI: ${found.missing}`);
  console.warn(`${file}: Bun tests skipped: ${found.missing}`);
  return { bun: undefined, describe: describe.skip };
}
