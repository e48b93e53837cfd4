import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * Set on a request whose "100 Continue" the middleware sends itself, once the request has passed every
 * check made before the body. A registered symbol, so that a CommonJS and an ESM copy of the package
 * in one process agree on it.
 */
export const DEFERRED_CONTINUE = Symbol.for('innopaas-webhook.deferred-continue');

type Deferrable = IncomingMessage & { [DEFERRED_CONTINUE]?: boolean };

/** The server events this needs: `node:http` and `node:https` servers both have them. */
type ContinueServer = Pick<Server, 'on' | 'off' | 'emit'>;

type Matcher = (req: IncomingMessage) => boolean;

/** A server's one `checkContinue` listener, and the matchers of every call that shares it. */
interface Registry {
  readonly matchers: Set<Matcher>;
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void;
}

const registries = new WeakMap<ContinueServer, Registry>();

/**
 * Node answers a request carrying `Expect: 100-continue` with "100 Continue" before any middleware
 * runs, unless the server has a `checkContinue` listener: the client is invited to send a body that a
 * 401, 403, 413 or 415 then refuses. This adds that listener. Requests to `paths` (the paths the
 * webhook is mounted at, or a function of the request) reach the app without the interim answer, and
 * the middleware sends it only when it is about to read the body; every other request gets it at once,
 * as Node would have sent it. Returns a function that removes these paths (and the listener with the
 * last of them).
 *
 * Calls for several webhooks on one server share one listener: two listeners would each hand the
 * request to the app, which would then run twice.
 *
 * Mount no body parser before the webhook on those paths: it would wait for a body the client holds
 * back (clients send it anyway after about a second).
 */
export function handleExpectContinue(
  server: ContinueServer,
  paths: string | readonly string[] | ((req: IncomingMessage) => boolean),
): () => void {
  let matches: Matcher;
  // A function of its own, so that two calls given the same function are removed one at a time.
  if (typeof paths === 'function') matches = (req) => paths(req);
  else {
    const list = (typeof paths === 'string' ? [paths] : paths).map((path) => {
      if (typeof path !== 'string' || !path.startsWith('/'))
        throw new TypeError(`handleExpectContinue: paths must start with '/' (got ${JSON.stringify(path)}).`);
      return normalise(path);
    });
    matches = (req) => {
      const path = normalise((req.url ?? '/').split('?', 1)[0] as string);
      return list.some((mounted) => path === mounted || path.startsWith(mounted === '/' ? '/' : `${mounted}/`));
    };
  }
  let registry = registries.get(server);
  if (!registry) {
    registry = createRegistry(server);
    registries.set(server, registry);
    server.on('checkContinue', registry.listener);
  }
  const { matchers, listener } = registry;
  matchers.add(matches);
  return () => {
    if (!matchers.delete(matches) || matchers.size > 0) return;
    server.off('checkContinue', listener);
    registries.delete(server);
  };
}

function createRegistry(server: ContinueServer): Registry {
  const matchers = new Set<Matcher>();
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    // A `checkContinue` listener of the app's own ran first and answered (a 417): another interim
    // answer would throw, and the app has nothing left to answer.
    if (res.headersSent) return;
    let deferred = false;
    for (const match of matchers) {
      try {
        deferred = match(req);
      } catch {
        // A matcher that throws defers nothing: Node's own behaviour.
      }
      if (deferred) break;
    }
    if (deferred) (req as Deferrable)[DEFERRED_CONTINUE] = true;
    else res.writeContinue();
    server.emit('request', req, res);
  };
  return { matchers, listener };
}

/** Express matches paths case-insensitively and with or without a trailing slash. */
function normalise(path: string): string {
  const lower = path.toLowerCase();
  return lower.length > 1 && lower.endsWith('/') ? lower.slice(0, -1) : lower;
}

/** Sends the "100 Continue" that {@link handleExpectContinue} held back, once. */
export function sendDeferredContinue(req: IncomingMessage, res: ServerResponse): void {
  const deferrable = req as Deferrable;
  if (deferrable[DEFERRED_CONTINUE] !== true) return;
  deferrable[DEFERRED_CONTINUE] = false;
  if (!res.headersSent) res.writeContinue();
}
