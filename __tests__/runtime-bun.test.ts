import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { deliver } from '../lib/testing';
import { AUTH, USER, textEvent } from './helpers/app';
import { bunSuite } from './helpers/bun';

/**
 * The built package's Fetch handler in a runtime that is not Node: Bun (JavaScriptCore), installed from
 * its npm package (the `bun` devDependency ships the binary). Deliveries go over real HTTP, through the
 * test kit's `deliver`. Locally the suite is skipped, saying why, when the binary is missing; under CI
 * it must run.
 */

const { bun, describe: describeInBun } = bunSuite('runtime-bun.test.ts');

describeInBun('the Fetch handler in Bun, over HTTP', () => {
  let child: ChildProcess;
  let origin: string;
  let stderr = '';
  const credentials = { userName: USER, authorization: AUTH };

  beforeAll(async () => {
    child = spawn(bun as string, [join(__dirname, 'runtimes', 'fetch-server.mjs')], {
      env: { ...process.env, WEBHOOK_USER: USER, WEBHOOK_AUTH: AUTH },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    origin = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`Bun did not start within 15 s: ${out}${stderr}`)), 15_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening (\S+)/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(match[1] as string);
        }
      });
      child.once('exit', (code) => reject(new Error(`Bun exited with ${code}: ${out}${stderr}`)));
    });
  });
  afterAll(async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin?.end();
    await exited;
    expect(stderr).toBe('');
  });

  const url = () => `${origin}/webhook`;

  test('a valid event → 200, the handler gets the typed event and the Request', async () => {
    const event = textEvent('hello from bun');
    const res = await deliver(url(), event, { credentials });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true });
    const seen = (await deliver(`${origin}/seen`, undefined, { method: 'GET' })).body as {
      runtime: string;
      seen: unknown[];
    };
    expect(seen.runtime).toMatch(/^bun \d/);
    expect(seen.seen).toContainEqual({ id: event.id, text: 'hello from bun', isRequest: true, eventDate: true });
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
    const res = await deliver(url(), event, options);
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.body).toMatchObject({ status, code });
    expect(res.text).not.toContain(AUTH);
    if (status === 405) expect(res.headers.allow).toBe('POST');
  });

  test('the connectivity test (an empty body) → 200 test', async () => {
    const res = await deliver(url(), undefined, { credentials });
    expect(res.body).toEqual({ received: true, test: true });
  });

  test('a redelivery → 200 duplicate; a failed handler → 500, and its redelivery runs it again', async () => {
    const event = textEvent();
    expect((await deliver(url(), event, { credentials })).status).toBe(200);
    expect((await deliver(url(), event, { credentials })).body).toEqual({ received: true, duplicate: true });
    const failing = textEvent('fail once');
    const first = await deliver(url(), failing, { credentials });
    expect(first.status).toBe(500);
    expect(first.body).toMatchObject({ code: 'handler_failed' });
    expect(first.text).not.toContain('failing on purpose');
    expect((await deliver(url(), failing, { credentials })).status).toBe(200);
  });
});
