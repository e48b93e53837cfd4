import { createHash, randomBytes } from 'node:crypto';
import type { ClaimResult, DedupeStore } from './types';

// Neither Redis library is a dependency of this package: the user passes in the client they already
// have, and these interfaces name the one method of each that this store calls.

/** A node-redis client (`createClient()` from `redis` or `@redis/client`, v4 or later). */
export interface NodeRedisClientLike {
  sendCommand(args: (string | Buffer)[]): Promise<unknown>;
}

/** A node-redis cluster (`createCluster()`): commands are routed by the key they name first. */
export interface NodeRedisClusterLike {
  sendCommand(firstKey: string | Buffer, isReadonly: boolean, args: (string | Buffer)[]): Promise<unknown>;
  getSlotMaster(slot: number): unknown;
}

/** A node-redis v5 Sentinel client (`createSentinel()`): commands go to the master unless read-only. */
export interface NodeRedisSentinelLike {
  sendCommand(isReadonly: boolean, args: (string | Buffer)[]): Promise<unknown>;
  getMasterNode(): unknown;
}

/** An ioredis client: `new Redis()` (Sentinel setups included) or `new Redis.Cluster()`. */
export interface IoRedisClientLike {
  call(command: string, ...args: (string | Buffer)[]): Promise<unknown>;
}

export type RedisClientLike = NodeRedisClientLike | NodeRedisClusterLike | NodeRedisSentinelLike | IoRedisClientLike;

export interface RedisStoreOptions {
  /** A connected ioredis or node-redis client (or cluster, or Sentinel client). Required; the store never closes it. */
  client: RedisClientLike;
  /** Put before every event id to make its key, so several apps can share one database. Defaults to `'innopaas-webhook:'`. */
  prefix?: string | undefined;
  /**
   * Reject an operation that takes longer than this many milliseconds. The command itself is not
   * cancelled: a claim that lands after its timeout is released at once (and expires after its claim
   * TTL should the release fail). Defaults to none: the client's own timeouts, and the middleware's, apply.
   */
  operationTimeoutMs?: number | undefined;
}

/** A key as Redis gets it (see {@link redisKey}). */
type RedisKey = string | Buffer;

/** Sends one raw command. `key` is the key it touches, which a cluster routes by. */
type SendCommand = (key: RedisKey, args: RedisKey[]) => Promise<unknown>;

const HAS_LONE_SURROGATE = /\p{Cs}/u;
const LONE_SURROGATES = /\p{Cs}/gu;

/**
 * The key Redis stores: the string itself when it is well-formed Unicode, as ever. A client encodes
 * strings as UTF-8, which turns every lone surrogate into U+FFFD, so that the ids `evt-\ud800`,
 * `evt-\udc00` and `evt-\ufffd` would share one key and two of them be answered as duplicates. Such a
 * key goes as its WTF-8 bytes instead (a lone surrogate as its own three bytes): never valid UTF-8, so it
 * cannot meet the key of any well-formed string, and distinct for every distinct string.
 */
function redisKey(key: string): RedisKey {
  if (!HAS_LONE_SURROGATE.test(key)) return key;
  const parts: Buffer[] = [];
  let start = 0;
  for (const match of key.matchAll(LONE_SURROGATES)) {
    parts.push(Buffer.from(key.slice(start, match.index), 'utf8'));
    const unit = key.charCodeAt(match.index);
    parts.push(Buffer.from([0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]));
    start = match.index + 1;
  }
  parts.push(Buffer.from(key.slice(start), 'utf8'));
  return Buffer.concat(parts);
}

/** The value of a completed key. A token always holds a `.`, so it can never equal this. */
const COMPLETED = 'completed';

