import { EVENT_TYPES } from '../events';
import { INBOUND_MESSAGE_TYPES } from '../testing/builders';

/** Names wrapped to lines of at most ~100 columns, indented. */
function list(names: readonly string[]): string {
  const lines: string[] = [];
  let line = '';
  for (const name of names) {
    if (line && line.length + name.length > 96) {
      lines.push(line);
      line = '';
    }
    line = line ? `${line}, ${name}` : `  ${name}`;
  }
  return [...lines, line].join(',\n');
}

/** A mistake in how the CLI was called: one line on stderr, then the usage, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose usage to show; the global usage when undefined. */
    readonly command?: CommandName,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export type CommandName = 'send' | 'validate' | 'schemas' | 'dead-letters';

export const GLOBAL_USAGE = `Usage: innopaas-webhook <command> [options]

Send sample InnoPaaS WhatsApp webhook deliveries, validate captured payloads, write the JSON Schemas,
look after a queue's dead letters.

Commands:
  send <type>        send sample deliveries of an event type to a webhook URL
  validate <file>    check a payload (a file, or - for stdin) against the schemas
  schemas            print the JSON Schemas, or write them into a folder with --out
  dead-letters       list or replay the events a queue's workers gave up on (BullMQ)

Options:
  -h, --help         show this help (or: innopaas-webhook <command> --help)
  -v, --version      show the version

Exit codes: 0 success, 1 a delivery was not answered 2xx / a payload is invalid, 2 usage error.`;

export const USAGE: Record<CommandName, string> = {
  send: `Usage: innopaas-webhook send <type> --url <url> [options]
       innopaas-webhook send --file <event.json | -> --url <url> [options]

Builds a valid event of <type> from the documented example (fresh id, eventTime now) and POSTs it
as InnoPaaS does. Prints the answer; with --count > 1, a summary, and a progress bar on stderr when
it is a terminal.

Options:
  -u, --url <url>             webhook URL (env INNOPAAS_WEBHOOK_URL)
      --user <name>           UserName header (env INNOPAAS_USERNAME)
      --auth <value>          Authorization header, sent verbatim (env INNOPAAS_AUTHORIZATION)
  -m, --message-type <type>   for whatsapp_mo_message_received: text, image, location, …
  -s, --set <path=value>      set a field, e.g. --set body.text.body=hi (repeatable); the value is
                              parsed as JSON when it parses (42, true, "42", {"a":1}), else a string;
                              body.type / body.status pick that variant's example, like -m
  -f, --file <path | ->       send this payload instead (stdin with -); sent byte for byte unless --set;
                              an empty one is refused (it would be the console's connectivity test)
  -n, --count <n>             deliveries to send (default 1); each built event gets a fresh id
  -c, --concurrency <n>       deliveries in flight at once (default 1)
  -H, --header <name:value>   an extra request header (repeatable)
      --timeout <ms>          give up on an answer not wholly received after this long (default 10000,
                              up to 2147483647)
      --json                  the answer as one JSON object { status, ok, ms, body, error }: status and
                              body null, error why, when no answer came; with --count > 1, one summary
                              { deliveries, ok, ms, perSecond, concurrency, statuses, errors, latency }:
                              statuses counts per HTTP status (and "error"), errors per message,
                              latency is { p50, p99, max } of the answered (null if none); ok is true
                              when every answer was 2xx; times in ms
  -h, --help                  show this help

Event types:
${list(EVENT_TYPES)}
Message types (-m):
${list(INBOUND_MESSAGE_TYPES)}

Exits 1 when any delivery was not answered 2xx.

Example:
  innopaas-webhook send whatsapp_mo_message_received -m image --url http://127.0.0.1:3000/webhook \\
    --user U --auth A --set body.image.caption=receipt`,

  validate: `Usage: innopaas-webhook validate <file.json | -> [more files…]

Checks captured payloads against the envelope schema and the body schema of their type, and prints
each problem with its JSON path. The bytes are decoded as the middleware decodes them: UTF-8 only, a
byte order mark ignored; an empty or blank file, or {}, is the console's connectivity test (valid).
Above 1 MB, a warning: the middleware answers 413 at its default limit.

Options:
      --json    one JSON object per file: { file, valid, result, type, messageType, id, message,
                problems: [{ path, message }], warnings }; result is valid, connectivity_test,
                unknown_type or the middleware's problem code
  -h, --help    show this help

Exit codes: 0 all valid, 1 any invalid (or not JSON), 2 usage error (or a file that cannot be read).`,

  schemas: `Usage: innopaas-webhook schemas [--out <dir>]

Prints every JSON Schema (draft-07) as one JSON object keyed by name, or writes envelope.json and one
<type>.json per event type into <dir>.

Options:
  -o, --out <dir>    write the files into this folder (created if missing)
  -h, --help         show this help`,

  'dead-letters': `Usage: innopaas-webhook dead-letters list --redis <url> --queue <name> [options]
       innopaas-webhook dead-letters replay <event id…> | --all --redis <url> --queue <name> [options]

The jobs of a bullmqQueue() queue whose handler failed on every try (they stay in BullMQ's failed
set). list prints each one's event id, type, tries, when it failed and its last error; replay moves
them back to wait with their tries reset, so that the workers run them again. Needs bullmq installed.

Options:
  -r, --redis <url>     Redis URL, e.g. redis://127.0.0.1:6379 (env REDIS_URL)
  -q, --queue <name>    the queue's name, as given to new Queue(name)
      --prefix <p>      BullMQ's key prefix, if the queue uses one (default bull)
      --all             replay every dead letter
      --json            list: one JSON object per line
      --timeout <ms>    give up when connecting, or any one command, takes longer (default 5000, up to
                        2147483647); raise it for a slow Redis
  -h, --help            show this help

Exit codes: 0 done, 1 an id that is not a dead letter, a job that cannot be read, no such queue at
that Redis (check --queue and --prefix), or Redis unreachable or not answering; 2 usage error.`,
};
