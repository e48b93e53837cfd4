import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { deliver } from '../lib/testing';
import { AUTH, USER, textEvent } from './helpers/app';
import { NODE_MAJOR } from './helpers/node-line';
import { type Found, findBun, findWorkerd, mustRun } from './helpers/runtimes';

/**
 * The built package's Fetch handler in runtimes that are not Node, each installed from its npm package:
 * Bun (JavaScriptCore; the `bun` devDependency) and workerd, the Cloudflare Workers runtime (V8 isolates
 * with nodejs_compat; the `miniflare` devDependency). Each serves __tests__/runtimes/webhook-app.mjs on a
 * loopback port; deliveries go over real HTTP through the test kit's `deliver`. A missing runtime is
 * skipped locally with the reason printed, and fails under CI.
 */

interface Served {
  origin: string;
  stop(): Promise<void>;
}

const RUNTIMES = join(__dirname, 'runtimes');

/** Bun.serve in a child process; it prints its URL and stops when its stdin closes. */
async function startBun(bun: string): Promise<Served> {
  const child = spawn(bun, [join(RUNTIMES, 'bun-server.mjs')], {
    env: { ...process.env, WEBHOOK_USER: USER, WEBHOOK_AUTH: AUTH },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`Bun did not start within 15 s: ${output}`));
    }, 15_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    child.once('exit', (code) => {
      reject(new Error(`Bun exited with ${code}: ${output}`));
    });
  });
  return {
    origin,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin.end();
      await exited;
    },
  };
}

/** The worker bundled as wrangler would (esbuild, the workerd/worker/browser conditions), run by miniflare. */
async function startWorkerd(): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'innopaas-worker-'));
  const scriptPath = join(dir, 'worker.mjs');
  await build({
    entryPoints: [join(RUNTIMES, 'worker.mjs')],
    outfile: scriptPath,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['browser', 'module', 'main'],
    external: ['node:*'],
    logLevel: 'silent',
  });
  // Loaded here, not at the top: miniflare (its undici) needs Node 20 or later.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Miniflare } = require('miniflare') as typeof import('miniflare');
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    modulesRoot: dir,
    compatibilityDate: '2025-09-01',
    compatibilityFlags: ['nodejs_compat'],
    bindings: { WEBHOOK_USER: USER, WEBHOOK_AUTH: AUTH },
    host: '127.0.0.1',
    port: 0,
  });
  const url = await mf.ready;
  return {
    origin: url.origin,
    stop: async () => {
      await mf.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

type Deliver = typeof deliver;

/**
 * workerd, run locally, closes a connection it answered before reading the request body; a client still
 * sending then sees a reset instead of the answer, at random (Bun and Node read or discard the rest). A
 * deployed Worker sits behind Cloudflare's proxy, which reads the request. So for workerd a delivery that
 * was reset is sent again, a few times: the answer, when it arrives, must still be the table's.
 */
const retryResets: Deliver = async (target, event, options) => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await deliver(target, event, options);
    } catch (error) {
      if (attempt === 10 || (error as NodeJS.ErrnoException).code !== 'ECONNRESET') throw error;
    }
  }
};

const runtimes: [name: string, found: Found, start: (path: string) => Promise<Served>, version: RegExp, send: Deliver][] = [
  ['Bun', findBun(), startBun, /^bun \d/, deliver],
  ['workerd (Cloudflare Workers)', findWorkerd(), () => startWorkerd(), /^Cloudflare-Workers$/, retryResets],
];

