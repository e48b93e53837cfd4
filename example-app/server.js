'use strict';

// Runs the example: reads the environment, listens, and shuts down gracefully on SIGTERM/SIGINT.
// Everything else is in app.js.
const { createExampleApp } = require('./app');
const { startupBanner } = require('./banner');

const DEMO = { userName: 'demo-user', authorization: 'demo-secret' };
const SHUTDOWN_GRACE_MS = 10_000;

const { env } = process;
/** A setting from the environment, or the demo value; remembers which, for the banner. */
const setting = (name, demo) => (env[name] ? { text: env[name], fromEnv: name } : { text: demo, demo: true });

const port = env.PORT === undefined || env.PORT === '' ? 3000 : Number(env.PORT);
// Loopback by default: the demo credentials are public. HOST=0.0.0.0 for a container.
const host = env.HOST || '127.0.0.1';
const userName = setting('INNOPAAS_USERNAME', DEMO.userName);
const authorization = setting('INNOPAAS_AUTHORIZATION', DEMO.authorization);
const inspectorEnabled = env.INSPECTOR === '1' || env.INSPECTOR === 'true' || process.argv.includes('--inspector');
const inspectorUser = env.INSPECTOR_USERNAME ? { text: env.INSPECTOR_USERNAME, fromEnv: 'INSPECTOR_USERNAME' } : userName;
const inspectorPassword = env.INSPECTOR_PASSWORD
  ? { text: env.INSPECTOR_PASSWORD, fromEnv: 'INSPECTOR_PASSWORD' }
  : authorization;

const queueMode = env.QUEUE === '1' || env.QUEUE === 'true' || process.argv.includes('--queue');

const log = (line) => console.log(`${new Date().toISOString()} ${line}`);

async function main() {
  // Queue mode: Redis, the queue and a worker process first; the inspector hears each job's state, and
  // the status reports the worker handled (for its Messages panel).
  let example;
  const queueSetup = queueMode
    ? await require('./queue-mode').startQueueMode({
        log,
        onJobState: (eventId, state) => example?.inspector?.noteJob(eventId, state),
        onStatusReport: (body) => example?.messages.record(body),
      })
    : null;
  example = createExampleApp({
    userName: userName.text,
    authorization: authorization.text,
    inspector: { enabled: inspectorEnabled, userName: inspectorUser.text, password: inspectorPassword.text },
    ack: env.ACK === 'immediately' ? 'immediately' : undefined,
    queue: queueSetup?.queue,
    log,
  });
  listen(example.app, example.webhook, example.inspector, queueSetup);
}

function listen(app, webhook, inspector, queueSetup) {
  const server = app.listen(port, host, () => {
    const address = server.address();
    // A wildcard address is no URL; "localhost" may resolve to ::1 while we listen on 127.0.0.1 only.
    const shownHost = ['0.0.0.0', '::'].includes(host) ? 'localhost' : host;
    console.log(
      startupBanner({
        url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${address.port}`,
        userName,
        authorization,
        inspector: inspectorEnabled && { userName: inspectorUser, password: inspectorPassword },
        exposed: !['127.0.0.1', '::1', 'localhost'].includes(host),
      }),
    );
  });
  server.on('error', (error) => {
    console.error(`Cannot listen on ${host}:${port}: ${error.message}`);
    process.exit(1);
  });

  let stopping = false;
  async function shutdown(signal) {
    if (stopping) {
      log(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    log(`${signal} received: no new connections, finishing the deliveries in progress`);
    const closed = new Promise((resolve) => server.close(resolve));
    // Open event streams would keep server.close() waiting forever; once ended, their connections are
    // idle and can go right away instead of at the end of their keep-alive.
    if (inspector) {
      await inspector.close();
      server.closeIdleConnections();
    }
    // With ack 'immediately' handlers may still run after their 200 was sent.
    if (webhook.inFlight > 0) log(`waiting for ${webhook.inFlight} background handler(s)`);
    await webhook.drain();
    // A client that keeps its connection busy must not hold the process hostage.
    setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
    await closed;
    // Queue mode: the worker stops after the web server (nothing new is queued), then Redis. Each step
    // has a time limit (Redis may be gone): what was cut short is logged, and the exit code is 1.
    if (queueSetup && !(await queueSetup.close())) {
      log('shut down, with the steps above cut short');
      process.exit(1);
    }
    log('shut down cleanly');
    process.exit(0);
  }
  // SIGHUP: the terminal was closed. The local redis-server is in a process group of its own, which
  // does not get it: the shutdown stops it.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => void shutdown(signal));
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
