// Compiled against the installed tarball by package-types.test.ts, under every setting it tries: each
// `@ts-expect-error` must meet an error, everything else must compile as users write it.
import express from 'express';
import {
  innopaasWebhook,
  isInnopaasEvent,
  type InboundMessageEvent,
  type MessageStatusEvent,
  type UnknownEvent,
  type WebhookEvent,
} from 'innopaas-webhook';
import { buildEvent, buildInboundMessage, deliver } from 'innopaas-webhook/testing';

const app = express();

// The factory mounted without its call.
// @ts-expect-error innopaasWebhook is the factory: call it with the options
app.use('/webhook', innopaasWebhook);
// @ts-expect-error innopaasWebhook is the factory: call it with the options
app.post('/webhook', innopaasWebhook, (_req, res) => res.end());

// Optional options take undefined, as process.env gives it.
const webhook = innopaasWebhook({
  userName: process.env.INNOPAAS_USERNAME,
  authorization: process.env.INNOPAAS_AUTHORIZATION,
  limit: process.env.WEBHOOK_LIMIT,
  timeZone: process.env.INNOPAAS_TIME_ZONE,
  dedupe: { ttlMs: undefined },
  onError: process.env.QUIET ? false : undefined,
  passThrough: true,
  on: {
    // @ts-expect-error a status-report handler cannot take an inbound-message event
    whatsapp_message_status_updated: (event: InboundMessageEvent) => event.body.from,
    whatsapp_mo_message_received: (event) => {
      // @ts-expect-error .text exists once body.type is narrowed to 'text'
      void event.body.text.body;
      if (event.body.type === 'text') void event.body.text.body;
    },
  },
});

innopaasWebhook({
  insecureNoAuth: true,
  // @ts-expect-error a misspelt option
  onerror: () => {},
});

// A route narrows req.innopaasEvent on `type`; the guard covers the rest.
app.post('/webhook', webhook, (req, res) => {
  const event = req.innopaasEvent;
  // @ts-expect-error the body of an event not yet narrowed
  void event?.body.from;
  if (event?.type === 'whatsapp_mo_message_received') {
    const from: string = event.body.from;
    res.json({ from });
    return;
  }
  if (isInnopaasEvent(event, 'whatsapp_message_status_updated')) {
    const status: MessageStatusEvent['body']['status'] = event.body.status;
    res.json({ status });
    return;
  }
  if (!event) return;
  switch (event.type) {
    case 'whatsapp_template_status_updated':
    case 'whatsapp_template_status_update':
      res.json({ template: event.body.templateStatus });
      return;
    case 'message_template_quality_update':
    case 'template_category_update':
    case 'whatsapp_account_review_updated':
    case 'whatsapp_phone_number_name_update':
    case 'chat_mt_message_notify':
    case 'chat_mo_message_notify':
      res.json({ id: event.id });
      return;
    default: {
      const unknown: UnknownEvent = event;
      res.json({ type: String(unknown.type), body: unknown.body });
    }
  }
});

const received: unknown = JSON.parse('{}');
const events: WebhookEvent[] = isInnopaasEvent(received, 'chat_mo_message_notify') ? [received] : [];
void events;

// The test kit: overrides take undefined to remove a key.
const invalid = buildEvent('whatsapp_message_status_updated', { body: { wamid: undefined, status: 'failed' } });
const image = buildInboundMessage('image', { image: { caption: undefined } }, { id: undefined });
const link: string = image.body.image.link;
// An open enumeration takes its documented values and any other string, and nothing else.
buildEvent('whatsapp_message_status_updated', { body: { status: 'sent' } });
// @ts-expect-error a status is a string
buildEvent('whatsapp_message_status_updated', { body: { status: 3 } });
void [invalid, link];
void deliver(app, invalid, { credentials: { userName: 'u', authorization: 'a' }, timeoutMs: undefined, path: '/webhook' });
