// A legacy service: CommonJS, Express 4 with express.json() mounted for the whole app, as many are
// written, on whatever Node runs this file (the test runs it on 18). It receives one delivery twice
// through the test kit (the second is a duplicate for the default memory store) and one with the
// wrong credentials, then prints what it saw.
const express = require('express');
const { innopaasWebhook } = require('innopaas-webhook');
const { buildEvent, deliver } = require('innopaas-webhook/testing');

const seen = [];
const app = express();
app.use(express.json());
app.use(
  '/webhook',
  innopaasWebhook({
    userName: 'u',
    authorization: 'a',
    on: {
      whatsapp_mo_message_received: async (event) => {
        seen.push(event.body.text.body);
      },
    },
  }),
);

async function main() {
  const event = buildEvent('whatsapp_mo_message_received', { body: { type: 'text', text: { body: 'from Node 18' } } });
  const credentials = { userName: 'u', authorization: 'a' };
  const first = await deliver(app, event, { credentials });
  const again = await deliver(app, event, { credentials });
  const refused = await deliver(app, event, { credentials: { userName: 'u', authorization: 'wrong' } });
  const statuses = [first.status, again.status, refused.status];
  console.log(JSON.stringify({ node: process.versions.node, statuses, duplicate: again.body.duplicate, seen }));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
