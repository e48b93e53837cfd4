import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import path from 'node:path';
import samples from '../example-app/samples.json';
import { describeWithRedis } from './helpers/redis-server';
import { until } from './helpers/wait';

// `node example-app/server.js` as a newcomer runs it: its banner, the curl command it prints, and
// a graceful exit on SIGTERM; in queue mode too, with its worker process and local redis-server.

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

/** Ends what a test left running: the servers that have not exited, each with its local redis-server. */
const running = new Set<() => void>();
afterEach(() => {
  for (const kill of running) kill();
  running.clear();
});

/** `detached`: the server leads a process group of its own, as in a terminal, where Ctrl-C signals the whole group. */
function startServer(env: Record<string, string>, args: string[] = [], { detached = false } = {}): Server {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(INNOPAAS_|INSPECTOR|PORT$|HOST$|ACK$|QUEUE$|REDIS_URL$)/.test(name)),
  );
  const child = spawn(process.execPath, ['example-app/server.js', ...args], {
    cwd: ROOT,
    env: { ...clean, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
  });
  const kill = () => {
    if (detached && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    else child.kill('SIGKILL');
    // Queue mode: Redis is in a group of its own, and a SIGKILL gives the server no chance to stop it.
    const redisPid = /started a local redis-server \(pid (\d+)\)/.exec(output)?.[1];
    if (redisPid !== undefined) process.kill(Number(redisPid), 'SIGKILL');
  };
  running.add(kill);
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
      running.delete(kill);
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
});

const auth = `Basic ${Buffer.from('demo-user:demo-secret').toString('base64')}`;

/** What the inspector lists, newest first. */
async function inspectorList<T>(url: string, what: 'deliveries' | 'messages'): Promise<T[]> {
  return (await (await fetch(`${url}/inspector/${what}`, { headers: { Authorization: auth } })).json()) as T[];
}

const deliver = (url: string, event: object) =>
  fetch(`${url}/webhook`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', UserName: 'demo-user', Authorization: 'demo-secret' },
    body: JSON.stringify(event),
  });

