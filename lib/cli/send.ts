import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { EVENT_TYPES, canonicalEventType } from '../events';
import { INBOUND_MESSAGE_TYPES, VARIANT_PATHS, buildEvent } from '../testing/builders';
import { deliver, type DeliveryCredentials } from '../testing/deliver';
import { setPath } from '../testing/merge';
import { MAX_TIMEOUT_MS, parseCommandArgs, positiveInteger } from './args';
import { parseSetValue, readSource } from './input';
import { type DeliveryResult, ProgressBar, describeStatus, isSuccess, resultJson, runSummary, summarize } from './report';
import { USAGE, UsageError } from './usage';

const OPTIONS = {
  url: { type: 'string', short: 'u' },
  user: { type: 'string' },
  auth: { type: 'string' },
  'message-type': { type: 'string', short: 'm' },
  set: { type: 'string', short: 's', multiple: true },
  file: { type: 'string', short: 'f' },
  count: { type: 'string', short: 'n' },
  concurrency: { type: 'string', short: 'c' },
  header: { type: 'string', short: 'H', multiple: true },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const usage = (message: string) => new UsageError(message, 'send');

function parseSets(sets: readonly string[]): [string, unknown][] {
  return sets.map((assignment) => {
    const at = assignment.indexOf('=');
    if (at <= 0) throw usage(`--set wants path=value, not ${JSON.stringify(assignment)}`);
    return [assignment.slice(0, at), parseSetValue(assignment.slice(at + 1))];
  });
}

function applySets(payload: Record<string, unknown>, sets: readonly [string, unknown][]): string {
  for (const [path, value] of sets) {
    try {
      setPath(payload, path, value);
    } catch (error) {
      throw usage(`--set ${(error as Error).message}`);
    }
  }
  return JSON.stringify(payload);
}

function parseHeaders(headers: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    headers.map((header) => {
      const at = header.indexOf(':');
      if (at <= 0) throw usage(`--header wants "Name: value", not ${JSON.stringify(header)}`);
      return [header.slice(0, at).trim(), header.slice(at + 1).trim()];
    }),
  );
}

function resolveCredentials(user: string | undefined, auth: string | undefined): DeliveryCredentials | undefined {
  const userName = user ?? process.env.INNOPAAS_USERNAME;
  const authorization = auth ?? process.env.INNOPAAS_AUTHORIZATION;
  if (userName === undefined && authorization === undefined) return undefined;
  // One header without the other is always answered 401: more likely a typo than the intent.
  if (userName === undefined || authorization === undefined)
    throw usage('give both --user and --auth (or INNOPAAS_USERNAME and INNOPAAS_AUTHORIZATION), or neither');
  return { userName, authorization };
}

