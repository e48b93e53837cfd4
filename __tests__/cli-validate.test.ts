import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { EVENT_TYPES, eventSchema } from '../lib/events';
import { deliver } from '../lib/testing';
import { AUTH, USER, createApp } from './helpers/app';
import { fixture } from './fixtures';
import { STDIN_HINT, itWithTerminal, runOnTerminal } from './helpers/terminal';
import { until } from './helpers/wait';

// INNOPAAS_WEBHOOK_CLI runs another build of the CLI than dist/ (a bundle of the working tree, say).
const CLI = process.env.INNOPAAS_WEBHOOK_CLI ?? join(__dirname, '..', 'dist', 'cli.js');
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
const FIXTURES = join(__dirname, 'fixtures');

/** Runs the built CLI as a child process, `input` on its stdin. */
const cli = (args: string[], input = '') =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], (_error, stdout, stderr) => {
      resolve({ code: child.exitCode, stdout, stderr });
    });
    child.stdin?.end(input);
  });

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'innopaas-cli-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeJson(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

describe('innopaas-webhook validate', () => {
  it('a valid fixture: exit 0, says what it is', async () => {
    const run = await cli(['validate', join(FIXTURES, 'mo-image.json')]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(
      `${join(FIXTURES, 'mo-image.json')}: valid whatsapp_mo_message_received (message type image), id b5e984b3-21b2-42a9-b08b-72e5a4096ac6\n`,
    );
  });

  it('every fixture at once: exit 0', async () => {
    const files = readdirSync(FIXTURES)
      .filter((file) => file.endsWith('.json'))
      .map((file) => join(FIXTURES, file));
    const run = await cli(['validate', ...files]);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(files.length);
  });

  it('an invalid payload: exit 1, each problem with its JSON path', async () => {
    const event = fixture('status-failed');
    delete event.body.wamid;
    event.body.status = 5;
    const path = writeJson('invalid.json', event);
    const run = await cli(['validate', path]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      `${path}: invalid (invalid_event): The body does not match the whatsapp_message_status_updated schema.\n` +
        '  /body/wamid: required, missing\n' +
        '  /body/status: must be string\n',
    );
  });

  it("an inbound message lacking its content: the path of the content, without ajv's if/then echo", async () => {
    const event = fixture('mo-image');
    delete event.body.image;
    const run = await cli(['validate', writeJson('no-image.json', event)]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('  /body/image: required, missing\n');
    expect(run.stdout).not.toContain('then');
  });

  it('a broken envelope: the envelope paths', async () => {
    const run = await cli(['validate', '-'], JSON.stringify({ id: 7, type: 'x', body: {} }));
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      '<stdin>: invalid (invalid_envelope): The body is not an InnoPaaS event envelope { id, type, eventTime, body }.\n  /eventTime: required, missing\n  /id: must be string\n',
    );
  });

  it('--json: one object per file, for scripts and CI: the verdict, the type, the problems with their paths', async () => {
    const invalid = fixture('status-failed');
    delete invalid.body.wamid;
    const paths = [
      join(FIXTURES, 'mo-image.json'),
      writeJson('json-invalid.json', invalid),
      writeJson('json-probe.json', '{}'),
      writeJson('json-broken.json', '{"id":'),
    ];
    const run = await cli(['validate', '--json', ...paths]);
    expect(run).toMatchObject({ code: 1, stderr: '' });
    const lines = run.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      {
        file: paths[0],
        valid: true,
        result: 'valid',
        type: 'whatsapp_mo_message_received',
        messageType: 'image',
        id: 'b5e984b3-21b2-42a9-b08b-72e5a4096ac6',
        warnings: [],
      },
      {
        file: paths[1],
        valid: false,
        result: 'invalid_event',
        message: 'The body does not match the whatsapp_message_status_updated schema.',
        problems: [{ path: '/body/wamid', message: 'required, missing' }],
        warnings: [],
      },
      { file: paths[2], valid: true, result: 'connectivity_test', warnings: [] },
      { file: paths[3], valid: false, result: 'invalid_json', message: expect.stringMatching(/^not JSON \(/), warnings: [] },
    ]);
  });

  it('- reads stdin; from a pipe, with no hint on stderr', async () => {
    const run = await cli(['validate', '-'], readFileSync(join(FIXTURES, 'status-read.json'), 'utf8'));
    expect(run).toEqual({
      code: 0,
      stdout: '<stdin>: valid whatsapp_message_status_updated, id cd0a316c-a781-4589-9f5f-5502ccf1f60f\n',
      stderr: '',
    });
  });

  itWithTerminal('- on a terminal: one hint on stderr before it waits, then the typed payload is validated', async () => {
    const stderr = join(dir, 'terminal-stderr.txt');
    const terminal = runOnTerminal([process.execPath, CLI, 'validate', '-'], stderr);
    try {
      // Nothing typed yet: the hint must come while the command waits.
      await until(() => existsSync(stderr) && readFileSync(stderr, 'utf8') !== '', 'the hint', 5_000);
      expect(readFileSync(stderr, 'utf8')).toBe(`${STDIN_HINT}\n`);
      // Indented: a terminal line holds 4096 bytes at most.
      terminal.type(`${JSON.stringify(fixture('status-read'), null, 2)}\n\u0004`);
      expect(await terminal.exited).toBe(0);
      expect(terminal.output()).toContain(
        '<stdin>: valid whatsapp_message_status_updated, id cd0a316c-a781-4589-9f5f-5502ccf1f60f',
      );
      expect(readFileSync(stderr, 'utf8')).toBe(`${STDIN_HINT}\n`);
    } finally {
      terminal.stop();
    }
  });

  it.each([
    ['not JSON', '{"id":', /^<stdin>: invalid: not JSON \(/],
    ['a batch', '[{}]', /^<stdin>: invalid \(batch_not_supported\)/],
  ])('%s: exit 1', async (_case, input, expected) => {
    const run = await cli(['validate', '-'], input);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(expected);
  });

  it('a type outside the catalogue passes on its envelope, and says so', async () => {
    const run = await cli(['validate', '-'], JSON.stringify({ id: '1', type: 'whatsapp_new_thing', eventTime: 'now', body: {} }));
    expect(run).toMatchObject({
      code: 0,
      stdout: '<stdin>: valid envelope; type "whatsapp_new_thing" is not in the catalogue, so its body was not checked\n',
    });
  });

  it.each([
    ['no file', [], 'which file? give a path, or - for stdin'],
    ['a missing file', ['missing.json'], 'cannot read missing.json: no such file'],
    ['stdin twice', ['-', '-'], 'stdin (-) can be read only once'],
    ['an unknown option', ['--strict', 'x.json'], "Unknown option '--strict'"],
  ])('%s: exit 2, one line and the usage', async (_case, args, message) => {
    const run = await cli(['validate', ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(
        `^innopaas-webhook: [^\\n]*${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^\\n]*\\n\\nUsage: innopaas-webhook validate`,
      ),
    );
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('innopaas-webhook validate agrees with the middleware on the same bytes', () => {
  const { app } = createApp(express, { on: {}, onUnknownEvent: () => undefined });
  const text = readFileSync(join(FIXTURES, 'mo-text.json'));
  const badUtf8 = Buffer.from(text);
  badUtf8[badUtf8.indexOf('IW123456')] = 0xff;

  it.each([
    [
      'a UTF-8 byte order mark',
      200,
      0,
      ': valid whatsapp_mo_message_received',
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text]),
    ],
    ['bytes that are not UTF-8', 400, 1, ': invalid (invalid_encoding): ', badUtf8],
    ['an empty file', 200, 0, ': connectivity test', Buffer.alloc(0)],
    ['a blank file', 200, 0, ': connectivity test', Buffer.from(' \r\n\t')],
    ['{}', 200, 0, ': connectivity test', Buffer.from('{}')],
  ])('%s: the middleware answers %d, validate exits %d', async (_case, status, code, verdict, bytes) => {
    const answer = await deliver(app, undefined, { body: bytes, credentials: { userName: USER, authorization: AUTH } });
    expect(answer.status).toBe(status);
    const path = writeJson('same-bytes.json', '');
    writeFileSync(path, bytes);
    const run = await cli(['validate', path]);
    expect(run.code).toBe(code);
    expect(run.stdout).toContain(`${path}${verdict}`);
  });

  it('above 1 MB: the middleware answers 413 with its default limit, and validate warns so', async () => {
    const event = JSON.parse(text.toString('utf8')) as { body: { text: { body: string } } };
    event.body.text.body = 'x'.repeat(1024 * 1024);
    const bytes = Buffer.from(JSON.stringify(event));
    const answer = await deliver(app, undefined, { body: bytes, credentials: { userName: USER, authorization: AUTH } });
    expect(answer.status).toBe(413);
    const path = writeJson('large.json', bytes.toString('utf8'));
    const run = await cli(['validate', path]);
    expect(run.stdout).toContain(
      `${path}: warning: ${bytes.length} bytes, over the middleware's default limit of 1mb (1048576 bytes): with default options it answers 413\n`,
    );
  });
});

describe('innopaas-webhook schemas', () => {
  it('a reader that closes the pipe early (schemas | true): a quiet exit, no stack trace', async () => {
    const child = spawn(process.execPath, [CLI, 'schemas'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Closed before the CLI writes: its write then fails with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('--out writes envelope.json and one file per event type, equal to eventSchema()', async () => {
    const out = join(dir, 'schemas');
    const run = await cli(['schemas', '--out', out]);
    expect(run.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['envelope.json', ...EVENT_TYPES.map((type) => `${type}.json`)].sort());
    for (const type of EVENT_TYPES)
      expect(JSON.parse(readFileSync(join(out, `${type}.json`), 'utf8'))).toEqual(eventSchema(type));
    expect(run.stdout).toContain(`wrote ${join(out, 'envelope.json')}\n`);
  });

  it('without --out prints every schema as one JSON object', async () => {
    const run = await cli(['schemas']);
    expect(run.code).toBe(0);
    const all = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(Object.keys(all).sort()).toEqual(['envelope', ...EVENT_TYPES].sort());
    expect(all.whatsapp_mo_message_received).toEqual(eventSchema('whatsapp_mo_message_received'));
  });

  it('an extra argument: exit 2', async () => {
    expect((await cli(['schemas', 'out'])).code).toBe(2);
  });
});

describe('innopaas-webhook (global)', () => {
  it.each([['--help'], ['-h'], ['help']])('%s prints the usage, exit 0', async (flag) => {
    const run = await cli([flag]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^Usage: innopaas-webhook <command> \[options\]\n/);
  });

  it.each(['send', 'validate', 'schemas'])("%s --help and help %s print that command's usage", async (command) => {
    for (const args of [
      [command, '--help'],
      ['help', command],
    ]) {
      const run = await cli(args);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^Usage: innopaas-webhook ${command}`));
    }
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(await cli(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it.each([
    ['no command', [], 'missing command'],
    ['an unknown command', ['frob'], 'unknown command "frob"'],
    ['an unknown option', ['--frob'], "Unknown option '--frob'"],
    ['help for an unknown command', ['help', 'frob'], 'unknown command "frob"'],
  ])('%s: exit 2, one line and the usage, no stack trace', async (_case, args, message) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`innopaas-webhook: ${message}\n\n${(await cli(['--help'])).stdout}`);
  });

  it('the built file starts with a shebang and is executable', () => {
    expect(readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(CLI).mode & 0o111).not.toBe(0);
  });
});
