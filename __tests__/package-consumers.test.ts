import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { textEvent } from './helpers/app';

const root = resolve(__dirname, '..');

/** Installs the packed tarball into a fresh CommonJS and ESM consumer, as a user would. */
describe('the packed tarball works from require() and from import', () => {
  let dir: string;
  beforeAll(() => {
    if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` before `npm test`.');
    dir = mkdtempSync(join(tmpdir(), 'innopaas-consumer-'));
    execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: root, stdio: 'pipe' });
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error('npm pack produced no tarball');
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, dependencies: { 'innopaas-webhook': `file:./${tarball}` } }),
    );
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts'], {
      cwd: dir,
      stdio: 'pipe',
    });
    for (const file of ['smoke.cjs', 'smoke.mjs']) copyFileSync(join(__dirname, 'consumers', file), join(dir, file));
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
