import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Credentials are never logged nor echoed. A child process with debug output switched on the way a user
 * would (`DEBUG=innopaas-webhook*`, or everything with `DEBUG=*`) builds the middleware from the built
 * package, serves right, wrong and near-miss credentials and every kind of rejection on a plain
 * node:http server, and prints each answer. Neither its stderr (the debug log) nor its stdout (the
 * answers) may contain any credential sent or configured.
 */

const DIST = join(__dirname, '..', 'dist', 'index.js');
const secret = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;
const USER = secret('user');
const AUTH = secret('auth');
const NEXT_USER = secret('next-user');
const NEXT_AUTH = secret('next-auth');
const WRONG_AUTH = secret('wrong-auth');
// A typo of the real value: the kind of near miss a careless log line would make readable.
const NEAR_MISS = `${AUTH.slice(0, -1)}x`;

// Runs in the child: plain JavaScript, the middleware from dist, requests to itself over loopback.
const CHILD = `
const http = require('node:http');
const { innopaasWebhook } = require(${JSON.stringify(DIST)});
const [USER, AUTH, NEXT_USER, NEXT_AUTH, WRONG_AUTH, NEAR_MISS] = JSON.parse(process.env.SECRETS);
const mw = innopaasWebhook({
  credentials: [{ userName: USER, authorization: AUTH }, { userName: NEXT_USER, authorization: NEXT_AUTH }],
  limit: 2048,
  // A handler's own error is the app's to print (and printed on stderr by default): it holds no secret here.
  on: { whatsapp_mo_message_received: (event) => { if (event.body.text.body === 'fail') throw new Error('handler failed on purpose'); } },
  onInvalidEvent: () => {},
});
const event = (id, text) => JSON.stringify({ id, type: 'whatsapp_mo_message_received', eventTime: '2023-02-22T12:00:00.000Z',
  body: { id: 'm', accountName: 'a', wabaId: 'w', wamid: 'x', from: 'f', to: 't', sendTime: 's', type: 'text', text: { body: text } } });
const good = { UserName: USER, Authorization: AUTH };
const requests = [
  [good, event('e-1', 'hello')],
  [good, event('e-1', 'hello')],
  [{ UserName: NEXT_USER, Authorization: NEXT_AUTH }, event('e-2', 'rotated')],
  [{ UserName: USER, Authorization: WRONG_AUTH }, event('e-3', 'wrong')],
  [{ UserName: USER, Authorization: NEAR_MISS }, event('e-4', 'near miss')],
  [{ UserName: NEXT_USER, Authorization: AUTH }, event('e-5', 'swapped pair')],
  [{ UserName: USER }, event('e-6', 'half')],
  [{}, event('e-7', 'none')],
  [good, '{"id": "' + AUTH],
  [good, JSON.stringify({ id: AUTH })],
  [good, event('e-8', 'x'.repeat(4096))],
  [good, event('e-9', 'fail')],
  [{ ...good, 'Content-Type': 'text/plain' }, event('e-10', 'text')],
];
const server = http.createServer((req, res) => mw(req, res, () => { res.statusCode = 404; res.end(); }));
server.listen(0, '127.0.0.1', async () => {
  for (const [headers, body] of requests) {
    const answer = await new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: server.address().port, path: '/', method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers } }, (res) => {
        let text = '';
        res.on('data', (c) => { text += c; });
        res.on('end', () => resolve(res.statusCode + ' ' + JSON.stringify(res.headers) + ' ' + text));
      });
      req.on('error', reject);
      req.end(body);
    });
    console.log(answer);
  }
  server.close();
});
`;

function runChild(debug: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = {
      ...process.env,
      DEBUG: debug,
      DEBUG_COLORS: 'no',
      SECRETS: JSON.stringify([USER, AUTH, NEXT_USER, NEXT_AUTH, WRONG_AUTH, NEAR_MISS]),
    };
    const child = spawn(process.execPath, ['-e', CHILD], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.each(['innopaas-webhook*', '*'])('DEBUG=%s in a child process', (debug) => {
  let run: { code: number | null; stdout: string; stderr: string };
  beforeAll(async () => {
    if (!existsSync(DIST)) throw new Error('dist/index.js is missing: run npm run build');
    run = await runChild(debug);
  });

  test('the child served every request and its debug log is on', () => {
    expect(run.code).toBe(0);
    expect(
      run.stdout
        .trim()
        .split('\n')
        .map((line) => line.slice(0, 3)),
    ).toEqual(['200', '200', '200', '401', '401', '401', '401', '401', '400', '400', '413', '500', '415']);
    expect(run.stderr).toMatch(/innopaas-webhook created with/);
    expect(run.stderr).toMatch(/401: credentials missing or wrong/);
    expect(run.stderr).toMatch(/200 duplicate/);
    // The failing handler's error is printed for the operator, and never answered to the sender.
    expect(run.stderr).toMatch(/^Error: handler failed on purpose$/m);
    expect(run.stdout).not.toContain('on purpose');
  });

  test.each([
    ['the configured UserName', USER],
    ['the configured Authorization', AUTH],
    ['the rotated UserName', NEXT_USER],
    ['the rotated Authorization', NEXT_AUTH],
    ['a wrong Authorization', WRONG_AUTH],
    ['a near miss of the Authorization', NEAR_MISS],
  ])('%s appears in neither the debug log nor any answer', (_name, value) => {
    expect(run.stderr).not.toContain(value);
    expect(run.stdout).not.toContain(value);
    // Not even in part: the random half of each secret is unique to this run.
    const randomPart = value.slice(-24);
    expect(run.stderr).not.toContain(randomPart);
    expect(run.stdout).not.toContain(randomPart);
  });
});
