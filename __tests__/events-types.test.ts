import { execFile } from 'node:child_process';
import { join } from 'node:path';

// ts-jest runs with diagnostics off, so type-level tests need the compiler itself: this project holds
// the handler typings (types/handlers.ts, with its @ts-expect-error lines) and the drift checks
// (events-drift.test.ts), so that `npx jest` alone fails when either breaks.
const root = join(__dirname, '..');

it('the type tests compile (tsc -p __tests__/types/tsconfig.json)', async () => {
  const result = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, '__tests__/types/tsconfig.json')],
      { cwd: root, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error.code as number | undefined) ?? 1) : 0, output: stdout + stderr });
      },
    );
  });
  expect(result).toEqual({ code: 0, output: '' });
}, 70_000);