for (const [name, found, start, version, send] of runtimes) {
  // Test tooling, not the package: miniflare, which runs workerd here, needs Node 20 or later.
  if (name.startsWith('workerd') && NODE_MAJOR < 20) {
    console.warn(`runtime-fetch.test.ts (${name}) skipped on Node ${process.versions.node}: miniflare needs Node 20 or later`);
    continue;
  }
  (mustRun(`runtime-fetch.test.ts (${name})`, found) ? describe : describe.skip)(
    `the Fetch handler in ${name}, over HTTP`,
    () => {
      let served: Served;
      const credentials = { userName: USER, authorization: AUTH };
      const url = () => `${served.origin}/webhook`;

      beforeAll(async () => {
        served = await start((found as { path: string }).path);
      }, 60_000);
      afterAll(() => served?.stop());

      test('a valid event → 200, the handler gets the typed event and the Request', async () => {
        const event = textEvent(`hello from ${name}`);
        const res = await send(url(), event, { credentials });
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ received: true });
        const seen = (await send(`${served.origin}/seen`, undefined, { method: 'GET' })).body as {
          runtime: string;
          seen: unknown[];
        };
        expect(seen.runtime).toMatch(version);
        expect(seen.seen).toContainEqual({ id: event.id, text: `hello from ${name}`, isRequest: true, eventDate: true });
      });

      test.each([
        ['wrong credentials', 401, 'unauthorized', textEvent(), { credentials: { userName: USER, authorization: 'nope' } }],
        ['no credentials', 401, 'unauthorized', textEvent(), {}],
        ['a text/plain body', 415, 'unsupported_media_type', textEvent(), { credentials, contentType: 'text/plain' }],
        ['a body over the limit', 413, 'payload_too_large', { ...textEvent(), pad: 'x'.repeat(5000) }, { credentials }],
        ['malformed JSON', 400, 'invalid_json', undefined, { credentials, body: '{"id": ' }],
        ['invalid UTF-8', 400, 'invalid_encoding', undefined, { credentials, body: Uint8Array.from([0x7b, 0xc3, 0x28, 0x7d]) }],
        ['a JSON array', 400, 'batch_not_supported', [textEvent()], { credentials }],
        ['an invalid envelope', 400, 'invalid_envelope', { id: 42, type: 'x', body: {} }, { credentials }],
        ['GET', 405, 'method_not_allowed', undefined, { credentials, method: 'GET' }],
      ] as const)('%s → %d %s', async (_case, status, code, event, options) => {
        const res = await send(url(), event, options);
        expect(res.status).toBe(status);
        expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
        expect(res.body).toMatchObject({ status, code });
        expect(res.text).not.toContain(AUTH);
        if (status === 405) expect(res.headers.allow).toBe('POST');
      });

      test("ack: 'immediately' answers at once, and the handler still finishes after the answer", async () => {
        const event = textEvent('after the answer');
        const res = await send(`${served.origin}/webhook-ack`, event, { credentials });
        expect(res.body).toEqual({ received: true });
        const record = { id: event.id, text: 'after the answer', after: 'ack' };
        const seenNow = async () =>
          ((await send(`${served.origin}/seen`, undefined, { method: 'GET' })).body as { seen: unknown[] }).seen;
        expect(await seenNow()).not.toContainEqual(record);
        const deadline = Date.now() + 5000;
        while (!(await seenNow()).some((entry) => JSON.stringify(entry) === JSON.stringify(record)) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect(await seenNow()).toContainEqual(record);
      });

      test('async onError and onDuplicate finish after the answer', async () => {
        const failing = textEvent('fails');
        expect((await send(`${served.origin}/webhook-hooks`, failing, { credentials })).status).toBe(500);
        const handled = textEvent('handled');
        expect((await send(`${served.origin}/webhook-hooks`, handled, { credentials })).status).toBe(200);
        expect((await send(`${served.origin}/webhook-hooks`, handled, { credentials })).body).toEqual({
          received: true,
          duplicate: true,
        });
        const expected = [
          { id: failing.id, hook: 'onError', code: 'handler_failed' },
          { id: handled.id, hook: 'onDuplicate' },
        ];
        const seenNow = async () =>
          ((await send(`${served.origin}/seen`, undefined, { method: 'GET' })).body as { seen: unknown[] }).seen;
        for (const deadline = Date.now() + 3000; Date.now() < deadline;) {
          const seen = await seenNow();
          if (expected.every((record) => seen.some((entry) => JSON.stringify(entry) === JSON.stringify(record)))) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const seen = await seenNow();
        for (const record of expected) expect(seen).toContainEqual(record);
      });

      test('the connectivity test (an empty body) → 200 test', async () => {
        const res = await send(url(), undefined, { credentials });
        expect(res.body).toEqual({ received: true, test: true });
      });

      test('a redelivery → 200 duplicate; a failed handler → 500, and its redelivery runs it again', async () => {
        const event = textEvent();
        expect((await send(url(), event, { credentials })).status).toBe(200);
        expect((await send(url(), event, { credentials })).body).toEqual({ received: true, duplicate: true });
        const failing = textEvent('fail once');
        const first = await send(url(), failing, { credentials });
        expect(first.status).toBe(500);
        expect(first.body).toMatchObject({ code: 'handler_failed' });
        expect(first.text).not.toContain('failing on purpose');
        expect((await send(url(), failing, { credentials })).status).toBe(200);
      });
    },
  );
}
