import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { innopaasFetchHandler, isInnopaasWebhookError, type InnopaasFetchHandlerOptions } from '../../lib';
import { AUTH, USER } from './app';

/**
 * A Hono app with the Fetch handler at /webhook, as the README shows it, served by @hono/node-server's
 * request listener (what `serve()` runs). `app.onError` shows what a rejected handler promise carried, as
 * the Express helper's error handler shows what next(err) received.
 */
export function createFetchApp(options: Partial<InnopaasFetchHandlerOptions> = {}) {
  const hono = new Hono();
  const webhook = innopaasFetchHandler({ userName: USER, authorization: AUTH, ...options });
  hono.all('/webhook', (c) => webhook(c.req.raw));
  hono.onError((err, c) => {
    const known = isInnopaasWebhookError(err) ? err : undefined;
    return c.json(
      { forwarded: true, code: known?.code, status: known?.status, name: err.name, message: err.message },
      599 as ContentfulStatusCode,
    );
  });
  return { app: getRequestListener(hono.fetch), webhook, hono };
}
