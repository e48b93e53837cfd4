import type { Credentials } from '../stages/credentials';
import { defaultDedupeKey } from '../delivery/deduper';
import { MemoryStore } from '../delivery/memory-store';
import type { EventQueue } from '../delivery/queue';
import type { DedupeStore } from '../delivery/types';
import { EVENT_TYPES, EVENT_TYPE_ALIASES, type WebhookEvent } from '../events';
import {
  closest,
  fail,
  MAX_TIMER_MS,
  oneOf,
  optionalFunction,
  optionalSyncFunction,
  positiveMs,
  rejectUnknownKeys,
  show,
  sizeInBytes,
  timerMs,
} from './option-checks';
import { checkTimeZone } from '../events/time';
import { createRedactor } from './errors';
import { isStderrReport, stderrReport } from './report';
import type { ErrorHook, InnopaasWebhookOptions } from './types';
import { resolveObservers, type Observers } from './observer';
import { loggerObserver } from './logger';

/** The options after checking, with every default filled in. Private to the package. */
export interface ResolvedConfig<Req> {
  credentials: Credentials[] | null;
  /** By event type. Keyed by `WebhookEvent['type']` so that an event's `type` looks its handler up as is. */
  handlers: Map<unknown, (event: never, req: Req) => unknown>;
  onUnknownEvent: InnopaasWebhookOptions<Req>['onUnknownEvent'];
  onInvalidEvent: InnopaasWebhookOptions<Req>['onInvalidEvent'];
  onDuplicate: InnopaasWebhookOptions<Req>['onDuplicate'];
  onError: ErrorHook<Req> | undefined;
  allowRequest: InnopaasWebhookOptions<Req>['allowRequest'];
  methods: Set<string>;
  allowHeader: string;
  limit: number;
  bodyTimeoutMs: number;
  acknowledgeInvalid: boolean;
  forwardErrors: 'none' | 'handler' | 'all';
  passThrough: boolean;
  ackImmediately: boolean;
  handlerTimeoutMs: number;
  queue: EventQueue | undefined;
  queueTimeoutMs: number;
  dedupe: ResolvedDedupe | null;
  timeZone: string;
  maxEventAgeMs: number | undefined;
  /** Metrics, traces, the logger: null when none is configured, so the request path skips them. */
  observers: Observers | null;
  /** Cuts the configured credentials out of what the package writes (messages, stacks, log lines). */
  redact: ((text: string) => string) | undefined;
}

export interface ResolvedDedupe {
  store: DedupeStore;
  ttlMs: number;
  claimTtlMs: number;
  key: (event: WebhookEvent) => string;
  failOpen: boolean;
  timeoutMs: number;
  /** Whether a running handler's claim needs renewing (DedupeStore.extend) to outlive its deadline. */
  renewClaims: boolean;
}

// `satisfies` keeps this list in step with the options type: a new option fails to compile until listed.
const OPTION_KEYS = Object.keys({
  userName: 1,
  authorization: 1,
  credentials: 1,
  insecureNoAuth: 1,
  on: 1,
  onUnknownEvent: 1,
  onInvalidEvent: 1,
  onDuplicate: 1,
  onError: 1,
  methods: 1,
  limit: 1,
  bodyTimeoutMs: 1,
  invalidEvents: 1,
  forwardErrors: 1,
  passThrough: 1,
  ack: 1,
  handlerTimeoutMs: 1,
  dedupe: 1,
  timeZone: 1,
  maxEventAgeMs: 1,
  allowRequest: 1,
  queue: 1,
  queueTimeoutMs: 1,
  observers: 1,
  logger: 1,
} satisfies Record<keyof InnopaasWebhookOptions, 1>);
const DEDUPE_KEYS = ['store', 'ttlMs', 'claimTtlMs', 'maxEntries', 'key', 'failMode', 'timeoutMs'];

const DAY_MS = 24 * 60 * 60 * 1000;
/** Visible ASCII, inner spaces allowed: what survives an HTTP header unchanged. */
const HEADER_SAFE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

