// Bun: serves the webhook app with Bun.serve, prints its URL, and serves until stdin closes.
/* global Bun */
import { createWebhookApp } from './webhook-app.mjs';

const fetch = createWebhookApp({
  userName: process.env.WEBHOOK_USER,
  authorization: process.env.WEBHOOK_AUTH,
  runtime: `bun ${Bun.version}`,
});
const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: (request) => fetch(request) });
console.log(`listening http://127.0.0.1:${server.port}`);
process.stdin.resume();
process.stdin.on('end', () => {
  server.stop(true);
  process.exit(0);
});
