import express5 from 'express';
import express4 from 'express4';
import type { RequestHandler } from 'express';
import { innopaasWebhook, type InnopaasWebhookOptions } from '../../lib';

export const USER = 'innopaas-user';
export const AUTH = 'Secret-Authorization-Value-7f3a9c';
export const credentials = { UserName: USER, Authorization: AUTH } as const;

/** The two Express majors every behaviour is checked against. */
export const expressVersions = [
  ['Express 4', express4],
  ['Express 5', express5],
] as const;

export type ExpressFactory = typeof express5;

export interface AppSetup {
  /** Middleware mounted before the webhook (body parsers, …). */
  before?: RequestHandler[];
  /** A route after the webhook (for passThrough). */
  after?: RequestHandler;
  /** Mount with app.post(path, mw, after) instead of app.use(path, mw). */
  route?: boolean;
}

/**
 * An Express app with the webhook at /webhook, as the README shows it, except that failures are not
 * printed unless `options.onError` says otherwise: the suites make handlers fail by the hundred, and the
 * default (printing each on stderr) has tests of its own in core-report.test.ts.
 */
export function createApp(express: ExpressFactory, options: Partial<InnopaasWebhookOptions> = {}, setup: AppSetup = {}) {
  const app = express();
  for (const mw of setup.before ?? []) app.use(mw);
  const webhook = innopaasWebhook({ userName: USER, authorization: AUTH, onError: false, ...options });
  if (setup.route) app.post('/webhook', webhook as unknown as RequestHandler, ...(setup.after ? [setup.after] : []));
  else {
    app.use('/webhook', webhook as unknown as RequestHandler);
    if (setup.after) app.use('/webhook', setup.after);
  }
  // A central error handler, as old services have: it shows what next(err) received.
  app.use(((err, _req, res, _next) => {
    res.status(599).json({ forwarded: true, code: err.code, status: err.status, name: err.name, message: err.message });
  }) as express5.ErrorRequestHandler);
  return { app, webhook };
}

let counter = 0;
/** The documented inbound text event (docs/events.md#inbound-text) with a fresh envelope id. */
export function textEvent(text = 'OK'): Record<string, unknown> {
  counter += 1;
  return {
    id: `b5e984b3-21b2-42a9-b08b-${String(counter).padStart(12, '0')}`,
    type: 'whatsapp_mo_message_received',
    eventTime: '2023-02-22T12:00:00.000Z',
    body: {
      id: '63f5d602367ea403f8175a6c',
      accountName: 'IW123456',
      wabaId: 'WHATSAPP_BUSINESS_ACCOUNT_ID',
      wamid: 'wamid.BgNODYxN...',
      from: 'PHONE-NUMBER',
      customerProfile: { name: 'Jack' },
      to: 'BUSINESS-PHONE-NUMBER',
      sendTime: '2023-02-22T12:00:00.000Z',
      type: 'text',
      text: { body: text },
    },
  };
}
