// A CommonJS service, as many users have: require() the installed tarball and receive one event.
const { createServer, request } = require('node:http');
const { innopaasWebhook, isInnopaasWebhookError, InnopaasWebhookError } = require('innopaas-webhook');

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
  const body = JSON.stringify(require('./event.json'));
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
        // The published JSON Schemas are part of the package, for receivers in other languages.
        const schema = require('innopaas-webhook/schemas/whatsapp_mo_message_received.json');
        const { buildEvent } = require('innopaas-webhook/testing');
        const built = buildEvent('whatsapp_message_status_updated').type;
        console.log(JSON.stringify({ kind: 'cjs', status: res.statusCode, seen, guard, schema: schema.title, built }));
      });
    },
  );
  req.end(body);
});
