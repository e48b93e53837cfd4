import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

// `node example-app/server.js` as a newcomer runs it: its banner, the curl command it prints, and
// a graceful exit on SIGTERM.

const ROOT = path.join(__dirname, '..');
if (!existsSync(path.join(ROOT, 'dist', 'index.js'))) {
  throw new Error('dist/index.js is missing: run npm run build first (the example app requires the built package).');
}

interface Server {
  child: ChildProcess;
  output: () => string;
  waitForOutput: (pattern: RegExp) => Promise<RegExpMatchArray>;
  waitForUrl: () => Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();
afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
});

function startServer(env: Record<string, string>, args: string[] = []): Server {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(INNOPAAS_|INSPECTOR|PORT$|HOST$|ACK$|QUEUE$|REDIS_URL$)/.test(name)),
  );
  const child = spawn(process.execPath, ['example-app/server.js', ...args], {
    cwd: ROOT,
    env: { ...clean, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const waiters: (() => void)[] = [];
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (const waiter of waiters.splice(0)) waiter();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  const waitForOutput = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no ${String(pattern)} in the output:\n${output}`));
      }, 10_000);
      const check = () => {
        const match = pattern.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match);
        } else waiters.push(check);
      };
      check();
    });
  /** The URL the server prints once it listens. */
  const waitForUrl = async (): Promise<string> => {
    const [, url] = await waitForOutput(/listening on (http:\/\/127\.0\.0\.1:\d+)\n/);
    if (url === undefined) throw new Error('the listening line has no URL');
    return url;
  };
  return { child, output: () => output, waitForOutput, waitForUrl, exit };
}

/**
 * Splits a printed POSIX command into words: `\`+newline joins lines, '…' is literal (`'\''` is a
 * quote), "…" expands `$VAR` from `env`. Just enough for the command the banner prints.
 */
function shellWords(command: string, env: Record<string, string>): string[] {
  const words: string[] = [];
  const pattern = /'((?:[^']|'\\'')*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const [, single, double, bare] of command.replace(/\\\n/g, ' ').matchAll(pattern)) {
    if (single !== undefined) words.push(single.replace(/'\\''/g, "'"));
    else if (double !== undefined) words.push(double.replace(/\$([A-Z_]+)/g, (_, name: string) => env[name] ?? ''));
    else words.push(bare as string);
  }
  return words;
}

/** Does what the printed `curl -i -X POST URL -H … --data …` does, with fetch. */
async function runCurl(words: string[]): Promise<Response> {
  expect(words.slice(0, 4)).toEqual(['curl', '-i', '-X', 'POST']);
  const headers: Record<string, string> = {};
  let body: string | undefined;
  for (let i = 5; i < words.length; i += 2) {
    const [flag, value] = [words[i], words[i + 1] as string];
    if (flag === '-H') headers[value.slice(0, value.indexOf(':'))] = value.slice(value.indexOf(':') + 1).trim();
    else if (flag === '--data') body = value;
    else throw new Error(`unexpected curl argument ${String(flag)}`);
  }
  return fetch(words[4] as string, { method: 'POST', headers, body });
}

const curlOf = (output: string) => output.slice(output.indexOf('curl '), output.indexOf("}'", output.indexOf('curl ')) + 2);

describe('node example-app/server.js', () => {
  test('prints the URL, the demo credentials and a curl command that works; SIGTERM exits 0', async () => {
    const server = startServer({ INSPECTOR: '1' });
    const url = await server.waitForUrl();
    const output = server.output();
    expect(output).toContain(`Webhook URL    ${url}/webhook`);
    expect(output).toMatch(/UserName {7}demo-user/);
    expect(output).toMatch(/Authorization {2}demo-secret/);
    expect(output).toContain(`Inspector      ${url}/  (basic auth: demo-user / demo-secret)`);

    const words = shellWords(curlOf(output), {});
    expect(words[4]).toBe(`${url}/webhook`);
    const response = await runCurl(words);
    expect(response.status).toBe(200);
    await server.waitForOutput(/inbound text from PHONE-NUMBER: "OK"/);

    const page = await fetch(`${url}/`, {
      headers: { Authorization: `Basic ${Buffer.from('demo-user:demo-secret').toString('base64')}` },
    });
    expect(page.status).toBe(200);

    server.child.kill('SIGTERM');
    expect(await server.exit).toEqual({ code: 0, signal: null });
    expect(server.output()).toMatch(/SIGTERM received: no new connections/);
    expect(server.output()).toMatch(/shut down cleanly\n$/);
  });

  test('credentials from the environment: the secret is never printed, the curl command reads it from there', async () => {
    const env = { INNOPAAS_USERNAME: 'acme', INNOPAAS_AUTHORIZATION: "S3cret-with-'quote" };
    const server = startServer(env);
    await server.waitForOutput(/Send it a sample/);
    const output = server.output();
    expect(output).not.toContain('S3cret');
    expect(output).toMatch(/UserName {7}acme\n/);
    expect(output).toContain('(from INNOPAAS_AUTHORIZATION, not shown)');
    expect(output).toMatch(/Inspector {6}off \(start with INSPECTOR=1/);
    expect(output).toContain('-H "Authorization: $INNOPAAS_AUTHORIZATION"');
    expect((await runCurl(shellWords(curlOf(output), env))).status).toBe(200);
    server.child.kill('SIGINT');
    expect((await server.exit).code).toBe(0);
  });

  test('with ack "immediately" and an inspector page open, SIGTERM still drains and exits 0', async () => {
    const server = startServer({ ACK: 'immediately' }, ['--inspector']);
    const url = await server.waitForUrl();
    const auth = `Basic ${Buffer.from('demo-user:demo-secret').toString('base64')}`;
    // An open event stream would hold server.close() forever if the shutdown did not end it.
    const stream = await fetch(`${url}/inspector/events`, { headers: { Authorization: auth } });
    expect(stream.status).toBe(200);
    const response = await runCurl(shellWords(curlOf(server.output()), {}));
    expect(response.status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exit).toEqual({ code: 0, signal: null });
    expect(server.output()).toMatch(/inbound text from PHONE-NUMBER: "OK"[\s\S]*shut down cleanly/);
    await stream.body?.cancel().catch(() => undefined);
  });

  test('HOST beyond localhost with the demo credentials prints a warning', async () => {
    const server = startServer({ HOST: '0.0.0.0' });
    await server.waitForOutput(/Send it a sample/);
    expect(server.output()).toMatch(/listening on http:\/\/localhost:\d+/);
    expect(server.output()).toContain('WARNING: listening beyond localhost with the public demo credentials');
    server.child.kill('SIGTERM');
    expect((await server.exit).code).toBe(0);
  });

  test('queue mode (--queue): a web process and a worker process sharing a local Redis; the inspector shows the job done; SIGTERM stops both', async () => {
    const server = startServer({}, ['--inspector', '--queue']);
    const [, url] = await server.waitForOutput(/listening on (http:\/\/127\.0\.0\.1:\d+)\n/);
    await server.waitForOutput(/\[worker\] ready/);
    const auth = `Basic ${Buffer.from('demo-user:demo-secret').toString('base64')}`;
    expect((await runCurl(shellWords(curlOf(server.output()), {}))).status).toBe(200);
    await server.waitForOutput(/\[worker\] inbound text from PHONE-NUMBER: "OK"/);
    let outcome: unknown;
    for (const deadline = Date.now() + 10_000; outcome !== 'done' && Date.now() < deadline;) {
      const deliveries = (await (await fetch(`${url}/inspector/deliveries`, { headers: { Authorization: auth } })).json()) as {
        outcome: string;
      }[];
      outcome = deliveries[0]?.outcome;
      if (outcome !== 'done') await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(outcome).toBe('done');
    server.child.kill('SIGTERM');
    expect(await server.exit).toEqual({ code: 0, signal: null });
    expect(server.output()).toMatch(/\[worker\] shut down cleanly[\s\S]*shut down cleanly/);
  });
});
