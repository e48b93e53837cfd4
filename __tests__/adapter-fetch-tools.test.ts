import { execFile } from 'node:child_process';
import type { Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { innopaasFetchHandler, type InnopaasEvent } from '../lib';
import { buildEvent, deliver } from '../lib/testing';
import { AUTH, USER, textEvent } from './helpers/app';
import { createFetchApp } from './helpers/fetch-app';

/** The test kit's deliver() and the CLI's send, unchanged, against the Fetch handler. */

const credentials = { userName: USER, authorization: AUTH };
const CLI = join(__dirname, '..', 'dist', 'cli.js');
const ENV = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('INNOPAAS_')));

const cli = (args: string[]) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { env: ENV }, (_error, stdout, stderr) => {
      resolve({ code: child.exitCode, stdout, stderr });
    });
    child.stdin?.end();
  });

describe('a Hono app on Node (serve() of @hono/node-server) with the Fetch handler', () => {
  const seen: InnopaasEvent[] = [];
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const record = (event: InnopaasEvent) => void seen.push(event);
    const { hono } = createFetchApp({
      on: { whatsapp_mo_message_received: record, whatsapp_message_status_updated: record },
    });
    server = await new Promise<Server>((resolve) => {
      const started = serve({ fetch: hono.fetch, port: 0, hostname: '127.0.0.1' }, () => {
        resolve(started as Server);
      });
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  test('deliver(url): 200 and the handler gets the event; without credentials 401', async () => {
    const event = buildEvent('whatsapp_message_status_updated');
    const response = await deliver(url, event, { credentials });
    expect(response).toMatchObject({ status: 200, body: { received: true } });
    expect(seen.map((e) => e.id)).toContain(event.id);
    expect((await deliver(url, event)).status).toBe(401);
  });

  test('the CLI sends built events to it: 200, exit 0; wrong credentials: 401, exit 1', async () => {
    const before = seen.length;
    const run = await cli(['send', 'whatsapp_mo_message_received', '--url', url, '--user', USER, '--auth', AUTH, '-n', '3']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/200/);
    expect(seen.length - before).toBe(3);
    const refused = await cli(['send', 'whatsapp_mo_message_received', '--url', url, '--user', USER, '--auth', 'wrong']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^401 /);
  });
});

describe('deliver() to a Fetch target in process ({ fetch }), no server', () => {
  test('a Fetch handler: 200, duplicate, 401, 413, 405', async () => {
    const seen: string[] = [];
    const handler = innopaasFetchHandler({
      ...credentials,
      limit: 1024,
      on: { whatsapp_mo_message_received: (event) => void seen.push(event.id) },
    });
    const target = { fetch: handler };
    const event = textEvent();
    const first = await deliver(target, event, { credentials });
    expect(first).toMatchObject({ status: 200, body: { received: true }, text: '{"received":true}' });
    expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(first.durationMs).toBeGreaterThan(0);
    expect((await deliver(target, event, { credentials })).body).toEqual({ received: true, duplicate: true });
    expect(seen).toEqual([event.id]);
    expect((await deliver(target, event)).body).toMatchObject({ status: 401, code: 'unauthorized' });
    expect((await deliver(target, { ...textEvent(), pad: 'x'.repeat(2048) }, { credentials })).status).toBe(413);
    const get = await deliver(target, undefined, { credentials, method: 'GET' });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
  });

  test('a Hono app: its routing applies (the path option), then the handler answers', async () => {
    const { hono } = createFetchApp();
    expect((await deliver(hono, textEvent(), { credentials })).status).toBe(200);
    expect((await deliver(hono, textEvent(), { credentials, path: '/elsewhere' })).status).toBe(404);
  });

  test("forwardErrors with Hono's default error handler: every forwarded error keeps its status and problem", async () => {
    const hono = new Hono();
    const webhook = innopaasFetchHandler({
      userName: USER,
      authorization: AUTH,
      forwardErrors: 'all',
      onError: false,
      on: {
        whatsapp_mo_message_received: () => {
          throw new Error('failing on purpose');
        },
      },
    });
    // No hono.onError: Hono's own handler answers what the route throws.
    hono.post('/webhook', (c) => webhook(c.req.raw));
    const refused = await deliver(hono, textEvent(), { credentials: { userName: USER, authorization: 'wrong' } });
    expect(refused.status).toBe(401);
    expect(refused.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(refused.body).toMatchObject({ status: 401, code: 'unauthorized' });
    const invalid = await deliver(hono, undefined, { credentials, body: '{"id": 1}' });
    expect(invalid).toMatchObject({ status: 400, body: { code: 'invalid_envelope' } });
    const failed = await deliver(hono, textEvent(), { credentials });
    expect(failed).toMatchObject({ status: 500, body: { code: 'handler_failed' } });
    expect(failed.text).not.toContain('failing on purpose');
  });

  test('served by @hono/node-server, an answer given before the whole body closes the connection, as Express does', async () => {
    const { hono } = createFetchApp({ bodyTimeoutMs: 300, on: { whatsapp_mo_message_received: () => undefined } });
    const server = await new Promise<Server>((resolve) => {
      const started = serve({ fetch: hono.fetch, port: 0, hostname: '127.0.0.1' }, () => {
        resolve(started as Server);
      });
    });
    const { port } = server.address() as AddressInfo;
    /** Sends the head and `sent` of a 100-byte body; resolves with the answer's head and whether the socket closed. */
    const exchange = (headers: string, sent: string) =>
      new Promise<{ head: string; closed: boolean }>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        let text = '';
        let answered: NodeJS.Timeout | undefined;
        socket.on('error', reject);
        socket.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          // Kept open by the server: no close within 200 ms of the answer.
          answered ??= setTimeout(() => {
            socket.destroy();
            resolve({ head: text.split('\r\n\r\n')[0] ?? '', closed: false });
          }, 200);
        });
        socket.on('close', () => {
          clearTimeout(answered);
          resolve({ head: text.split('\r\n\r\n')[0] ?? '', closed: true });
        });
        socket.write(`POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${headers}\r\n${sent}`);
      });
    try {
      const auth = `UserName: ${USER}\r\nAuthorization: ${AUTH}\r\n`;
      const stalled = await exchange(`${auth}Content-Length: 100\r\n`, '{"id":');
      expect(stalled.head).toMatch(/^HTTP\/1\.1 408 /);
      expect(stalled.head.toLowerCase()).toContain('connection: close');
      expect(stalled.closed).toBe(true);
      const refused = await exchange(`UserName: ${USER}\r\nAuthorization: wrong\r\nContent-Length: 100\r\n`, '{"id":');
      expect(refused.head).toMatch(/^HTTP\/1\.1 401 /);
      expect(refused.closed).toBe(true);
      // A refusal after the whole body was read keeps the connection for the sender's next delivery.
      const invalid = await exchange(`${auth}Content-Length: 2\r\n`, '[]');
      expect(invalid.head).toMatch(/^HTTP\/1\.1 400 /);
      expect(invalid.head.toLowerCase()).not.toContain('connection: close');
      expect(invalid.closed).toBe(false);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('a Fetch target that never answers is given up after timeoutMs', async () => {
    const target = { fetch: () => new Promise<Response>(() => undefined) };
    await expect(deliver(target, textEvent(), { timeoutMs: 50 })).rejects.toThrow(/within 50 ms/);
  });
});