// Check-and-act must be one atomic step: between a GET and a SET or DEL from the client, the claim
// could expire and be taken by another instance, whose claim this one would then complete or drop.
// A claim that expired while its handler ran, and that nobody took since, is completed too: the handler
// did finish, and leaving the key empty would let the next redelivery run it again.
const COMPLETE_SCRIPT = script(`
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] or current == false then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0`);
// As for complete: a claim that expired with nobody taking it since is taken back, since its handler is
// still running. Only another's claim, or a completion, means the claim is lost.
const EXTEND_SCRIPT = script(`
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
if current == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`);
const RELEASE_SCRIPT = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`);

// Unlike the memory store's, these tokens meet other processes' tokens in Redis: 96 random bits per
// process keep them apart, and the counter keeps them apart within one process. Drawn on first use, so
// that an app without a RedisStore never pays for it at start-up.
let tokenPrefix: string | undefined;
let tokenCounter = 0;

const IN_PROGRESS: ClaimResult = Object.freeze({ status: 'in-progress' });
const ALREADY_COMPLETED: ClaimResult = Object.freeze({ status: 'completed' });

/**
 * A dedupe store in Redis, shared by every instance behind a load balancer. A claim is one atomic
 * `SET NX PX`; complete, extend and release are Lua scripts that act only while the key still holds the
 * caller's token, so a slow instance never completes or releases a claim that is no longer its own.
 *
 * Client errors are not caught: they reject the operation, and the middleware decides whether that
 * fails closed (503) or open.
 */
export class RedisStore implements DedupeStore {
  readonly #send: SendCommand;
  readonly #prefix: string;
  readonly #timeoutMs: number | undefined;

  constructor(options: RedisStoreOptions) {
    const { client, prefix = 'innopaas-webhook:', operationTimeoutMs } = options ?? ({} as RedisStoreOptions);
    this.#send = commandSender(client);
    if (typeof prefix !== 'string') {
      throw new TypeError(`RedisStore: option \`prefix\` must be a string, got ${describe(prefix)}.`);
    }
    // At most what a Node timer can wait: a longer timeout would fire after 1 ms.
    if (
      operationTimeoutMs !== undefined &&
      !(Number.isFinite(operationTimeoutMs) && operationTimeoutMs > 0 && operationTimeoutMs < 2 ** 31)
    ) {
      throw new TypeError(
        `RedisStore: option \`operationTimeoutMs\` must be a positive number of milliseconds up to 2147483647, got ` +
          `${describe(operationTimeoutMs)}. Leave it out to rely on the client's timeouts.`,
      );
    }
    this.#prefix = prefix;
    this.#timeoutMs = operationTimeoutMs;
  }

  claim(key: string, claimTtlMs: number): Promise<ClaimResult> {
    return this.#withTimeout(
      'claim',
      async () => {
        const stored = redisKey(this.#prefix + key);
        const px = toPx('claimTtlMs', claimTtlMs);
        tokenPrefix ??= `${randomBytes(12).toString('base64url')}.`;
        const token = tokenPrefix + (++tokenCounter).toString(36);
        // A second try covers the key vanishing (expired or released) between the SET and the GET.
        for (let attempt = 1; ; attempt++) {
          const set = await this.#send(stored, ['SET', stored, token, 'NX', 'PX', px]);
          // Redis answers OK or nil; nothing at all comes from a client that does not return replies
          // (node-redis in legacy mode), which would otherwise read as "already claimed" for ever.
          if (set === undefined) throw new TypeError('RedisStore: the client returned no reply to SET (a legacy-mode client?)');
          if (asString(set) === 'OK') return { status: 'claimed', token } as const;
          const current = asString(await this.#send(stored, ['GET', stored]));
          if (current === COMPLETED) return ALREADY_COMPLETED;
          // Our own SET, landed before a reconnect made the client send it again (ioredis resends what
          // went unanswered): the claim is ours.
          if (current === token) return { status: 'claimed', token } as const;
          if (current !== null || attempt === 2) return IN_PROGRESS;
        }
      },
      // A claim that lands after the caller gave up on it would block the redelivery: drop it.
      (late) => {
        if (late.status === 'claimed') this.release(key, late.token).catch(() => undefined);
      },
    );
  }

  /** Renews the claim (taking it back if it expired untaken); false when another claim or a completion holds the key. */
  extend(key: string, token: string, claimTtlMs: number): Promise<boolean> {
    return this.#withTimeout('extend', async () => {
      const renewed = await this.#eval(EXTEND_SCRIPT, redisKey(this.#prefix + key), [token, toPx('claimTtlMs', claimTtlMs)]);
      return asString(renewed) === '1';
    });
  }

  complete(key: string, token: string, ttlMs: number): Promise<void> {
    return this.#withTimeout('complete', async () => {
      await this.#eval(COMPLETE_SCRIPT, redisKey(this.#prefix + key), [token, COMPLETED, toPx('ttlMs', ttlMs)]);
    });
  }

  release(key: string, token: string): Promise<void> {
    return this.#withTimeout('release', async () => {
      await this.#eval(RELEASE_SCRIPT, redisKey(this.#prefix + key), [token]);
    });
  }

  /** Runs a script by its SHA1, sending the source only when this server has not cached it yet. */
  async #eval(lua: Script, key: RedisKey, args: string[]): Promise<unknown> {
    try {
      return await this.#send(key, ['EVALSHA', lua.sha, '1', key, ...args]);
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
      return this.#send(key, ['EVAL', lua.source, '1', key, ...args]);
    }
  }

  #withTimeout<T>(operation: string, run: () => Promise<T>, late?: (result: T) => void): Promise<T> {
    const timeoutMs = this.#timeoutMs;
    if (timeoutMs === undefined) return run();
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const running = run();
    if (late) {
      running.then(
        (result) => {
          if (timedOut) late(result);
        },
        () => undefined,
      );
    }
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        const error = new Error(`RedisStore: ${operation} did not finish within ${timeoutMs} ms`);
        error.name = 'TimeoutError';
        reject(error);
      }, timeoutMs);
    });
    return Promise.race([running, timeout]).finally(() => {
      clearTimeout(timer);
    });
  }
}

