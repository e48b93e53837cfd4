import { createHash, randomBytes } from 'node:crypto';
import type { ClaimResult, DedupeStore } from './types';

// Neither Redis library is a dependency of this package: the user passes in the client they already
// have, and these interfaces name the one method of each that this store calls.

/** A node-redis client (`createClient()` from `redis` or `@redis/client`, v4 or later). */
export interface NodeRedisClientLike {
  sendCommand(args: string[]): Promise<unknown>;
}

/** A node-redis cluster (`createCluster()`): commands are routed by the key they name first. */
export interface NodeRedisClusterLike {
  sendCommand(firstKey: string, isReadonly: boolean, args: string[]): Promise<unknown>;
  getSlotMaster(slot: number): unknown;
}

/** An ioredis client: `new Redis()` or `new Redis.Cluster()`. */
export interface IoRedisClientLike {
  call(command: string, ...args: string[]): Promise<unknown>;
}

export type RedisClientLike = NodeRedisClientLike | NodeRedisClusterLike | IoRedisClientLike;

export interface RedisStoreOptions {
  /** A connected ioredis or node-redis client (or cluster). Required; the store never closes it. */
  client: RedisClientLike;
  /** Put before every event id to make its key, so several apps can share one database. Defaults to `'innopaas-webhook:'`. */
  prefix?: string | undefined;
  /**
   * Reject an operation that takes longer than this many milliseconds. The command itself is not
   * cancelled: a claim that lands after its timeout simply expires after its claim TTL. Defaults to
   * none: the client's own timeouts, and the middleware's, apply.
   */
  operationTimeoutMs?: number | undefined;
}

/** Sends one raw command. `key` is the key it touches, which a cluster routes by. */
type SendCommand = (key: string, args: string[]) => Promise<unknown>;

/** The value of a completed key. A token always holds a `.`, so it can never equal this. */
const COMPLETED = 'completed';

// Check-and-act must be one atomic step: between a GET and a SET or DEL from the client, the claim
// could expire and be taken by another instance, whose claim this one would then complete or drop.
const COMPLETE_SCRIPT = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
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
 * `SET NX PX`; complete and release are Lua scripts that act only while the key still holds the
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
    if (operationTimeoutMs !== undefined && !(Number.isFinite(operationTimeoutMs) && operationTimeoutMs > 0)) {
      throw new TypeError(
        `RedisStore: option \`operationTimeoutMs\` must be a positive number of milliseconds, got ` +
          `${describe(operationTimeoutMs)}. Leave it out to rely on the client's timeouts.`,
      );
    }
    this.#prefix = prefix;
    this.#timeoutMs = operationTimeoutMs;
  }

  claim(key: string, claimTtlMs: number): Promise<ClaimResult> {
    return this.#withTimeout('claim', async () => {
      const px = toPx('claimTtlMs', claimTtlMs);
      const redisKey = this.#prefix + key;
      tokenPrefix ??= `${randomBytes(12).toString('base64url')}.`;
      const token = tokenPrefix + (++tokenCounter).toString(36);
      // A second try covers the key vanishing (expired or released) between the SET and the GET.
      for (let attempt = 1; ; attempt++) {
        const set = await this.#send(redisKey, ['SET', redisKey, token, 'NX', 'PX', px]);
        if (asString(set) === 'OK') return { status: 'claimed', token };
        const current = asString(await this.#send(redisKey, ['GET', redisKey]));
        if (current === COMPLETED) return ALREADY_COMPLETED;
        if (current !== null || attempt === 2) return IN_PROGRESS;
      }
    });
  }

  complete(key: string, token: string, ttlMs: number): Promise<void> {
    return this.#withTimeout('complete', async () => {
      await this.#eval(COMPLETE_SCRIPT, this.#prefix + key, [token, COMPLETED, toPx('ttlMs', ttlMs)]);
    });
  }

  release(key: string, token: string): Promise<void> {
    return this.#withTimeout('release', () => this.#eval(RELEASE_SCRIPT, this.#prefix + key, [token]));
  }

  /** Runs a script by its SHA1, sending the source only when this server has not cached it yet. */
  async #eval(lua: Script, redisKey: string, args: string[]): Promise<void> {
    try {
      await this.#send(redisKey, ['EVALSHA', lua.sha, '1', redisKey, ...args]);
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
      await this.#send(redisKey, ['EVAL', lua.source, '1', redisKey, ...args]);
    }
  }

  #withTimeout<T>(operation: string, run: () => Promise<T>): Promise<T> {
    const timeoutMs = this.#timeoutMs;
    if (timeoutMs === undefined) return run();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new Error(`RedisStore: ${operation} did not finish within ${timeoutMs} ms`);
        error.name = 'TimeoutError';
        reject(error);
      }, timeoutMs);
    });
    return Promise.race([run(), timeout]).finally(() => clearTimeout(timer));
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
  const c = client as Partial<Record<'call' | 'sendCommand' | 'getSlotMaster', unknown>> | null | undefined;
  if (typeof c?.call === 'function') {
    const io = client as IoRedisClientLike;
    return (_key, [command, ...args]) => io.call(command as string, ...args);
  }
  if (typeof c?.sendCommand === 'function' && typeof c.getSlotMaster === 'function') {
    const cluster = client as NodeRedisClusterLike;
    return (key, args) => cluster.sendCommand(key, false, args);
  }
  if (typeof c?.sendCommand === 'function') {
    const node = client as NodeRedisClientLike;
    return (_key, args) => node.sendCommand(args);
  }
  throw new TypeError(
    `RedisStore: option \`client\` must be an ioredis or node-redis client, got ${describe(client)}. ` +
      'Pass e.g. `new Redis(url)` (ioredis) or `await createClient({ url }).connect()` (redis).',
  );
}

/** Replies are strings by default; a client set up to return Buffers gives Buffers. */
function asString(reply: unknown): string | null {
  if (reply === null || reply === undefined) return null;
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
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (value === null || typeof value !== 'object') return String(value);
  return `an object with keys [${Object.keys(value).slice(0, 8).join(', ')}]`;
}
