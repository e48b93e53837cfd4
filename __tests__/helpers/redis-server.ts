import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** A `redis-server` child process on a loopback port; nothing is persisted to disk unless asked. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** SIGTERM, then wait for the process to exit. Safe to call twice. */
  stop(): Promise<void>;
  /** SIGKILL, then wait for the exit: Redis dying mid-run, with no goodbye to its clients. */
  kill(): Promise<void>;
  /**
   * Stop (SIGKILL by default) and start again on the same port, so clients can reconnect: empty, or
   * with what its append-only file kept when started with `persistent`. `downMs`: how long it stays down.
   */
  restart(signal?: NodeJS.Signals, downMs?: number): Promise<void>;
}

export interface StartOptions {
  /** Run as a one-node Redis Cluster that owns every slot. */
  cluster?: boolean;
  /**
   * Persistence as production wants it for a queue: `appendonly yes` (fsync every second; a SIGTERM
   * flushes it), in a data folder that `restart()` keeps.
   */
  persistent?: boolean;
}

/** `REDIS_SERVER_BIN`, else `redis-server` found on PATH, else undefined. */
export const redisServerBin: string | undefined = process.env.REDIS_SERVER_BIN ?? findOnPath('redis-server');

const started = new Set<ChildProcess>();
// A test that crashes before its afterAll must not leave a server behind.
process.once('exit', () => {
  for (const child of started) child.kill('SIGKILL');
});

/**
 * `describe` for suites that need a real Redis. Without `redis-server` the suite is skipped with a
 * printed reason on a developer's machine, but fails under CI, where a silent skip would hide that
 * nothing was tested.
 */
export function describeWithRedis(name: string, fn: () => void): void {
  if (redisServerBin !== undefined) {
    describe(name, fn);
    return;
  }
  const fix = 'install it (Debian: apt-get install -y redis-server) or set REDIS_SERVER_BIN';
  if (process.env.CI === 'true') throw new Error(`redis-server is not on PATH and CI=true: ${fix}.`);
  console.warn(`Skipping "${name}": redis-server is not on PATH; ${fix}.`);
  describe.skip(name, fn);
}

export async function startRedisServer(options: StartOptions = {}): Promise<RedisServer> {
  const bin = redisServerBin;
  if (bin === undefined) throw new Error('redis-server is not on PATH');
  const dir = mkdtempSync(join(tmpdir(), 'innopaas-redis-'));
  // The free port is found by binding and closing; another process may take it before Redis does.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await launch(bin, port, dir, options);
    } catch (error) {
      if (attempt === 3) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
}

async function launch(bin: string, port: number, dir: string, options: StartOptions): Promise<RedisServer> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir];
  args.push('--appendonly', options.persistent ? 'yes' : 'no');
  if (options.persistent) args.push('--appendfsync', 'everysec');
  // DEBUG SLEEP stalls the server for real, for the tests of late answers.
  args.push('--enable-debug-command', 'local');
  if (options.cluster) {
    // Without an announced address a lone node lists its own address as "" in CLUSTER SLOTS.
    args.push('--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`);
    args.push('--cluster-announce-ip', '127.0.0.1');
  }

  let child = await spawnReady(bin, args, port);
  if (options.cluster) await claimAllSlots(port);

  const exit = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    }
    started.delete(child);
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      await exit('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    kill: () => exit('SIGKILL'),
    restart: async (signal = 'SIGKILL', downMs = 0) => {
      await exit(signal);
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      rmSync(join(dir, `nodes-${port}.conf`), { force: true });
      child = await spawnReady(bin, args, port);
      if (options.cluster) await claimAllSlots(port);
    },
  };
}

/** Spawns Redis and resolves once it answers PING; rejects with its output if it exits first. */
async function spawnReady(bin: string, args: string[], port: number): Promise<ChildProcess> {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(child);
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) => {
      started.delete(child);
      reject(new Error(`redis-server on port ${port} exited (${String(signal ?? code)}) before it was ready:\n${output}`));
    });
  });
  exited.catch(() => undefined);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const pong = await Promise.race([redisCommand(port, ['PING']).catch(() => undefined), exited]);
    if (pong === '+PONG') return child;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server on port ${port} did not answer PING within 10 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * A Redis Sentinel (`redis-server --sentinel`) that monitors `master` under the name `mymaster`,
 * resolved once it answers with the master's address.
 */
export async function startRedisSentinel(master: RedisServer): Promise<RedisServer & { masterName: string }> {
  const bin = redisServerBin;
  if (bin === undefined) throw new Error('redis-server is not on PATH');
  const dir = mkdtempSync(join(tmpdir(), 'innopaas-sentinel-'));
  const port = await freePort();
  // Sentinel rewrites its configuration file, so it must have one of its own.
  const config = join(dir, 'sentinel.conf');
  writeFileSync(config, `port ${port}\nbind 127.0.0.1\nsentinel monitor mymaster 127.0.0.1 ${master.port} 1\n`);
  const child = await spawnReady(bin, [config, '--sentinel'], port);
  for (const deadline = Date.now() + 10_000; ;) {
    if ((await redisCommand(port, ['SENTINEL', 'get-master-addr-by-name', 'mymaster'])).includes(String(master.port))) break;
    if (Date.now() > deadline) throw new Error(`the sentinel on port ${port} did not find its master`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    started.delete(child);
    rmSync(dir, { recursive: true, force: true });
  };
  const unsupported = (): Promise<void> => Promise.reject(new Error('not for a sentinel'));
  return { port, url: `redis://127.0.0.1:${port}`, masterName: 'mymaster', stop, kill: stop, restart: unsupported };
}

async function claimAllSlots(port: number): Promise<void> {
  const slots = Array.from({ length: 16384 }, (_, slot) => String(slot));
  await redisCommand(port, ['CLUSTER', 'ADDSLOTS', ...slots]);
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    if ((await redisCommand(port, ['CLUSTER', 'INFO'])).includes('cluster_state:ok')) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server on port ${port} did not reach cluster_state:ok`);
}

/**
 * Sends one command over a fresh connection and returns the raw reply: enough RESP for PING,
 * CLUSTER ADDSLOTS and CLUSTER INFO, without a Redis client library in the helper.
 */
export function redisCommand(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let reply = '';
    socket.setTimeout(2000, () => socket.destroy(new Error('no reply within 2 s')));
    socket.on('error', reject);
    socket.on('connect', () => {
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
    });
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      const firstLineEnd = reply.indexOf('\r\n');
      if (firstLineEnd === -1) return;
      if (reply[0] === '$' && Buffer.byteLength(reply) < firstLineEnd + 4 + Number(reply.slice(1, firstLineEnd))) return;
      socket.end();
      if (reply[0] === '-') reject(new Error(reply.trim()));
      else resolve(reply[0] === '$' ? reply.slice(firstLineEnd + 2, -2) : reply.trim());
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === 'object' && address) resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}
