import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import type { InnopaasEvent } from '../lib';
import { AUTH, USER, createApp } from './helpers/app';
import { STDIN_HINT, itWithTerminal, runOnTerminal } from './helpers/terminal';
import { until } from './helpers/wait';

// INNOPAAS_WEBHOOK_CLI runs another build of the CLI than dist/ (a bundle of the working tree, say).
const CLI = process.env.INNOPAAS_WEBHOOK_CLI ?? join(__dirname, '..', 'dist', 'cli.js');
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
const ENV = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('INNOPAAS_')));

/** Runs the built CLI as a child process; asynchronous, so the server in this process can answer it. */
const cli = (args: string[], input = '', env: NodeJS.ProcessEnv = {}) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { env: { ...ENV, ...env } }, (_error, stdout, stderr) => {
      resolve({ code: child.exitCode, stdout, stderr });
    });
    child.stdin?.end(input);
  });

const dir = mkdtempSync(join(tmpdir(), 'innopaas-cli-send-'));
const EMPTY = join(dir, 'empty.json');
writeFileSync(EMPTY, '');
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const seen: InnopaasEvent[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  const record = async (event: InnopaasEvent) => {
    seen.push(event);
    if (event.type === 'whatsapp_mo_message_received' && event.body.type === 'text' && event.body.text.body === 'boom')
      throw new Error('handler failed');
  };
  const { app } = createApp(express, {
    on: {
      whatsapp_mo_message_received: record,
      whatsapp_message_status_updated: record,
      whatsapp_template_status_updated: record,
    },
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  seen.length = 0;
});

const creds = () => ['--url', url, '--user', USER, '--auth', AUTH];

describe('innopaas-webhook send', () => {
  it('sends one built event: prints 200, exits 0, the handler gets it', async () => {
    const run = await cli(['send', 'whatsapp_message_status_updated', ...creds()]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^200 OK \(\d+ ms\) \{"received":true\}\n$/);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ type: 'whatsapp_message_status_updated', body: { status: 'delivered' } });
  });

  it('wrong credentials: prints 401 and exits 1', async () => {
    const run = await cli(['send', 'whatsapp_message_status_updated', '--url', url, '--user', USER, '--auth', 'wrong']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^401 Unauthorized/);
    expect(seen).toHaveLength(0);
  });

  it('takes the credentials from INNOPAAS_USERNAME / INNOPAAS_AUTHORIZATION', async () => {
    const run = await cli(['send', 'whatsapp_template_status_update', '--url', url], '', {
      INNOPAAS_USERNAME: USER,
      INNOPAAS_AUTHORIZATION: AUTH,
    });
    expect(run.code).toBe(0);
    expect(seen[0]?.type).toBe('whatsapp_template_status_update');
  });

  it('--message-type and --set: values are JSON when they parse, strings otherwise', async () => {
    const run = await cli([
      'send',
      'whatsapp_mo_message_received',
      '-m',
      'location',
      ...creds(),
      '--set',
      'body.location.latitude=1.5',
      '--set',
      'body.location.name=Home',
      '--set',
      'body.customerProfile={"name":"Ana"}',
    ]);
    expect(run.code).toBe(0);
    expect(seen[0]).toMatchObject({
      body: {
        type: 'location',
        location: { latitude: 1.5, longitude: 116.39134, name: 'Home' },
        customerProfile: { name: 'Ana' },
      },
    });
  });

  it('--set of a message type or status starts from that example, as --message-type does', async () => {
    expect((await cli(['send', 'whatsapp_mo_message_received', ...creds(), '--set', 'body.type=document'])).code).toBe(0);
    expect((await cli(['send', 'whatsapp_message_status_updated', ...creds(), '--set', 'body.status=failed'])).code).toBe(0);
    expect(seen[0]).toMatchObject({ body: { type: 'document', document: { filename: 'filename.pdf' } } });
    expect(seen[1]).toMatchObject({ body: { status: 'failed', errorData: { errorCode: '131014' } } });
  });

  it('--count 50 --concurrency 5: a summary with counts and latencies; the handler ran 50 times', async () => {
    const run = await cli(['send', 'whatsapp_mo_message_received', ...creds(), '--count', '50', '--concurrency', '5']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^50 deliveries in [\d.]+ s \(\d+\/s\), concurrency 5\n {2}200 OK {2}50\nlatency p50 [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms\n$/,
    );
    expect(seen).toHaveLength(50);
    expect(new Set(seen.map((event) => event.id)).size).toBe(50);
  });

  it('a handler failure is a 500: exit 1, counted in the summary', async () => {
    const run = await cli(['send', 'whatsapp_mo_message_received', ...creds(), '-n', '3', '--set', 'body.text.body=boom']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('  500 Internal Server Error  3\n');
  });

  it('--file sends a payload byte for byte; - reads it from stdin', async () => {
    const fixture = join(__dirname, 'fixtures', 'status-read.json');
    expect(await cli(['send', '--file', fixture, ...creds()])).toMatchObject({ code: 0 });
    const stdin = await cli(
      ['send', '--file', '-', ...creds(), '--set', 'id=from-stdin'],
      JSON.stringify({ ...seen[0], id: 'x' }),
    );
    // From a pipe: no hint that the payload is awaited.
    expect(stdin).toMatchObject({ code: 0, stderr: '' });
    expect(seen.map((event) => [event.id, (event.body as { status?: string }).status])).toEqual([
      ['cd0a316c-a781-4589-9f5f-5502ccf1f60f', 'read'],
      ['from-stdin', 'read'],
    ]);
  });

  itWithTerminal('--file - on a terminal: one hint on stderr before it waits, then the typed payload is sent', async () => {
    const stderr = join(dir, 'terminal-stderr.txt');
    const terminal = runOnTerminal([process.execPath, CLI, 'send', '--file', '-', ...creds()], stderr, ENV);
    try {
      // Nothing typed yet: the hint must come while the command waits.
      await until(() => existsSync(stderr) && readFileSync(stderr, 'utf8') !== '', 'the hint', 5_000);
      expect(readFileSync(stderr, 'utf8')).toBe(`${STDIN_HINT}\n`);
      expect(seen).toHaveLength(0);
      const event = {
        ...(JSON.parse(readFileSync(join(__dirname, 'fixtures', 'status-read.json'), 'utf8')) as object),
        id: 'typed',
      };
      // Indented: a terminal line holds 4096 bytes at most.
      terminal.type(`${JSON.stringify(event, null, 2)}\n\u0004`);
      expect(await terminal.exited).toBe(0);
      expect(terminal.output()).toMatch(/200 OK \(\d+ ms\) \{"received":true\}/);
      expect(readFileSync(stderr, 'utf8')).toBe(`${STDIN_HINT}\n`);
      expect(seen.map((e) => e.id)).toEqual(['typed']);
    } finally {
      terminal.stop();
    }
  });

  describe('--json', () => {
    const lines = (stdout: string) =>
      stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown);

    it('one delivery: one object { status, ok, ms, body, error }, exit 0', async () => {
      const run = await cli(['send', 'whatsapp_message_status_updated', ...creds(), '--json']);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(lines(run.stdout)).toEqual([
        { status: 200, ok: true, ms: expect.any(Number), body: '{"received":true}', error: null },
      ]);
      expect(seen).toHaveLength(1);
    });

    it('an answer that is not 2xx: ok false, the body as text, exit 1', async () => {
      const run = await cli([
        'send',
        'whatsapp_message_status_updated',
        '--url',
        url,
        '--user',
        USER,
        '--auth',
        'wrong',
        '--json',
      ]);
      expect(run.code).toBe(1);
      const [result] = lines(run.stdout) as [{ body: string }];
      expect(result).toEqual({ status: 401, ok: false, ms: expect.any(Number), body: expect.any(String), error: null });
      expect(JSON.parse(result.body)).toMatchObject({ code: 'unauthorized' });
    });

    it('no answer: status and body null, the error in the object, nothing on stderr, exit 1', async () => {
      const run = await cli(['send', 'chat_mt_message_notify', '--url', 'http://127.0.0.1:1/webhook', '--json']);
      expect(run).toMatchObject({ code: 1, stderr: '' });
      expect(lines(run.stdout)).toEqual([
        { status: null, ok: false, ms: expect.any(Number), body: null, error: expect.stringMatching(/^connect ECONNREFUSED/) },
      ]);
    });

    it('--count 50 --concurrency 5: one summary object with the counts and latencies, exit 0', async () => {
      const run = await cli(['send', 'whatsapp_mo_message_received', ...creds(), '-n', '50', '-c', '5', '--json']);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      const [summary] = lines(run.stdout) as [{ latency: { p50: number; p99: number; max: number } }];
      expect(lines(run.stdout)).toHaveLength(1);
      expect(summary).toEqual({
        deliveries: 50,
        ok: true,
        ms: expect.any(Number),
        perSecond: expect.any(Number),
        concurrency: 5,
        statuses: { 200: 50 },
        errors: {},
        latency: { p50: expect.any(Number), p99: expect.any(Number), max: expect.any(Number) },
      });
      expect(summary.latency.p50).toBeGreaterThan(0);
      expect(summary.latency.p50).toBeLessThanOrEqual(summary.latency.p99);
      expect(summary.latency.p99).toBeLessThanOrEqual(summary.latency.max);
      expect(seen).toHaveLength(50);
    });

    it('a run with failures: counts by status, why none came, no latency without an answer; exit 1', async () => {
      const failed = await cli([
        'send',
        'whatsapp_mo_message_received',
        ...creds(),
        '-n',
        '3',
        '--set',
        'body.text.body=boom',
        '--json',
      ]);
      expect(failed.code).toBe(1);
      expect(lines(failed.stdout)).toEqual([expect.objectContaining({ ok: false, statuses: { 500: 3 }, errors: {} })]);
      const refused = await cli(['send', 'chat_mt_message_notify', '--url', 'http://127.0.0.1:1/webhook', '-n', '2', '--json']);
      expect(refused).toMatchObject({ code: 1, stderr: '' });
      expect(lines(refused.stdout)).toEqual([
        expect.objectContaining({
          deliveries: 2,
          ok: false,
          statuses: { error: 2 },
          errors: { 'connect ECONNREFUSED 127.0.0.1:1': 2 },
          latency: null,
        }),
      ]);
    });
  });

  it('no server listening: the network error on stderr, exit 1', async () => {
    const run = await cli(['send', 'chat_mt_message_notify', '--url', 'http://127.0.0.1:1/webhook']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: connect ECONNREFUSED/);
  });

  it('--help prints the usage and exits 0', async () => {
    const run = await cli(['send', '--help']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('Usage: innopaas-webhook send <type> --url <url>');
    expect(run.stdout).toContain('whatsapp_phone_number_name_update');
  });

  it.each([
    ['an unknown option', ['--frob'], "Unknown option '--frob'"],
    ['no event type', [], 'which event type?'],
    ['an unknown event type', ['nope'], 'unknown event type "nope"'],
    ['an unknown message type', ['whatsapp_mo_message_received', '-m', 'hologram'], 'unknown message type "hologram"'],
    [
      '--message-type on another event',
      ['chat_mo_message_notify', '-m', 'image'],
      '--message-type applies to whatsapp_mo_message_received only',
    ],
    ['--count 0', ['chat_mo_message_notify', '--count', '0'], '--count must be a whole number of at least 1, not "0"'],
    ['--count without a value', ['chat_mo_message_notify', '--count'], "Option '-n, --count <value>' argument missing"],
    ['--set without =', ['chat_mo_message_notify', '--set', 'body'], '--set wants path=value, not "body"'],
    [
      '--set through a string',
      ['chat_mo_message_notify', '--set', 'body.to.x=1'],
      '--set "body.to" is "BUSINESS-PHONE-NUMBER", not an object',
    ],
    ['--set into a prototype', ['chat_mo_message_notify', '--set', '__proto__.x=1'], '--set "__proto__.x" contains "__proto__"'],
    ['a type and --file', ['chat_mo_message_notify', '--file', 'x.json'], 'give an event type or --file, not both'],
    ['a file that does not exist', ['--file', 'missing.json'], 'cannot read missing.json: no such file'],
    ['only --user', ['chat_mo_message_notify', '--user', 'u'], 'give both --user and --auth'],
    ['a URL that is not one', ['chat_mo_message_notify', '--url', 'not a url'], '--url is not a URL that parses'],
    [
      '--timeout above what a timer holds',
      ['chat_mo_message_notify', '--timeout', '99999999999'],
      '--timeout must be a whole number from 1 to 2147483647, not "99999999999"',
    ],
    ['--file of an empty file', ['--file', EMPTY], `${EMPTY} is empty: no payload to send`],
  ])('%s: one-line error, the usage, exit 2, no stack trace', async (_case, args, message) => {
    const run = await cli(['send', ...(args.includes('--url') ? [] : ['--url', url]), ...args]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const [first, blank, usage] = run.stderr.split('\n');
    expect(first).toMatch(/^innopaas-webhook: /);
    expect(first).toContain(message);
    expect([blank, usage]).toEqual(['', 'Usage: innopaas-webhook send <type> --url <url> [options]']);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(seen).toHaveLength(0);
  });

  it('a URL that does not parse is never echoed: it may hold credentials', async () => {
    const given = await cli(['send', 'chat_mo_message_notify', '--url', 'http://user:pa/ss-secret@127.0.0.1:1/webhook']);
    expect(given.code).toBe(2);
    expect(given.stderr).toMatch(/^innopaas-webhook: --url is not a URL that parses \(not shown: it may hold credentials\)\n/);
    const env = await cli(['send', 'chat_mo_message_notify'], '', { INNOPAAS_WEBHOOK_URL: 'http://user:pa/ss-secret@h/webhook' });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/^innopaas-webhook: INNOPAAS_WEBHOOK_URL is not a URL that parses/);
    expect(given.stderr + env.stderr).not.toContain('ss-secret');
  });

  it.each([
    ['empty', ''],
    ['blank', ' \r\n\t'],
  ])('--file - with %s stdin: refused (exit 2), nothing sent, not the connectivity probe', async (_case, input) => {
    const run = await cli(['send', '--file', '-', ...creds()], input);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^innopaas-webhook: stdin is empty: no payload to send\n/);
    expect(seen).toHaveLength(0);
  });

  it('--file with a UTF-8 byte order mark: sent as is, and with --set too, as the middleware accepts it', async () => {
    const path = join(dir, 'bom.json');
    // An id of its own: the app dedupes, and the fixture's id was delivered by an earlier test.
    const event = {
      ...(JSON.parse(readFileSync(join(__dirname, 'fixtures', 'status-read.json'), 'utf8')) as object),
      id: 'bom-1',
    };
    writeFileSync(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(event))]));
    expect(await cli(['send', '--file', path, ...creds()])).toMatchObject({ code: 0, stderr: '' });
    expect(await cli(['send', '--file', path, ...creds(), '--set', 'id=with-set'])).toMatchObject({ code: 0, stderr: '' });
    expect(seen.map((e) => e.id)).toEqual([event.id, 'with-set']);
  });

  it('without --url or INNOPAAS_WEBHOOK_URL: exit 2', async () => {
    const run = await cli(['send', 'chat_mo_message_notify']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^innopaas-webhook: --url is required \(or set INNOPAAS_WEBHOOK_URL\)\n/);
  });
});