interface Script {
  readonly source: string;
  readonly sha: string;
}

/** The SHA-1 that EVALSHA names a script by, computed on first use: not at start-up of every app. */
function script(source: string): Script {
  let sha: string | undefined;
  return {
    source,
    get sha() {
      sha ??= createHash('sha1').update(source).digest('hex');
      return sha;
    },
  };
}

/**
 * One raw-command path per client kind, so that every kind sends the same commands and reads the
 * same replies. ioredis is tested first: its clients also have a `sendCommand`, with another meaning.
 */
function commandSender(client: unknown): SendCommand {
  const c = client as Partial<Record<'call' | 'sendCommand' | 'getSlotMaster' | 'getMasterNode', unknown>> | null | undefined;
  if (typeof c?.call === 'function') {
    const io = client as IoRedisClientLike;
    return (_key, [command, ...args]) => io.call(String(command), ...args);
  }
  if (typeof c?.sendCommand === 'function' && typeof c.getSlotMaster === 'function') {
    const cluster = client as NodeRedisClusterLike;
    return (key, args) => cluster.sendCommand(key, false, args);
  }
  if (typeof c?.sendCommand === 'function' && typeof c.getMasterNode === 'function') {
    // Every command of the store writes or must read what was just written: the master, never a replica.
    const sentinel = client as NodeRedisSentinelLike;
    return (_key, args) => sentinel.sendCommand(false, args);
  }
  if (typeof c?.sendCommand === 'function') {
    const node = client as NodeRedisClientLike;
    return (_key, args) => node.sendCommand(args);
  }
  throw new TypeError(
    `RedisStore: option \`client\` must be an ioredis or node-redis client, got ${describe(client)}` +
      `${typeof client === 'string' ? ' (a URL? the store takes a client, not its address)' : ''}. ` +
      'Pass e.g. `new Redis(url)` (ioredis) or `await createClient({ url }).connect()` (redis).',
  );
}

/** Replies are strings by default; a client set up to return Buffers gives Buffers. */
function asString(reply: unknown): string | null {
  if (reply === null || reply === undefined) return null;
  // Redis replies here are strings, numbers or Buffers, never objects.
  // eslint-disable-next-line @typescript-eslint/no-base-to-string
  return Buffer.isBuffer(reply) ? reply.toString('utf8') : String(reply);
}

/** Redis accepts only a positive integer after `PX`; a fraction is rounded up, never down to 0. */
function toPx(name: string, ttlMs: number): string {
  if (!(Number.isFinite(ttlMs) && ttlMs > 0)) {
    throw new RangeError(`RedisStore: ${name} must be a positive number of milliseconds, got ${String(ttlMs)}`);
  }
  return String(Math.ceil(ttlMs));
}

function describe(value: unknown): string {
  // A string given as the client is often a connection URL with its password: never printed.
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  if (typeof value === 'function') return 'a function';
  if (value === null || typeof value !== 'object') return String(value);
  return `an object with keys [${Object.keys(value).slice(0, 8).join(', ')}]`;
}
