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

/**
 * Node answers a request carrying `Expect: 100-continue` with "100 Continue" before any middleware
 * runs, unless the server has a `checkContinue` listener: the client is invited to send a body that a
 * 401, 403, 413 or 415 then refuses. This adds that listener. Requests to `paths` (the paths the
 * webhook is mounted at, or a function of the request) reach the app without the interim answer, and
 * the middleware sends it only when it is about to read the body; every other request gets it at once,
 * as Node would have sent it. Returns a function that removes the listener.
 *
 * Mount no body parser before the webhook on those paths: it would wait for a body the client holds
 * back (clients send it anyway after about a second).
 */
export function handleExpectContinue(
  server: ContinueServer,
  paths: string | readonly string[] | ((req: IncomingMessage) => boolean),
): () => void {
  let matches: (req: IncomingMessage) => boolean;
  if (typeof paths === 'function') matches = paths;
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
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    let deferred = false;
    try {
      deferred = matches(req);
    } catch {
      // A matcher that throws defers nothing: Node's own behaviour.
    }
    if (deferred) (req as Deferrable)[DEFERRED_CONTINUE] = true;
    else res.writeContinue();
    server.emit('request', req, res);
  };
  server.on('checkContinue', listener);
  return () => {
    server.off('checkContinue', listener);
  };
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
