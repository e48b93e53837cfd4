// A webhook server for a non-Node runtime (Bun), run by __tests__/runtime-bun.test.ts: the built package's
// Fetch handler behind the runtime's own server, as the README shows it. It prints the URL, then serves
// until stdin closes. GET /seen lists what the handlers saw.
/* global Bun */
import { innopaasFetchHandler } from '../../dist/index.mjs';

const seen = [];
let failures = 0;
const handler = innopaasFetchHandler({
  userName: process.env.WEBHOOK_USER,
  authorization: process.env.WEBHOOK_AUTH,
  limit: 4096,
  on: {
    whatsapp_mo_message_received: async (event, req) => {
      // The first delivery of a "fail once" event fails, so that its redelivery shows the claim was released.
      if (event.body.text?.body === 'fail once' && failures++ === 0) throw new Error('failing on purpose');
      seen.push({
        id: event.id,
        text: event.body.text?.body,
        isRequest: req instanceof Request,
        eventDate: event.eventDate instanceof Date,
      });
    },
  },
});

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === '/webhook') return handler(request);
    if (pathname === '/seen') return Response.json({ runtime: `bun ${Bun.version}`, seen });
    return new Response('not found', { status: 404 });
  },
});
console.log(`listening http://127.0.0.1:${server.port}`);
process.stdin.resume();
process.stdin.on('end', () => {
  server.stop(true);
  process.exit(0);
});
