// An ES module consumer: import the installed tarball and receive one event.
import { createServer, request } from 'node:http';
import { readFileSync } from 'node:fs';
import { innopaasWebhook, isInnopaasWebhookError, InnopaasWebhookError } from 'innopaas-webhook';
import { buildEvent } from 'innopaas-webhook/testing';

const seen = [];
const mw = innopaasWebhook({
  userName: 'u',
  authorization: 'a',
  on: {
    whatsapp_mo_message_received: (e) => {
      seen.push(e.body.text.body);
    },
  },
});
const server = createServer((req, res) =>
  mw(req, res, () => {
    res.statusCode = 404;
    res.end();
  }),
);
server.listen(0, '127.0.0.1', () => {
  const body = readFileSync(new URL('./event.json', import.meta.url));
  const req = request(
    {
      port: server.address().port,
      method: 'POST',
      headers: { 'content-type': 'application/json', UserName: 'u', Authorization: 'a' },
    },
    (res) => {
      res.resume();
      res.on('end', () => {
        server.close();
        const guard = isInnopaasWebhookError(new InnopaasWebhookError('unauthorized'));
        const schemaUrl = import.meta.resolve('innopaas-webhook/schemas/whatsapp_mo_message_received.json');
        const schema = JSON.parse(readFileSync(new URL(schemaUrl)));
        const built = buildEvent('whatsapp_message_status_updated').type;
        console.log(JSON.stringify({ kind: 'esm', status: res.statusCode, seen, guard, schema: schema.title, built }));
      });
    },
  );
  req.end(body);
});
