#!/usr/bin/env node
// The `innopaas-webhook` command. Every failure ends as one line on stderr and an exit code: a user
// mistake (exit 2) is followed by the usage, and no path ever prints a stack trace.
import { version } from '../../package.json';
import { parseCommandArgs } from './args';
import { runDeadLetters } from './dead-letters';
import { runSchemas } from './schemas';
import { runSend } from './send';
import { GLOBAL_USAGE, USAGE, UsageError, type CommandName } from './usage';
import { runValidate } from './validate';

const COMMANDS: Record<CommandName, (args: string[]) => number | Promise<number>> = {
  send: runSend,
  validate: runValidate,
  schemas: runSchemas,
  'dead-letters': runDeadLetters,
};

// `innopaas-webhook schemas | head`: the reader is gone, so there is no one left to tell; end quietly,
// as other command-line tools do, instead of with an unhandled 'error' and its stack.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') process.stderr.write(`innopaas-webhook: cannot write the output: ${error.message}\n`);
  process.exit(error.code === 'EPIPE' ? undefined : 1);
});

const isCommand = (name: string | undefined): name is CommandName =>
  name !== undefined && Object.prototype.hasOwnProperty.call(COMMANDS, name);

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('missing command');
  if (first === 'help') {
    if (rest.length > 0 && !isCommand(rest[0])) throw new UsageError(`unknown command ${JSON.stringify(rest[0])}`);
    process.stdout.write(`${isCommand(rest[0]) ? USAGE[rest[0]] : GLOBAL_USAGE}\n`);
    return 0;
  }
  if (isCommand(first)) return COMMANDS[first](rest);
  if (!first.startsWith('-')) throw new UsageError(`unknown command ${JSON.stringify(first)}`);
  const { values, positionals } = parseCommandArgs(argv, {
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' },
  });
  const [stray] = positionals;
  if (stray !== undefined) throw new UsageError(`options go after the command: innopaas-webhook ${stray} ${first}`);
  if (values.version) process.stdout.write(`${version}\n`);
  else process.stdout.write(`${GLOBAL_USAGE}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`innopaas-webhook: ${error.message}\n\n${error.command ? USAGE[error.command] : GLOBAL_USAGE}\n`);
      process.exitCode = 2;
      return;
    }
    // Not the user's mistake: still one line. DEBUG=innopaas-webhook shows the stack for a bug report.
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`innopaas-webhook: ${message}\n`);
    if (/\binnopaas-webhook\b/.test(process.env.DEBUG ?? '') && error instanceof Error)
      process.stderr.write(`${error.stack ?? message}\n`);
    process.exitCode = 1;
  },
);
