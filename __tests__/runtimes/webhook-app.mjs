// The app every non-Node runtime serves in __tests__/runtime-fetch.test.ts: the built package's Fetch
// handler at /webhook, as the README mounts it, and GET /seen listing what the handlers saw.
import { innopaasFetchHandler } from '../../dist/index.mjs';

/** `fetch(request, context)` for the runtime's server; `runtime` names it in GET /seen. */
export function createWebhookApp({ userName, authorization, runtime }) {
  const seen = [];
  let failures = 0;
  const handler = innopaasFetchHandler({
    userName,
    authorization,
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
  // Answers first; the handler then waits and records: it finishes only if the platform waits for it
  // (Workers: through context.waitUntil).
  const acknowledging = innopaasFetchHandler({
    userName,
    authorization,
    ack: 'immediately',
    on: {
      whatsapp_mo_message_received: async (event) => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        seen.push({ id: event.id, text: event.body.text?.body, after: 'ack' });
      },
    },
  });
  // Hooks that finish only after the answer: an onError and an onDuplicate that await, as one that sends a
  // report to a log service does. They finish only if the platform waits for them.
  const settle = () => new Promise((resolve) => setTimeout(resolve, 300));
  const reporting = innopaasFetchHandler({
    userName,
    authorization,
    on: {
      whatsapp_mo_message_received: async (event) => {
        if (event.body.text?.body === 'fails') throw new Error('failing on purpose');
      },
    },
    onError: async (error, { event }) => {
      await settle();
      seen.push({ id: event?.id, hook: 'onError', code: error.code });
    },
    onDuplicate: async (event) => {
      await settle();
      seen.push({ id: event.id, hook: 'onDuplicate' });
    },
  });
  return (request, context) => {
    const { pathname } = new URL(request.url);
    if (pathname === '/webhook') return handler(request, context);
    if (pathname === '/webhook-hooks') return reporting(request, context);
    if (pathname === '/webhook-ack') return acknowledging(request, context);
    if (pathname === '/seen') return Response.json({ runtime, seen });
    return new Response('not found', { status: 404 });
  };
}
