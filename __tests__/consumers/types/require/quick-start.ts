// The quick start as a CommonJS project writes it under verbatimModuleSyntax (tsc --init's default),
// which refuses `import … from` in CommonJS files.
/* eslint-disable @typescript-eslint/no-require-imports -- this file checks exactly that form */
import express = require('express');
import webhook = require('innopaas-webhook');
import testing = require('innopaas-webhook/testing');

const app = express();
app.use(
  '/webhook',
  webhook.innopaasWebhook({
    userName: process.env.INNOPAAS_USERNAME,
    authorization: process.env.INNOPAAS_AUTHORIZATION,
    on: {
      whatsapp_mo_message_received: async (event) => {
        if (event.body.type === 'text') console.log(event.body.text.body);
      },
      whatsapp_message_status_updated: async (event) => console.log(event.body.id, event.body.status),
    },
  }),
);
// @ts-expect-error innopaasWebhook is the factory: call it with the options
app.use('/webhook', webhook.innopaasWebhook);
app.listen(3000);
testing.buildEvent('whatsapp_message_status_updated', { body: { wamid: undefined } });
