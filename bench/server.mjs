// Child process: serves one contender on a free loopback port, tells the parent which one over IPC,
// and exits as soon as the parent goes away, so that no server outlives a benchmark run.
//   node bench/server.mjs <contender-key> [path-to-build]
import { createServer } from 'node:http';
import { findContender } from './contenders.mjs';

const [key, buildPath] = process.argv.slice(2);
if (typeof process.send !== 'function') throw new Error('bench/server.mjs is started by bench/load.mjs, with an IPC channel.');

// A contender answers its request listener, or { listener, options } for createServer(options, listener).
const made = await findContender(key).create(buildPath);
const server = typeof made === 'function' ? createServer(made) : createServer(made.options, made.listener);
// Loopback only: the benchmark must never listen on a reachable interface.
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
// CPU time is asked for before and after each round: CPU per request is far steadier than req/s on a
// machine where other work competes for the cores.
process.on('message', (message) => {
  if (message === 'cpu') process.send({ cpu: process.cpuUsage() });
});
