// A Fetch-API consumer (Node, Bun): import the installed tarball's Fetch handler and answer one Request.
import { readFileSync } from 'node:fs';
import { innopaasFetchHandler } from 'innopaas-webhook';

const seen = [];
const handler = innopaasFetchHandler({
  userName: 'u',
  authorization: 'a',
  on: {
    whatsapp_mo_message_received: (event, request) => {
      seen.push([event.body.text.body, request instanceof Request]);
    },
  },
});
const body = readFileSync(new URL('./event.json', import.meta.url));
const response = await handler(
  new Request('http://127.0.0.1/webhook', {
    method: 'POST',
    headers: { 'content-type': 'application/json', UserName: 'u', Authorization: 'a' },
    body,
  }),
);
const refused = await handler(new Request('http://127.0.0.1/webhook', { method: 'POST', body }));
console.log(JSON.stringify({ status: response.status, answer: await response.json(), seen, refused: refused.status }));