function resolveCredentials(options: InnopaasWebhookOptions<unknown>): Credentials[] | null {
  const pairs: Credentials[] = [];
  const { userName, authorization, credentials, insecureNoAuth } = options;
  if (userName !== undefined || authorization !== undefined) {
    for (const [name, value] of [
      ['userName', userName],
      ['authorization', authorization],
    ] as const) {
      // The value is a secret: say what is wrong with it without printing it.
      if (typeof value !== 'string' || value.length === 0) {
        fail(
          name,
          `must be a non-empty string (got ${value === undefined ? 'undefined' : typeof value})`,
          'Set both `userName` and `authorization` to the values configured in the InnoPaaS console — is the environment variable set?',
        );
      }
    }
    pairs.push({ userName: userName as string, authorization: authorization as string });
  }
  const checkCarriable = (name: string, value: string) => {
    // HTTP trims spaces around a header value and Node reads its bytes as Latin-1: a value with a
    // trailing newline (as secret files often have) or non-ASCII letters could never match.
    if (!HEADER_SAFE.test(value)) {
      fail(
        name,
        'contains characters an HTTP header cannot carry (leading/trailing whitespace, a newline, or non-ASCII)',
        'Trim the value — a trailing newline in the secret file or environment variable?',
      );
    }
  };
  if (credentials !== undefined) {
    if (!Array.isArray(credentials))
      fail(
        'credentials',
        'must be an array of { userName, authorization }',
        'Pass e.g. `credentials: [{ userName, authorization }, { userName: next, authorization: nextAuth }]`.',
      );
    (credentials as readonly unknown[]).forEach((given, i) => {
      const pair = given as Partial<Credentials> | null;
      if (
        typeof pair !== 'object' ||
        pair === null ||
        typeof pair.userName !== 'string' ||
        !pair.userName ||
        typeof pair.authorization !== 'string' ||
        !pair.authorization
      ) {
        fail(
          `credentials[${i}]`,
          'must be { userName, authorization } with two non-empty strings',
          'Check the environment variables of that pair.',
        );
      }
      rejectUnknownKeys(`credentials[${i}].`, pair, ['userName', 'authorization']);
      pairs.push({ userName: pair?.userName, authorization: pair?.authorization });
    });
  }
  pairs.forEach((pair, i) => {
    const where = userName !== undefined && i === 0 ? '' : `credentials[${userName !== undefined ? i - 1 : i}].`;
    checkCarriable(`${where}userName`, pair.userName);
    checkCarriable(`${where}authorization`, pair.authorization);
  });
  if (insecureNoAuth !== undefined && typeof insecureNoAuth !== 'boolean')
    fail('insecureNoAuth', `must be a boolean (got ${show(insecureNoAuth)})`, 'Leave it out in production.');
  if (insecureNoAuth === true) {
    if (pairs.length > 0)
      fail('insecureNoAuth', 'cannot be combined with credentials', 'Remove `insecureNoAuth` to check the credentials.');
    return null;
  }
  if (pairs.length === 0) {
    fail(
      'userName/authorization',
      'are missing: no credentials are configured',
      'Pass the `userName` and `authorization` set in the InnoPaaS console (or `credentials: [...]`). To accept unauthenticated requests on purpose, pass `insecureNoAuth: true`.',
    );
  }
  return pairs;
}

export function resolveHandlers<Req>(on: unknown): ResolvedConfig<Req>['handlers'] {
  const handlers: ResolvedConfig<Req>['handlers'] = new Map();
  if (on === undefined) return handlers;
  if (typeof on !== 'object' || on === null || Array.isArray(on))
    fail(
      'on',
      `must be an object of handlers by event type (got ${show(on)})`,
      'Pass e.g. `on: { whatsapp_mo_message_received: async (event) => {} }`.',
    );
  for (const [type, handler] of Object.entries(on)) {
    if (!(EVENT_TYPES as readonly string[]).includes(type)) {
      const alias = EVENT_TYPE_ALIASES[type];
      const hint = alias ?? closest(type, EVENT_TYPES);
      fail(
        `on.${type}`,
        'is not an InnoPaaS event type',
        alias
          ? `Use \`on.${alias}\`: both spellings are delivered to it.`
          : hint
            ? `Did you mean \`on.${hint}\`?`
            : `Known types: ${EVENT_TYPES.join(', ')}; use \`onUnknownEvent\` for others.`,
      );
    }
    // `on: { [type]: enabled ? handler : undefined }` leaves the type without a handler.
    if (handler === undefined) continue;
    if (typeof handler !== 'function')
      fail(`on.${type}`, `must be a function (got ${show(handler)})`, 'Pass `(event, req) => {}`.');
    handlers.set(type, handler as (event: never, req: Req) => unknown);
  }
  for (const [alias, canonical] of Object.entries(EVENT_TYPE_ALIASES)) {
    const handler = handlers.get(canonical);
    if (handler) handlers.set(alias, handler);
  }
  return handlers;
}

