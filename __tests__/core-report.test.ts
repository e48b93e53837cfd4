import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AUTH, USER, textEvent } from './helpers/app';

// What a newcomer sees on the terminal when a handler fails: a real Express service in a child process,
// a delivery over HTTP, then everything the process wrote on stderr.

const ROOT = path.join(__dirname, '..');
if (!existsSync(path.join(ROOT, 'dist', 'index.js'))) {
  throw new Error('dist/index.js is missing: run npm run build first (the service requires the built package).');
}

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/** Starts the service, posts `payload` once, stops it gracefully; the answer and what it printed. */
async function deliverTo(
  scenario: string,
  payload: unknown,
  express = 'express',
  credentials = { UserName: USER, Authorization: AUTH },
): Promise<Run> {
  const child = spawn(process.execPath, [path.join(__dirname, 'helpers', 'stderr-server.js')], {
    cwd: ROOT,
    env: { ...process.env, SCENARIO: scenario, EXPRESS: express, DEBUG: '', U: USER, A: AUTH },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  try {
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        const match = /port (\d+)/.exec(stdout);
        if (match) resolve(match[1] as string);
      });
      void exited.then(() => {
        reject(new Error(`the service exited before listening:\n${stderr}`));
      });
    });
    const response = await fetch(`http://127.0.0.1:${port}/webhook`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...credentials },
      body: JSON.stringify(payload),
    });
    await response.arrayBuffer();
    child.kill('SIGTERM');
    await exited;
    return { status: response.status, stdout, stderr };
  } finally {
    child.kill('SIGKILL');
  }
}

/** The printed blocks, one per reported error: each starts with the package's name. */
const blocks = (stderr: string) => stderr.split(/^(?=innopaas-webhook: )/m).filter((block) => block.trim() !== '');

describe('without onError, a reported error is printed once on stderr', () => {
  test.each(['express', 'express4'])('a handler that throws: 500, its message and stack on stderr (%s)', async (express) => {
    const event = textEvent('hello');
    const run = await deliverTo('default', event, express);
    expect(run.status).toBe(500);
    const printed = blocks(run.stderr);
    expect(printed).toHaveLength(1);
    const [header, cause, frame] = (printed[0] as string).split('\n');
    expect(header).toMatch(
      new RegExp(
        `^innopaas-webhook: The whatsapp_mo_message_received handler failed.* \\(handler_failed, event "${event.id}"\\)$`,
      ),
    );
    expect(cause).toBe('Error: db down');
    // The user's own frame, where the error was thrown.
    expect(frame).toMatch(/^ {4}at failingHandler \(.*stderr-server\.js:\d+:\d+\)$/);
  });

  test('a rejected non-Error is printed as text', async () => {
    const run = await deliverTo('rejectsString', textEvent());
    expect(run.status).toBe(500);
    expect(blocks(run.stderr)).toEqual([expect.stringMatching(/\(handler_failed, event "[^"]+"\)\nplain string\n$/)]);
  });

  test('a cause of the cause is printed under it', async () => {
    const run = await deliverTo('wrapped', textEvent());
    const [block] = blocks(run.stderr);
    expect(block).toMatch(/\nError: query failed\n(\s+at .*\n)+\[cause\]: Error: connect ECONNREFUSED 127\.0\.0\.1:5432\n/);
  });

  test("with ack: 'immediately', the background failure is printed after the 200", async () => {
    const run = await deliverTo('immediately', textEvent());
    expect(run.status).toBe(200);
    expect(blocks(run.stderr)).toEqual([expect.stringContaining('\nError: db down\n')]);
  });

  test('a dedupe store failure is printed too (503)', async () => {
    const run = await deliverTo('storeDown', textEvent());
    expect(run.status).toBe(503);
    expect(blocks(run.stderr)).toEqual([
      expect.stringMatching(/^innopaas-webhook: .*\(dedupe_unavailable, event .*\nError: redis unreachable\n/),
    ]);
  });

  test('a handler error quoting the credentials: printed with them cut out, the longer one whole', async () => {
    const secret = 'acme-prod-9f8e7d6c5b4a39281706';
    const run = await deliverTo('quotesCredentials', textEvent(), 'express', { UserName: 'acme-prod', Authorization: secret });
    expect(run.status).toBe(500);
    const [block] = blocks(run.stderr);
    expect(block).toContain('\nError: upstream refused Authorization=[redacted]\n');
    expect(run.stderr).not.toContain('9f8e7d6c5b4a39281706');
    expect(run.stderr).not.toContain('acme-prod');
  });

  test("an unknown event's type cannot forge a line of its own", async () => {
    const run = await deliverTo('unknownType', { ...textEvent(), type: 'new_type\ninnopaas-webhook: forged' });
    expect(run.status).toBe(500);
    const printed = blocks(run.stderr);
    expect(printed).toHaveLength(1);
    expect(printed[0]).toContain('new_type\\u000ainnopaas-webhook: forged');
  });
});

describe('onError given or false: nothing is printed', () => {
  test('onError: false silences the default, the answer stays 500', async () => {
    const run = await deliverTo('silenced', textEvent());
    expect(run.status).toBe(500);
    expect(run.stderr).toBe('');
  });

  test("the app's own onError replaces the default and reads the handler's error as err.cause", async () => {
    const run = await deliverTo('own', textEvent());
    expect(run.status).toBe(500);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('own onError: handler_failed: db down');
  });
});
