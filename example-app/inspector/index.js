'use strict';

const path = require('node:path');
const { createHash, timingSafeEqual } = require('node:crypto');
const { createRecorder } = require('./recorder');
const { statsRoutes } = require('./stats');

const PUBLIC_DIR = path.join(__dirname, '..', 'public');
const HEARTBEAT_MS = 25_000;

// The page shows attacker-controlled payloads: it renders them with textContent only, and this policy
// makes sure no injected markup could run a script or send data anywhere else even if it slipped in.
const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

/** Hashing first makes the comparison independent of the lengths, which would otherwise leak. */
const digest = (value) => createHash('sha256').update(value, 'utf8').digest();
const same = (given, expected) => timingSafeEqual(digest(given), digest(expected));

function parseBasicAuth(header) {
  const match = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function basicAuth(userName, password) {
  return function inspectorBasicAuth(req, res, next) {
    const given = parseBasicAuth(req.headers.authorization);
    // Both comparisons always run, so the timing does not say which part was wrong.
    const userOk = same(given?.user ?? '', userName);
    const passwordOk = same(given?.password ?? '', password);
    if (given && userOk && passwordOk) return next();
    res.set('WWW-Authenticate', 'Basic realm="InnoPaaS webhook inspector", charset="UTF-8"');
    res.status(401).type('text/plain').send('Authentication required for the inspector.\n');
  };
}

/**
 * The live inspector: a recorder for the webhook route and a router for the page, its JSON and its
 * Server-Sent Events stream, all behind HTTP basic auth. `messages` is the app's book of each message's
 * latest status, shown beside the deliveries.
 */
function createInspector({ express, userName, password, max, now, messages, registry, queueMode }) {
  if (!userName || !password) throw new TypeError('The inspector needs a user name and a password for its basic auth.');
  if (userName.includes(':')) throw new TypeError('The inspector user name cannot contain ":" (HTTP basic auth splits on it).');
  const recorder = createRecorder({ max, now, queueMode });
  const streams = new Set();
  let closed = false;

  function streamDeliveries(req, res) {
    if (closed) return res.status(503).type('text/plain').send('Shutting down.\n');
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'X-Accel-Buffering': 'no' });
    const send = (name, data) => res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    res.write('retry: 2000\n\n');
    // The whole lists first, so a page that (re)connects never misses a delivery made meanwhile.
    send('snapshot', recorder.list());
    send('messages', messages.list());
    const unsubscribeDeliveries = recorder.subscribe((summary) => send('delivery', summary));
    const unsubscribeMessages = messages.subscribe((entry) => send('message', entry));
    // Proxies drop connections that stay silent; a comment line keeps this one open.
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    streams.add(res);
    res.once('close', () => {
      clearInterval(heartbeat);
      unsubscribeDeliveries();
      unsubscribeMessages();
      streams.delete(res);
    });
  }

  const router = express.Router();
  router.use((req, res, next) => {
    res.set(SECURITY_HEADERS);
    next();
  });
  router.use(basicAuth(userName, password));
  router.get('/inspector/deliveries', (req, res) => res.json(recorder.list()));
  router.get('/inspector/deliveries/:seq', (req, res) => {
    const delivery = recorder.get(Number(req.params.seq));
    if (delivery) res.json(delivery);
    else res.status(404).json({ error: 'No such delivery (only the last ones are kept).' });
  });
  router.get('/inspector/messages', (req, res) => res.json(messages.list()));
  router.get('/inspector/events', streamDeliveries);
  if (registry) router.use(statsRoutes(express, registry));
  router.use(express.static(PUBLIC_DIR, { index: 'index.html' }));

  return {
    router,
    recordDelivery: recorder.recordDelivery,
    note: recorder.note,
    noteJob: recorder.noteJob,
    deliveries: recorder.list,
    /**
     * Ends the event streams: an open stream would keep `server.close()` waiting forever. Resolves
     * once each has been sent, so that its connection is idle and can be closed at once.
     */
    close() {
      closed = true;
      const ended = [...streams].map((res) => new Promise((resolve) => res.end(resolve)));
      return Promise.all(ended).then(() => undefined);
    },
  };
}

module.exports = { createInspector };
