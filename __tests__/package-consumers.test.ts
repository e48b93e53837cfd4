import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { textEvent } from './helpers/app';
import { NODE_MAJOR } from './helpers/node-line';
import { findBun } from './helpers/runtimes';

const root = resolve(__dirname, '..');

/** Packs the package into a fresh folder and answers the folder and the tarball's file name. */
function packInto(prefix: string): { dir: string; tarball: string } {
  if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` before `npm test`.');
  const dir = mkdtempSync(join(tmpdir(), prefix));
  execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: root, stdio: 'pipe' });
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack produced no tarball');
  return { dir, tarball };
}

/** Installs the packed tarball into a fresh CommonJS and ESM consumer, as a user would. */
describe('the packed tarball works from require() and from import', () => {
  let dir: string;
  beforeAll(() => {
    const packed = packInto('innopaas-consumer-');
    dir = packed.dir;
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, dependencies: { 'innopaas-webhook': `file:./${packed.tarball}` } }),
    );
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts'], {
      cwd: dir,
      stdio: 'pipe',
    });
    for (const file of ['smoke.cjs', 'smoke.mjs', 'smoke-fetch.mjs'])
      copyFileSync(join(__dirname, 'consumers', file), join(dir, file));
    writeFileSync(join(dir, 'event.json'), JSON.stringify(textEvent('from the tarball')));
  }, 180_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test.each([
    ['smoke.cjs', 'cjs'],
    ['smoke.mjs', 'esm'],
  ])('%s receives an event, loads a published schema and the testing entry', (file, kind) => {
    const out = execFileSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    expect(JSON.parse(out.trim())).toEqual({
      kind,
      status: 200,
      seen: ['from the tarball'],
      guard: true,
      schema: 'InnoPaaS whatsapp_mo_message_received event',
      built: 'whatsapp_message_status_updated',
    });
  });

  const bun = findBun();
  test.each([
    ['Node', process.execPath],
    ['Bun', 'path' in bun ? bun.path : undefined],
  ])('the Fetch handler from import answers a Request in %s', (_runtime, binary) => {
    if (binary === undefined) {
      if (process.env.CI) throw new Error(`Bun is missing: ${'missing' in bun ? bun.missing : ''}`);
      console.warn(`Bun consumer check skipped: ${'missing' in bun ? bun.missing : ''}`);
      return;
    }
    const out = execFileSync(binary, ['smoke-fetch.mjs'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    expect(JSON.parse(out.trim())).toEqual({
      status: 200,
      answer: { received: true },
      seen: [['from the tarball', true]],
      refused: 401,
    });
  });

  test.each([
    ['require', "try { require('innopaas-webhook/bullmq') } catch (e) { console.log(e.message) }"],
    ['import', "import('innopaas-webhook/bullmq').catch((e) => console.log(e.message))"],
  ])('%s of innopaas-webhook/bullmq without BullMQ installed says how to install it', (_how, code) => {
    const out = execFileSync(process.execPath, ['-e', code], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    expect(out).toContain('innopaas-webhook/bullmq needs BullMQ, which is not installed: npm install bullmq');
  });

  test('only what users need is packed (no tests, no sources)', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: root, encoding: 'utf8' });
    const files = (JSON.parse(out) as [{ files: { path: string }[] }])[0].files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining(['dist/index.js', 'dist/index.mjs', 'dist/index.d.ts', 'dist/index.d.mts', 'README.md']),
    );
    expect(files.some((f) => f.startsWith('__tests__') || f.startsWith('lib/'))).toBe(false);
  });
});

/**
 * Legacy services run Node 18. `npm install --engine-strict` refuses a package when its own engines or
 * any installed dependency's exclude the running Node, so this fails the day a dependency drops 18.
 * The Node 18 binary comes from NODE18_BIN (.ci/run sets it), or is this process's when the tests run
 * on 18; without one the suite is skipped with the reason printed, but never under CI=true.
 */
const node18 = process.env.NODE18_BIN ?? (NODE_MAJOR === 18 ? process.execPath : undefined);
const legacyName = 'on Node 18, an Express 4 CommonJS service installs the packed package with --engine-strict';
if (node18 === undefined && process.env.CI === 'true') {
  describe(legacyName, () => {
    test('needs a Node 18 binary', () => {
      throw new Error('NODE18_BIN is not set and CI=true: .ci/run sets it to the Node 18 it installs.');
    });
  });
} else if (node18 === undefined) {
  process.stderr.write(`Skipping "${legacyName}": set NODE18_BIN to a Node 18 binary to run it.\n`);
  describe.skip(legacyName, () => undefined);
} else {
  describe(legacyName, () => {
    let dir: string;
    // Node 18 first on PATH, so that npm (the one beside it, or the machine's) checks engines against 18.
    const env = { ...process.env, PATH: `${dirname(node18)}${delimiter}${process.env.PATH ?? ''}` };
    beforeAll(() => {
      const packed = packInto('innopaas-legacy-');
      dir = packed.dir;
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({
          name: 'legacy-service',
          private: true,
          dependencies: { express: '^4.17', 'innopaas-webhook': `file:./${packed.tarball}` },
        }),
      );
      execFileSync('npm', ['install', '--engine-strict', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts'], {
        cwd: dir,
        env,
        stdio: 'pipe',
      });
      copyFileSync(join(__dirname, 'consumers', 'legacy-express4.cjs'), join(dir, 'service.cjs'));
    }, 180_000);
    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('the middleware answers 200, then 200 duplicate, then 401; the test kit delivers', () => {
      const out = execFileSync(node18, ['service.cjs'], { cwd: dir, env, encoding: 'utf8', timeout: 30_000 });
      const result = JSON.parse(out.trim()) as { node: string };
      expect(result).toEqual({
        node: expect.stringMatching(/^18\./),
        statuses: [200, 200, 401],
        duplicate: true,
        seen: ['from Node 18'],
      });
    });

    test('the CLI validates a captured payload', () => {
      writeFileSync(join(dir, 'event.json'), JSON.stringify(textEvent('captured')));
      const cli = join(dir, 'node_modules', 'innopaas-webhook', 'dist', 'cli.js');
      const out = execFileSync(node18, [cli, 'validate', 'event.json'], { cwd: dir, env, encoding: 'utf8', timeout: 30_000 });
      expect(out).toMatch(/event\.json: valid whatsapp_mo_message_received/);
    });
  });
}