function resolveDedupe(dedupe: unknown, handlerTimeoutMs: number): ResolvedDedupe | null {
  if (dedupe === false) return null;
  if (dedupe !== undefined && (typeof dedupe !== 'object' || dedupe === null || Array.isArray(dedupe))) {
    fail(
      'dedupe',
      `must be false or an object (got ${show(dedupe)})`,
      'Pass `dedupe: false` to turn it off, or `dedupe: { store, ttlMs }`.',
    );
  }
  const given = (dedupe ?? {}) as NonNullable<Exclude<InnopaasWebhookOptions['dedupe'], false>>;
  rejectUnknownKeys('dedupe.', given, DEDUPE_KEYS);
  const ttlMs = positiveMs('dedupe.ttlMs', given.ttlMs, DAY_MS) as number;
  const claimTtlOption = timerMs(
    'dedupe.claimTtlMs',
    given.claimTtlMs,
    // Short, so that a crashed instance's claim is gone before the sender's next try, and longer than
    // a handler may run (at most what a timer holds, for the longest handlerTimeoutMs).
    Math.min(MAX_TIMER_MS, Math.max(15_000, handlerTimeoutMs + 5_000)),
  );
  const timeoutMs = timerMs('dedupe.timeoutMs', given.timeoutMs, 2000);
  const maxEntries = given.maxEntries ?? 100_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1)
    fail('dedupe.maxEntries', `must be a positive integer (got ${show(maxEntries)})`, 'Defaults to 100000.');
  const store = given.store ?? new MemoryStore({ maxEntries, ttlMs });
  // A MemoryStore shortens every claim to its own ttlMs (the user's store may keep less than dedupe.ttlMs):
  // the heartbeat must run on the claim's real life.
  const claimTtlMs = store instanceof MemoryStore ? Math.min(claimTtlOption, store.maxTtlMs) : claimTtlOption;
  for (const method of ['claim', 'complete', 'release'] as const) {
    if (typeof (store as unknown as Record<string, unknown>)[method] !== 'function') {
      fail(
        'dedupe.store',
        `has no \`${method}()\` method`,
        'Pass a MemoryStore, a RedisStore, or an object implementing the DedupeStore interface.',
      );
    }
  }
  optionalSyncFunction(
    'dedupe.key',
    given.key,
    'The key is needed before anything is awaited: compute it from the event, e.g. `(event) => event.body.wamid`.',
  );
  return {
    store,
    ttlMs,
    claimTtlMs,
    key: given.key ?? defaultDedupeKey,
    failOpen: oneOf('dedupe.failMode', given.failMode, ['closed', 'open'], 'closed') === 'open',
    timeoutMs,
    // A heartbeat only where a claim could expire before its handler's deadline and its release (the
    // claim starts in the store before its reply, the release may take timeoutMs): a short claimTtlMs or
    // ttlMs. With the defaults the handler is stopped and its claim released first, with no timer.
    renewClaims: Math.min(claimTtlMs, ttlMs) <= handlerTimeoutMs + 2 * timeoutMs,
  };
}

function resolveQueue(options: InnopaasWebhookOptions<never>): EventQueue | undefined {
  const { queue } = options;
  if (queue === undefined) return undefined;
  if (typeof queue !== 'object' || queue === null || typeof (queue as Partial<EventQueue>).enqueue !== 'function') {
    fail(
      'queue',
      `must be an object with an \`enqueue(event)\` method (got ${show(queue)})`,
      "Pass e.g. `queue: bullmqQueue(new Queue('innopaas', { connection }))` from innopaas-webhook/bullmq.",
    );
  }
  const inProcess = (['on', 'onUnknownEvent', 'dedupe', 'ack', 'passThrough'] as const).find((key) => options[key] !== undefined);
  if (inProcess) {
    fail(
      inProcess,
      'cannot be combined with `queue`',
      'With a queue the handlers run in the worker (createWorker from innopaas-webhook/bullmq) and the queue collapses duplicates; give them to the worker.',
    );
  }
  return queue;
}

