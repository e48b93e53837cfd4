// Cloudflare Workers (workerd, through miniflare): the webhook app as a module worker, made on the first
// request from the env's secrets and kept for the isolate, as the README shows it. Bundled by the test.
import { createWebhookApp } from './webhook-app.mjs';

let app;
export default {
  fetch(request, env, ctx) {
    app ??= createWebhookApp({ userName: env.WEBHOOK_USER, authorization: env.WEBHOOK_AUTH, runtime: navigator.userAgent });
    return app(request, ctx);
  },
};
