// Compile-only checks of the middleware's public types (run by events-types.test.ts through tsc).
// Each `@ts-expect-error` must meet an error; the rest must compile as users write it.
import express from 'express';
import {
  innopaasWebhook,
  isInnopaasEvent,
  isInnopaasWebhookError,
  RedisStore,
  type EventHandlers,
  type InboundMessageEvent,
  type InnopaasWebhookMiddleware,
  type MessageStatusEvent,
  type UnknownEvent,
  type WebhookEvent,
} from '../../lib';

const app = express();

// The README quick start, as written.
const webhook: InnopaasWebhookMiddleware = innopaasWebhook({
  userName: process.env.INNOPAAS_USERNAME,
  authorization: process.env.INNOPAAS_AUTHORIZATION,
  on: {
    whatsapp_mo_message_received: async (event) => {
      if (event.body.type === 'text') console.log(event.body.text.body);
    },
    whatsapp_message_status_updated: async (event) => console.log(event.body.id, event.body.status),
    whatsapp_template_status_updated: (event) => {
      // Both spellings reach this handler, and its type says so.
      const type: 'whatsapp_template_status_updated' | 'whatsapp_template_status_update' = event.type;
      void type;
    },
  },
  onError: (error, { event }) => {
    console.error(error.code, error.status, event?.id, error.cause);
    // The event of onError narrows like req.innopaasEvent.
    if (event?.type === 'whatsapp_message_status_updated') console.error(event.body.wamid);
  },
  onInvalidEvent: ({ problems }) => console.warn(problems.map((p) => p.path)),
});
app.use('/webhook', webhook);
app.post('/hook', webhook, (req, res) => {
  // Declaration merging: req.innopaasEvent is typed on Express's Request.
  const id: string | undefined = req.innopaasEvent?.id;
  res.json({ id });
});

// In a route, comparing `type` with a catalogue name narrows req.innopaasEvent to that event.
app.post('/route', webhook, (req, res) => {
  const ev = req.innopaasEvent;
  if (ev?.type === 'whatsapp_mo_message_received') {
    const from: string = ev.body.from;
    if (ev.body.type === 'text') res.send(ev.body.text.body);
    void from;
  }
  // @ts-expect-error before narrowing, the body may be any event's (or an unknown event's)
  void ev?.body.from;
  if (!ev) return;
  switch (ev.type) {
    case 'whatsapp_message_status_updated': {
      const status: MessageStatusEvent['body']['status'] = ev.body.status;
      void status;
      break;
    }
    case 'whatsapp_mo_message_received':
    case 'chat_mo_message_notify':
    case 'chat_mt_message_notify':
    case 'whatsapp_template_status_updated':
    case 'whatsapp_template_status_update':
    case 'message_template_quality_update':
    case 'template_category_update':
    case 'whatsapp_account_review_updated':
    case 'whatsapp_phone_number_name_update':
      break;
    default: {
      // What is left once every catalogue type is ruled out: an unknown event, readable.
      const unknown: UnknownEvent = ev;
      const type: string = String(unknown.type);
      const field: unknown = unknown.body.anything;
      void [type, field];
    }
  }
  // The guard, for both spellings of the template status event and for values typed unknown.
  if (isInnopaasEvent(ev, 'whatsapp_template_status_updated')) void ev.body.templateStatus;
  const stored: unknown = JSON.parse('{}');
  if (isInnopaasEvent(stored, 'whatsapp_message_status_updated')) void stored.body.wamid;
  const events: WebhookEvent[] = [];
  const statuses: MessageStatusEvent[] = events.filter((e) => isInnopaasEvent(e, 'whatsapp_message_status_updated'));
  void statuses;
  // @ts-expect-error the guard takes a catalogue name
  isInnopaasEvent(ev, 'whatsapp_mo_message');
  // @ts-expect-error an unknown event's type is not a catalogue name, nor a string without String()
  const asString: string = (ev as UnknownEvent).type;
  void asString;
});

innopaasWebhook({
  userName: 'u',
  authorization: 'a',
  on: {
    // @ts-expect-error a status-report handler cannot take an inbound-message event
    whatsapp_message_status_updated: (event: InboundMessageEvent) => void event,
  },
});

innopaasWebhook({
  userName: 'u',
  authorization: 'a',
  on: {
    // @ts-expect-error an unknown event type is not a handler key
    whatsapp_message_received: () => {},
  },
});

innopaasWebhook({
  userName: 'u',
  authorization: 'a',
  on: {
    whatsapp_message_status_updated: (event) => {
      // @ts-expect-error a status report has no inbound message text
      void event.body.text;
      const status: MessageStatusEvent['body']['status'] = event.body.status;
      // Open enumerations: documented values complete, new ones still type-check.
      const known = status === 'delivered' || status === 'SMECL:FAILED' || status === 'sent';
      void known;
    },
    whatsapp_mo_message_received: (event) => {
      // @ts-expect-error .image is only there once body.type is narrowed to 'image'
      void event.body.image.link;
      if (event.body.type === 'image') {
        const link: string = event.body.image.link;
        void link;
      }
    },
  },
});

// The factory mounted without its call is a type error, wherever a middleware goes.
// @ts-expect-error innopaasWebhook is the factory: call it with the options
app.use('/webhook', innopaasWebhook);
// @ts-expect-error innopaasWebhook is the factory: call it with the options
app.use(innopaasWebhook);
// @ts-expect-error innopaasWebhook is the factory: call it with the options
app.post('/webhook', innopaasWebhook, (_req, res) => res.end());
// @ts-expect-error innopaasWebhook is the factory: call it with the options
express.Router().use('/webhook', innopaasWebhook);
// @ts-expect-error it takes one argument
innopaasWebhook({ insecureNoAuth: true }, {});

// @ts-expect-error `ack` takes 'after-handlers' or 'immediately'
innopaasWebhook({ insecureNoAuth: true, ack: 'later' });

// allowRequest may be sync or async; a dedupe key is a string, never a promise.
innopaasWebhook({ insecureNoAuth: true, allowRequest: (req) => req.socket.remoteAddress === '10.0.0.1' });
innopaasWebhook({ insecureNoAuth: true, allowRequest: async (req) => Promise.resolve(req.method === 'POST') });
// @ts-expect-error a key is computed synchronously
innopaasWebhook({ insecureNoAuth: true, dedupe: { key: async (event) => Promise.resolve(event.id) } });
// A handler may return anything: `(event) => db.query(…)` needs no braces (a promise is awaited).
declare const query: (sql: string) => Promise<{ rowCount: number }>;
innopaasWebhook({
  insecureNoAuth: true,
  on: {
    whatsapp_message_status_updated: (event) => query(event.body.id),
    whatsapp_mo_message_received: (event) => event.body.type === 'text' && event.body.text.body,
  },
  onUnknownEvent: async () => 42,
  onInvalidEvent: (info) => info.problems.length,
});

// Handlers typed apart from the options, then passed in.
const handlers: EventHandlers = { chat_mo_message_notify: (event) => void event.body.context };
innopaasWebhook({
  insecureNoAuth: true,
  on: handlers,
  dedupe: { store: new RedisStore({ client: { call: async () => 'OK' } }) },
});

app.use(((err, _req, res, next) => {
  if (isInnopaasWebhookError(err)) res.status(err.status).json({ code: err.code });
  else next(err);
}) as express.ErrorRequestHandler);