export function parseOptions<Req>(options: InnopaasWebhookOptions<Req>): ResolvedConfig<Req> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(
      `innopaas-webhook: innopaasWebhook(options) takes an options object (got ${show(options)}). Pass e.g. innopaasWebhook({ userName, authorization, on: { … } }).`,
    );
  }
  rejectUnknownKeys('', options, OPTION_KEYS);
  const credentials = resolveCredentials(options as InnopaasWebhookOptions<unknown>);
  for (const hook of ['onUnknownEvent', 'onInvalidEvent', 'onDuplicate', 'allowRequest'] as const)
    optionalFunction(hook, options[hook]);
  const { onError } = options;
  if (onError !== undefined && onError !== false && typeof onError !== 'function')
    fail(
      'onError',
      `must be a function or false (got ${show(onError)})`,
      'Pass (error, { req, event }) => { … }, or false to print nothing; by default each error is printed on stderr.',
    );

  const methods: unknown = options.methods ?? ['POST'];
  if (!Array.isArray(methods) || methods.length === 0 || methods.some((m) => typeof m !== 'string' || !/^[A-Za-z]+$/.test(m))) {
    fail(
      'methods',
      `must be a non-empty array of HTTP method names (got ${show(methods)})`,
      "Defaults to ['POST'], the method InnoPaaS uses.",
    );
  }
  const upper = [...new Set((methods as string[]).map((m) => m.toUpperCase()))];

  const limit = sizeInBytes('limit', options.limit, '1mb');

  const timeZone = options.timeZone ?? 'UTC';
  const zoneProblem = typeof timeZone === 'string' ? checkTimeZone(timeZone) : 'must be a string';
  if (zoneProblem)
    fail(
      'timeZone',
      `${zoneProblem} (got ${show(timeZone)})`,
      "Use 'UTC', an offset like '+08:00' or a name like 'Asia/Shanghai'.",
    );

  if (options.passThrough !== undefined && typeof options.passThrough !== 'boolean')
    fail('passThrough', `must be a boolean (got ${show(options.passThrough)})`, 'Defaults to false.');
  const ackImmediately = oneOf('ack', options.ack, ['after-handlers', 'immediately'], 'after-handlers') === 'immediately';
  if (ackImmediately && options.passThrough)
    fail(
      'passThrough',
      "cannot be combined with `ack: 'immediately'`",
      'A later route cannot answer once the middleware has answered; pick one.',
    );
  // Bounded by default: a handler that never settles would keep its request and its claim forever.
  const handlerTimeoutMs = timerMs('handlerTimeoutMs', options.handlerTimeoutMs, 10_000);
  const queue = resolveQueue(options);

  const redact = credentials ? createRedactor(credentials.flatMap((pair) => [pair.userName, pair.authorization])) : undefined;
  return {
    credentials,
    redact,
    handlers: resolveHandlers<Req>(options.on),
    onUnknownEvent: options.onUnknownEvent,
    onInvalidEvent: options.onInvalidEvent,
    onDuplicate: options.onDuplicate,
    onError: onError === false ? undefined : (onError ?? stderrReport(redact)),
    allowRequest: options.allowRequest,
    methods: new Set(upper),
    allowHeader: upper.join(', '),
    limit,
    bodyTimeoutMs: timerMs('bodyTimeoutMs', options.bodyTimeoutMs, 10_000),
    acknowledgeInvalid: oneOf('invalidEvents', options.invalidEvents, ['reject', 'acknowledge'], 'reject') === 'acknowledge',
    forwardErrors: oneOf('forwardErrors', options.forwardErrors, ['none', 'handler', 'all'], 'none'),
    passThrough: options.passThrough === true,
    ackImmediately,
    handlerTimeoutMs,
    queue,
    queueTimeoutMs: timerMs('queueTimeoutMs', options.queueTimeoutMs, 2_000),
    // With a queue the web tier claims nothing: the queue collapses duplicates by event id.
    dedupe: queue ? null : resolveDedupe(options.dedupe, handlerTimeoutMs),
    timeZone,
    maxEventAgeMs: positiveMs('maxEventAgeMs', options.maxEventAgeMs, undefined),
    observers: resolveObservers(options.observers, loggerObserver(options.logger, redact), queue !== undefined, timeZone),
  };
}

/** What `debug` prints at creation: the resolved options, with every credential redacted. */
export function describeConfig(config: ResolvedConfig<unknown>): Record<string, unknown> {
  return {
    credentials: config.credentials ? `${config.credentials.length} pair(s) [redacted]` : 'none (insecureNoAuth)',
    handlers: [...config.handlers.keys()],
    onError: config.onError && isStderrReport(config.onError) ? 'stderr' : config.onError ? 'function' : false,
    methods: [...config.methods],
    limit: config.limit,
    bodyTimeoutMs: config.bodyTimeoutMs,
    invalidEvents: config.acknowledgeInvalid ? 'acknowledge' : 'reject',
    forwardErrors: config.forwardErrors,
    passThrough: config.passThrough,
    ack: config.ackImmediately ? 'immediately' : 'after-handlers',
    handlerTimeoutMs: config.handlerTimeoutMs,
    queue: config.queue ? (config.queue.constructor?.name ?? 'custom') : 'none',
    dedupe: config.dedupe
      ? {
          store: config.dedupe.store.constructor?.name,
          ttlMs: config.dedupe.ttlMs,
          claimTtlMs: config.dedupe.claimTtlMs,
          failMode: config.dedupe.failOpen ? 'open' : 'closed',
        }
      : false,
    timeZone: config.timeZone,
    maxEventAgeMs: config.maxEventAgeMs,
  };
}
