import { Agent, request as httpRequest } from 'node:http';
import express from 'express';
import fc from 'fast-check';
import { EVENT_TYPES } from '../lib';
import { AUTH, USER, createApp, textEvent } from './helpers/app';
import { listenLocal, type LocalServer } from './helpers/raw-http';
import { fixtures } from './fixtures';
import { validationErrors } from './fixtures/ajv';

/**
 * Generated requests against one in-process server over a keep-alive agent: random JSON, documented
 * events with one field deleted or retyped, random methods and headers. Whatever arrives, the answer
 * is the one the pipeline promises, 5xx come only from handlers made to fail, no exception escapes,
 * and a handler only ever sees an event its schema accepts.
 */

const RUNS = { randomJson: 2000, randomEnvelope: 2000, mutatedEvent: 4000, randomHeaders: 2000, randomBytes: 1500 };
const TIME_LIMIT_MS = 20_000;
/** Ids ending like this make every handler throw: the only allowed source of a 5xx. */
const FAIL = '-fail';

let server: LocalServer;
const agent = new Agent({ keepAlive: true, maxSockets: 4 });
let sent = 0;
/** Answers by status and code, printed at the end and used to show every property reached every branch. */
const tally = new Map<string, number>();
const unexpected: string[] = [];
const received = new Map<string, string>();
const escaped: unknown[] = [];
const record = (error: unknown) => escaped.push(error);

/** Every handler: check what it was given against the schemas, keep it, fail on demand. */
function handler(event: { id: string }) {
  const problems = validationErrors(JSON.parse(JSON.stringify(event)));
  if (problems.length > 0) unexpected.push(`handler saw an invalid event: ${JSON.stringify(problems)}`);
  received.set(event.id, JSON.stringify(event));
  if (event.id.endsWith(FAIL)) throw new Error('made to fail');
}

beforeAll(async () => {
  process.on('unhandledRejection', record).on('uncaughtException', record);
  const on = Object.fromEntries(EVENT_TYPES.map((type) => [type, handler]));
  server = await listenLocal(createApp(express, { on, onUnknownEvent: handler }).app);
});
afterAll(async () => {
  agent.destroy();
  await server.close();
  process.off('unhandledRejection', record).off('uncaughtException', record);
  const statuses = [...tally]
    .sort()
    .map(([key, count]) => `${key}: ${count}`)
    .join(', ');
  process.stdout.write(`property test: ${sent} generated requests (${statuses})\n`);
});

interface Answer {
  status: number;
  body: { code?: string; received?: boolean; duplicate?: boolean; test?: boolean };
}

function send(
  body: string | Uint8Array,
  headers: Record<string, string> = { UserName: USER, Authorization: AUTH, 'Content-Type': 'application/json' },
  method = 'POST',
): Promise<Answer> {
  sent += 1;
  return new Promise((resolve, reject) => {
    // An explicit length: Node's client would send a GET body unframed, which the server reads as a
    // second, malformed request.
    const framed = { ...headers, 'Content-Length': String(Buffer.byteLength(body)) };
    const req = httpRequest({ host: '127.0.0.1', port: server.port, path: '/webhook', method, agent, headers: framed }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const answer: Answer = { status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} };
        const key = `${answer.status} ${answer.body.code ?? (answer.body.duplicate ? 'duplicate' : answer.body.test ? 'test' : 'received')}`;
        tally.set(key, (tally.get(key) ?? 0) + 1);
        resolve(answer);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The answer the pipeline promises for a parsed payload: the schemas are the oracle. */
function expectAnswerFor(payload: unknown, answer: Answer): void {
  if (Array.isArray(payload)) {
    expect(answer).toMatchObject({ status: 400, body: { code: 'batch_not_supported' } });
    return;
  }
  if (typeof payload === 'object' && payload !== null && Object.keys(payload).length === 0) {
    expect(answer.body).toEqual({ received: true, test: true });
    return;
  }
  const problems = validationErrors(payload);
  if (problems.length > 0) {
    expect(answer).toMatchObject({
      status: 400,
      body: { code: expect.stringMatching(/^invalid_(envelope|event)$/) },
    });
    return;
  }
  const { id } = payload as { id: string };
  if (id.endsWith(FAIL)) {
    expect(answer).toMatchObject({ status: 500, body: { code: 'handler_failed' } });
    return;
  }
  expect(answer.status).toBe(200);
  // A fresh delivery reaches the handler exactly as sent; a repeated id (a mutation can make one) is a duplicate.
  if (!answer.body.duplicate) expect(received.get(id)).toBe(JSON.stringify(payload));
}

let sequence = 0;
const freshId = () => `prop-${(sequence += 1)}${sequence % 20 === 0 ? FAIL : ''}`;
const run = (property: fc.IAsyncProperty<never>, numRuns: number) =>
  fc.assert(property, { numRuns, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: true });

test('random JSON documents are answered as the schemas say', async () => {
  await run(
    fc.asyncProperty(fc.json({ maxDepth: 3 }), async (text) => {
      expectAnswerFor(JSON.parse(text), await send(text));
    }) as never,
    RUNS.randomJson,
  );
});

test('random envelopes (any keys missing, any value types) are answered as the schemas say', async () => {
  const anyValue = fc.oneof(fc.string({ maxLength: 40 }), fc.jsonValue({ maxDepth: 2 }));
  const envelope = fc.record(
    {
      id: fc.oneof(fc.constant(null), anyValue),
      type: fc.oneof(fc.constantFrom(...EVENT_TYPES, 'whatsapp_template_status_update', '__proto__'), anyValue),
      eventTime: anyValue,
      body: fc.oneof(fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 })), anyValue),
    },
    { requiredKeys: [] },
  );
  await run(
    fc.asyncProperty(envelope, async (generated) => {
      const payload = { ...generated, ...(typeof generated.id === 'string' ? { id: `${freshId()}-${generated.id}` } : {}) };
      expectAnswerFor(payload, await send(JSON.stringify(payload)));
    }) as never,
    RUNS.randomEnvelope,
  );
});

