// Compile-only checks of the Fetch handler's public types (run by events-types.test.ts through tsc).
// Each `@ts-expect-error` must meet an error; the rest must compile as users write it.
import { Hono } from 'hono';
import {
  innopaasFetchHandler,
  type FetchHandlerContext,
  type InnopaasFetchHandler,
  type InnopaasFetchHandlerOptions,
} from '../../lib';

// The README's Next.js route, as written.
const handler: InnopaasFetchHandler = innopaasFetchHandler({
  userName: process.env.INNOPAAS_USERNAME!,
  authorization: process.env.INNOPAAS_AUTHORIZATION!,
  on: {
    whatsapp_mo_message_received: async (event) => {
      if (event.body.type === 'text') console.log(event.body.text.body);
    },
  },
});
export const POST = (request: Request): Promise<Response> => handler(request);

// The README's Hono route, as written.
const app = new Hono();
app.post('/webhook', (c) => handler(c.req.raw));

// Handlers and hooks get the Request.
innopaasFetchHandler({
  userName: 'u',
  authorization: 'a',
  on: {
    whatsapp_message_status_updated: (event, request) => {
      const url: string = request.url;
      void [url, event.body.status];
    },
  },
  allowRequest: (request) => request.headers.get('x-forwarded-for') === null,
  onError: (error, { req }) => void [error.code, req.method],
});

// A context is anything with waitUntil (Workers' ctx); the second argument is optional.
const context: FetchHandlerContext = { waitUntil: (promise) => void promise.then(() => undefined) };
void handler(new Request('http://localhost/webhook', { method: 'POST' }), context);

// @ts-expect-error passThrough has no meaning without a next route
const options: InnopaasFetchHandlerOptions = { userName: 'u', authorization: 'a', passThrough: true };
void options;

innopaasFetchHandler({
  userName: 'u',
  authorization: 'a',
  on: {
    // @ts-expect-error a status event has no message type
    whatsapp_message_status_updated: (event) => event.body.type,
  },
});

// @ts-expect-error the handler takes a Request, not a Hono context
void handler(app);