function resolveUrl(given: string | undefined): URL {
  const text = given ?? process.env.INNOPAAS_WEBHOOK_URL;
  if (!text) throw usage('--url is required (or set INNOPAAS_WEBHOOK_URL)');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Never echoed: it may come from INNOPAAS_WEBHOOK_URL with credentials in it.
    throw usage(
      `${given === undefined ? 'INNOPAAS_WEBHOOK_URL' : '--url'} is not a URL that parses (not shown: it may hold credentials)`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usage(`--url must be http: or https:, not ${url.protocol}`);
  return url;
}

/** Makes the payload of each delivery: a fresh built event each time, or the file's bytes. */
async function payloadFactory(
  positionals: string[],
  values: { file?: string; 'message-type'?: string },
  sets: [string, unknown][],
): Promise<() => string | Buffer> {
  const messageType = values['message-type'];
  if (values.file !== undefined) {
    if (positionals.length > 0) throw usage('give an event type or --file, not both');
    if (messageType !== undefined)
      throw usage('--message-type builds an event; it cannot change a --file payload (use --set body.… instead)');
    const raw = await readSource(values.file, 'send');
    // The middleware takes an empty or blank body for the console's connectivity test and answers 200
    // without a handler: a file that came out empty would look delivered.
    if (raw.toString('utf8').trim() === '')
      throw usage(`${values.file === '-' ? 'stdin' : values.file} is empty: no payload to send`);
    if (sets.length === 0) return () => raw;
    let payload: Record<string, unknown>;
    try {
      // Without the byte order mark, which the middleware accepts (and JSON.parse does not).
      payload = JSON.parse(raw.toString('utf8').replace(/^\uFEFF/, '')) as Record<string, unknown>;
    } catch {
      throw usage(`--set needs a JSON object payload; ${values.file} is not JSON`);
    }
    const text = applySets(payload, sets);
    return () => text;
  }
  if (positionals.length !== 1)
    throw usage(
      positionals.length === 0
        ? 'which event type? e.g. send whatsapp_mo_message_received'
        : `one event type, not ${positionals.length}`,
    );
  const spelling = positionals[0] as string;
  const type = canonicalEventType(spelling);
  if (!type) throw usage(`unknown event type ${JSON.stringify(spelling)}; one of ${EVENT_TYPES.join(', ')}`);
  if (messageType !== undefined) {
    if (type !== 'whatsapp_mo_message_received') throw usage('--message-type applies to whatsapp_mo_message_received only');
    if (!(INBOUND_MESSAGE_TYPES as string[]).includes(messageType))
      throw usage(`unknown message type ${JSON.stringify(messageType)}; one of ${INBOUND_MESSAGE_TYPES.join(', ')}`);
  }
  // `--set body.type=image` must start from the image example, as `-m image` does; the other sets are
  // applied to the built JSON, where a path through a string is caught instead of silently replacing it.
  const variant: Record<string, unknown> = messageType ? { body: { type: messageType } } : {};
  for (const [path, value] of sets) if ((VARIANT_PATHS as readonly string[]).includes(path)) setPath(variant, path, value);
  const build = () => {
    const event = buildEvent(type, variant as never);
    return applySets({ ...JSON.parse(JSON.stringify(event)), type: spelling } as Record<string, unknown>, sets);
  };
  build(); // A bad --set path is a usage error before anything is sent.
  return build;
}

/** `innopaas-webhook send`: returns the exit code. */
export async function runSend(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, 'send');
  if (values.help) {
    process.stdout.write(`${USAGE.send}\n`);
    return 0;
  }
  const url = resolveUrl(values.url);
  const credentials = resolveCredentials(values.user, values.auth);
  const count = positiveInteger(values.count, 'count', 1, 'send');
  const concurrency = Math.min(count, positiveInteger(values.concurrency, 'concurrency', 1, 'send'));
  const timeoutMs = positiveInteger(values.timeout, 'timeout', 10_000, 'send', MAX_TIMEOUT_MS);
  const headers = parseHeaders(values.header ?? []);
  const nextPayload = await payloadFactory(positionals, values, parseSets(values.set ?? []));

  // Keep-alive, one socket per worker: latencies then measure the webhook, not TCP handshakes.
  const agent = new (url.protocol === 'https:' ? HttpsAgent : HttpAgent)({ keepAlive: true, maxSockets: concurrency });
  const results: DeliveryResult[] = [];
  const progress = count > 1 ? new ProgressBar(count) : undefined;
  // One delivery's answer, or why there was none: a line (the error on stderr), or one JSON object.
  const printResult = (result: DeliveryResult, text: string | null) => {
    if (values.json) process.stdout.write(`${JSON.stringify(resultJson(result, text))}\n`);
    else if (result.status === 'error') process.stderr.write(`error: ${String(result.error)}\n`);
    else process.stdout.write(`${describeStatus(result.status)} (${result.durationMs.toFixed(0)} ms)${text ? ` ${text}` : ''}\n`);
  };
  const sendOne = async (): Promise<DeliveryResult> => {
    const started = performance.now();
    try {
      const response = await deliver(url, undefined, { body: nextPayload(), credentials, headers, timeoutMs, agent });
      const result: DeliveryResult = { status: response.status, durationMs: response.durationMs };
      if (count === 1) printResult(result, response.text);
      return result;
    } catch (error) {
      const message = (error as Error).message || String(error);
      const result: DeliveryResult = { status: 'error', durationMs: performance.now() - started, error: message };
      if (count === 1) printResult(result, null);
      return result;
    }
  };

  const started = performance.now();
  let issued = 0;
  const worker = async () => {
    while (issued < count) {
      issued += 1;
      const result = await sendOne();
      results.push(result);
      progress?.tick(isSuccess(result));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  if (count > 1) {
    const summary = runSummary(results, performance.now() - started, concurrency);
    process.stdout.write(`${values.json ? JSON.stringify(summary) : summarize(summary)}\n`);
  }
  return results.every(isSuccess) ? 0 : 1;
}
