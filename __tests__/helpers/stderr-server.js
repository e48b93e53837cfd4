'use strict';

// A small Express service as a newcomer writes it, run in a child process so that a test reads what it
// prints on stderr. SCENARIO picks the options; EXPRESS is `express` or `express4`. Prints the port on
// stdout once listening.
const { innopaasWebhook, MemoryStore } = require('../..');
const express = require(process.env.EXPRESS || 'express');

function failingHandler() {
  throw new Error('db down');
}

const scenarios = {
  // The quick start, with a handler that fails: no onError.
  default: { on: { whatsapp_mo_message_received: failingHandler } },
  silenced: { on: { whatsapp_mo_message_received: failingHandler }, onError: false },
  own: {
    on: { whatsapp_mo_message_received: failingHandler },
    onError: (error) => console.log(`own onError: ${error.code}: ${error.cause.message}`),
  },
  rejectsString: { on: { whatsapp_mo_message_received: () => Promise.reject('plain string') } },
  wrapped: {
    on: {
      whatsapp_mo_message_received: async () => {
        throw new Error('query failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:5432') });
      },
    },
  },
  immediately: {
    on: { whatsapp_mo_message_received: () => new Promise((resolve) => setImmediate(resolve)).then(failingHandler) },
    ack: 'immediately',
  },
  unknownType: { onUnknownEvent: failingHandler },
  // The Authorization value begins with the user name, and the handler's message quotes it.
  quotesCredentials: {
    userName: 'acme-prod',
    authorization: 'acme-prod-9f8e7d6c5b4a39281706',
    on: {
      whatsapp_mo_message_received: () => {
        throw new Error('upstream refused Authorization=acme-prod-9f8e7d6c5b4a39281706');
      },
    },
  },
  storeDown: {
    on: { whatsapp_mo_message_received: () => {} },
    dedupe: {
      store: Object.assign(new MemoryStore(), {
        claim: () => Promise.reject(new Error('redis unreachable')),
      }),
    },
  },
};

const options = scenarios[process.env.SCENARIO];
if (!options) throw new Error(`unknown SCENARIO ${process.env.SCENARIO}`);
const app = express();
const webhook = innopaasWebhook({ userName: process.env.U, authorization: process.env.A, ...options });
app.use('/webhook', webhook);
const server = app.listen(0, '127.0.0.1', () => console.log(`port ${server.address().port}`));
// The README's graceful shutdown: background handlers finish (and report) before the exit.
process.on('SIGTERM', () => server.close(() => webhook.drain().then(() => process.exit(0))));