/** Every path inside a value, parents before children, so an index picks any field at any depth. */
function pathsOf(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.keys(value).flatMap((key) => [
    [...prefix, key],
    ...pathsOf((value as Record<string, unknown>)[key], [...prefix, key]),
  ]);
}

test('documented events with one field deleted, retyped or added are answered as the schemas say', async () => {
  const mutation = fc.record({
    name: fc.constantFrom(...Object.keys(fixtures)),
    op: fc.constantFrom('delete', 'retype', 'add'),
    at: fc.nat(),
    value: fc.jsonValue({ maxDepth: 2 }),
    redeliver: fc.boolean(),
  });
  await run(
    fc.asyncProperty(mutation, async ({ name, op, at, value, redeliver }) => {
      const event = structuredClone(fixtures[name]) as unknown as Record<string, unknown>;
      event.id = freshId();
      const paths = pathsOf(event);
      const path = paths[at % paths.length] as string[];
      const parent = path
        .slice(0, -1)
        .reduce<Record<string, unknown>>((node, key) => node[key] as Record<string, unknown>, event);
      const key = path[path.length - 1] as string;
      if (op === 'delete') delete parent[key];
      else if (op === 'retype') parent[key] = value;
      else if (typeof parent[key] === 'object' && parent[key] !== null && !Array.isArray(parent[key]))
        (parent[key] as Record<string, unknown>).addedByTest = value;
      const first = await send(JSON.stringify(event));
      expectAnswerFor(event, first);
      if (!redeliver) return;
      // InnoPaaS delivering it again: handled once, refused the same way, or failing the same way.
      const again = await send(JSON.stringify(event));
      expect(again).toEqual(
        first.body.received && !first.body.test ? { status: 200, body: { received: true, duplicate: true } } : first,
      );
    }) as never,
    RUNS.mutatedEvent,
  );
});

const GOOD_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/vnd.innopaas+json',
  'APPLICATION/JSON',
];
const BAD_TYPES = ['text/plain', 'application/xml', 'application/json; charset', 'application/x-www-form-urlencoded'];

test('random methods, credentials and content types are refused in pipeline order: 405, 401, 415', async () => {
  // Mostly right, so that enough requests get past the credentials to meet the content type.
  const header = (right: string) =>
    fc.oneof(
      { arbitrary: fc.constant(right), weight: 6 },
      fc.constant(undefined),
      fc.string({ unit: 'grapheme-ascii', maxLength: 64 }),
      fc.constant(right.toUpperCase()),
    );
  const requestShape = fc.record({
    method: fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
    user: header(USER),
    auth: header(AUTH),
    type: fc.constantFrom(undefined, ...GOOD_TYPES, ...BAD_TYPES),
  });
  await run(
    fc.asyncProperty(requestShape, async ({ method, user, auth, type }) => {
      const headers: Record<string, string> = {};
      if (user !== undefined) headers.UserName = user;
      if (auth !== undefined) headers.Authorization = auth;
      if (type !== undefined) headers['Content-Type'] = type;
      const answer = await send(JSON.stringify(textEvent()), headers, method);
      // HTTP drops the spaces around a value: " secret " is the secret.
      const expected =
        method !== 'POST'
          ? 405
          : user?.trim() !== USER || auth?.trim() !== AUTH
            ? 401
            : BAD_TYPES.includes(type as string)
              ? 415
              : 200;
      expect(answer.status).toBe(expected);
    }) as never,
    RUNS.randomHeaders,
  );
});

test('random bytes are refused with a 4xx (or taken as the connectivity test), never a 5xx', async () => {
  await run(
    fc.asyncProperty(fc.uint8Array({ maxLength: 256 }), async (bytes) => {
      const answer = await send(bytes);
      expect([200, 400]).toContain(answer.status);
      if (answer.status === 400)
        expect(['invalid_encoding', 'invalid_json', 'invalid_envelope', 'invalid_event', 'batch_not_supported']).toContain(
          answer.body.code,
        );
    }) as never,
    RUNS.randomBytes,
  );
});

test('over all runs: enough requests reaching every branch, no invalid event handled, no exception escaped', () => {
  expect(sent).toBeGreaterThanOrEqual(5000);
  const branches = [
    '200 received',
    '200 duplicate',
    '200 test',
    '400 invalid_json',
    '400 invalid_envelope',
    '400 invalid_event',
    '400 invalid_encoding',
    '400 batch_not_supported',
    '401 unauthorized',
    '405 method_not_allowed',
    '415 unsupported_media_type',
    '500 handler_failed',
  ];
  expect(Object.fromEntries(tally)).toEqual(
    expect.objectContaining(Object.fromEntries(branches.map((branch) => [branch, expect.any(Number)]))),
  );
  expect(unexpected).toEqual([]);
  expect(escaped).toEqual([]);
});
