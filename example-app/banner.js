'use strict';

const sample = require('./samples.json').inboundText;

/** POSIX shell single quotes: nothing inside is expanded; a `'` is closed, escaped and reopened. */
const shellQuote = (value) => `'${String(value).replace(/'/g, "'\\''")}'`;

/**
 * The `curl` command that posts the documented inbound text message (docs/events.md#inbound-text).
 * A secret that came from the environment is referenced as `"$VAR"`, never printed.
 */
function curlCommand({ url, userName, authorization }) {
  const header = (name, value) =>
    value.fromEnv ? `-H "${name}: $${value.fromEnv}"` : `-H ${shellQuote(`${name}: ${value.text}`)}`;
  return [
    `curl -i -X POST ${shellQuote(`${url}/webhook`)}`,
    `-H ${shellQuote('Content-Type: application/json')}`,
    header('UserName', userName),
    header('Authorization', authorization),
    `--data ${shellQuote(JSON.stringify(sample))}`,
  ].join(' \\\n  ');
}

/**
 * What the server prints once it listens. Each credential is `{ text, demo, fromEnv }`: demo values
 * are public anyway and shown; values from the environment are named, the secret ones not shown.
 */
function startupBanner({ url, userName, authorization, inspector, exposed }) {
  const secret = (value) => (value.fromEnv ? `(from ${value.fromEnv}, not shown)` : value.text);
  const lines = [
    `InnoPaaS webhook example listening on ${url}`,
    '',
    `  Webhook URL    ${url}/webhook  (POST; InnoPaaS needs a public URL that reaches it)`,
    `  UserName       ${userName.text}${userName.demo ? '  (demo value; set INNOPAAS_USERNAME)' : ''}`,
    `  Authorization  ${secret(authorization)}${authorization.demo ? '  (demo value; set INNOPAAS_AUTHORIZATION)' : ''}`,
  ];
  if (inspector) {
    lines.push(`  Inspector      ${url}/  (basic auth: ${inspector.userName.text} / ${secret(inspector.password)})`);
  } else {
    lines.push('  Inspector      off (start with INSPECTOR=1 or --inspector to watch deliveries live)');
  }
  if (exposed && (userName.demo || authorization.demo)) {
    lines.push('', '  WARNING: listening beyond localhost with the public demo credentials. Set your own.');
  }
  lines.push(
    '',
    'Send it a sample inbound text message (send it twice to see the duplicate detection):',
    '',
    curlCommand({ url, userName, authorization }),
    '',
  );
  return lines.join('\n');
}

module.exports = { startupBanner, curlCommand, shellQuote };