/** The exit, or a failure naming what the server printed if it takes longer than `ms`. */
async function exitWithin(server: Server, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running ${ms} ms after the signal:\n${server.output()}`)), ms);
  });
  try {
    return await Promise.race([server.exit, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether something accepts connections on a loopback port. */
const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** A queue-mode server that listens, with its worker ready; `port`: its local redis-server's. */
async function startQueueServer(options?: { detached?: boolean }) {
  const server = startServer({}, ['--inspector', '--queue'], options);
  const url = await server.waitForUrl();
  const [, port] = await server.waitForOutput(/started a local redis-server .*?on port (\d+)/);
  await server.waitForOutput(/\[worker\] ready/);
  return { server, url, port: Number(port) };
}

describeWithRedis('node example-app/server.js --queue', () => {
  test('a web process and a worker process sharing a local Redis; the inspector shows the job done; SIGTERM stops both', async () => {
    const { server, url, port } = await startQueueServer();
    expect((await runCurl(shellWords(curlOf(server.output()), {}))).status).toBe(200);
    await server.waitForOutput(/\[worker\] inbound text from PHONE-NUMBER: "OK"/);
    await until(async () => (await inspectorList<{ outcome: string }>(url, 'deliveries'))[0]?.outcome === 'done', 'the job done');
    server.child.kill('SIGTERM');
    expect(await server.exit).toEqual({ code: 0, signal: null });
    expect(server.output()).toMatch(/\[worker\] shut down cleanly[\s\S]*shut down cleanly/);
    expect(await answers(port)).toBe(false);
  });

  test('a redelivered event: answered duplicate, logged and shown as a duplicate; the first delivery stays done', async () => {
    const { server, url } = await startQueueServer();
    const { id } = samples.inboundText;
    expect(await (await deliver(url, samples.inboundText)).json()).toEqual({ received: true });
    await until(async () => (await inspectorList<{ outcome: string }>(url, 'deliveries'))[0]?.outcome === 'done', 'the job done');

    expect(await (await deliver(url, samples.inboundText)).json()).toEqual({ received: true, duplicate: true });
    await server.waitForOutput(new RegExp(`duplicate ${id} ignored \\(already queued\\)`));
    await until(async () => (await inspectorList(url, 'deliveries')).length === 2, 'the second row');
    const [second, first] = await inspectorList(url, 'deliveries');
    expect(second).toMatchObject({ eventId: id, status: 200, outcome: expect.stringMatching(/^duplicate/) });
    expect(first).toMatchObject({ eventId: id, status: 200, outcome: 'done' });
    // The worker ran the handler once.
    expect(server.output().match(/\[worker\] inbound text/g)).toHaveLength(1);
  });

  test('the Messages panel lists the statuses the worker handled, an older report not replacing a newer one', async () => {
    const { server, url } = await startQueueServer();
    type Entry = { id: string; status: string; lastReport: string; reports: number };
    expect((await deliver(url, samples.statusRead)).status).toBe(200);
    await until(async () => (await inspectorList<Entry>(url, 'messages'))[0]?.status === 'read', 'the read status', 10_000);
    // Handled after read: older, so it does not replace it.
    expect((await deliver(url, samples.statusDelivered)).status).toBe(200);
    await until(async () => (await inspectorList<Entry>(url, 'messages'))[0]?.reports === 2, 'the second report', 10_000);
    expect(await inspectorList(url, 'messages')).toEqual([
      expect.objectContaining({ id: samples.statusRead.body.id, status: 'read', lastReport: 'delivered', reports: 2 }),
    ]);
    await server.waitForOutput(/\[worker\] status delivered for \d+ \(not newer than read, which is kept\)/);
  });

  test('Ctrl-C in a terminal (SIGINT to the whole process group) mid-delivery: Redis outlives it, then all exits 0', async () => {
    const { server, url, port } = await startQueueServer({ detached: true });
    expect((await deliver(url, samples.inboundText)).status).toBe(200);
    await server.waitForOutput(/\[worker\] inbound text from PHONE-NUMBER: "OK"/);
    // Another delivery, its body still on the way when Ctrl-C comes: the web process finishes it first.
    // (Connection: close, else the server would keep the connection until its keep-alive timeout.)
    const body = JSON.stringify(samples.inboundImage);
    const late = request(`${url}/webhook`, {
      method: 'POST',
      agent: false,
      headers: {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
        Connection: 'close',
        UserName: 'demo-user',
        Authorization: 'demo-secret',
      },
    });
    const answer = new Promise<{ status?: number; text: string }>((resolve, reject) => {
      late.once('error', reject);
      late.once('response', (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.once('end', () => resolve({ status: res.statusCode, text }));
      });
    });
    late.write(body.slice(0, 20));
    await new Promise((resolve) => late.once('socket', (socket) => socket.once('connect', resolve)));
    await new Promise((resolve) => setTimeout(resolve, 100));

    process.kill(-(server.child.pid as number), 'SIGINT');
    await server.waitForOutput(/\[worker\] shut down cleanly/);
    // Time for a Redis that got the signal too to be gone, and for the web process to notice.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    late.end(body.slice(20));
    expect(await answer).toEqual({ status: 200, text: '{"received":true}' });

    expect(await exitWithin(server, 5_000)).toEqual({ code: 0, signal: null });
    expect(server.output()).not.toMatch(/ECONNREFUSED/);
    expect(server.output()).toMatch(/SIGINT received[\s\S]*shut down cleanly\n$/);
    expect(await answers(port)).toBe(false);
  });

  test('killed with SIGKILL: the worker notices that the web process is gone and closes', async () => {
    const { server } = await startQueueServer();
    server.child.kill('SIGKILL');
    await server.exit;
    try {
      // The worker writes to the same pipe, which outlives the web process.
      await server.waitForOutput(/\[worker\] the web process is gone: stopping[\s\S]*\[worker\] shut down cleanly/);
    } finally {
      // What a SIGKILL leaves running, as the README says: the local redis-server, whose pid is logged.
      const [, redisPid] = /started a local redis-server \(pid (\d+)\)/.exec(server.output()) ?? [];
      process.kill(Number(redisPid), 'SIGTERM');
    }
  });

  test('Redis unreachable (REDIS_URL=redis://127.0.0.1:1): SIGTERM exits within 10 s, saying what it cut short', async () => {
    const server = startServer({ REDIS_URL: 'redis://127.0.0.1:1' }, ['--queue']);
    await server.waitForUrl();
    // Once it has tried to connect, the worker's close waits for Redis, forever.
    await server.waitForOutput(/\[worker\] error: queue_unavailable/);
    server.child.kill('SIGTERM');
    expect(await exitWithin(server, 10_000)).toEqual({ code: 1, signal: null });
    expect(server.output()).toMatch(/the worker did not exit within 5 s: killed/);
    expect(server.output()).toMatch(/did not close within 2 s \(is Redis reachable\?\): disconnected/);
    expect(server.output()).toMatch(/shut down, with the steps above cut short\n$/);
  });
});
