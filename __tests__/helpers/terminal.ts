import { spawn, spawnSync } from 'node:child_process';

/** util-linux `script`, which runs a command on a pseudo-terminal (BSD and macOS `script` take other flags). */
const hasScript = /util-linux/.test(spawnSync('script', ['--version'], { encoding: 'utf8' }).stdout ?? '');

/**
 * `it` for tests that need a terminal. Without util-linux `script` the test is skipped with a printed
 * reason on a developer's machine, but fails under CI, where a silent skip would hide that nothing was tested.
 */
export function itWithTerminal(name: string, fn: () => Promise<void>, timeout?: number): void {
  if (hasScript) {
    it(name, fn, timeout);
    return;
  }
  const fix = 'install util-linux (Debian: apt-get install -y bsdutils)';
  if (process.env.CI === 'true') throw new Error(`util-linux script is not on PATH and CI=true: ${fix}.`);
  console.warn(`Skipping "${name}": util-linux script is not on PATH; ${fix}.`);
  it.skip(name, fn, timeout);
}

/** What the CLI says on stderr before it reads a payload that is to be typed on a terminal. */
export const STDIN_HINT = 'innopaas-webhook: reading the payload from stdin; paste it and press Ctrl-D, or pass a file';

export interface TerminalRun {
  /** What the terminal shows so far: the command's stdout, and the echo of what was typed. */
  output(): string;
  /** Types on the terminal; Ctrl-D (`\u0004`) at the start of a line ends the input. */
  type(text: string): void;
  /** The command's exit code. */
  exited: Promise<number | null>;
  /** Ends the run if it has not ended: a command still waiting for input must not keep Jest waiting. */
  stop(): void;
}

const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;

/**
 * Runs `argv` with a terminal as its stdin and stdout, its stderr written to `stderrFile`: what the command
 * says on stderr can then be told from its output.
 */
export function runOnTerminal(argv: string[], stderrFile: string, env: NodeJS.ProcessEnv = process.env): TerminalRun {
  const command = `${argv.map(quote).join(' ')} 2>${quote(stderrFile)}`;
  // -q: no "Script started" banner; -e: the command's exit code; /dev/null: no typescript file.
  const child = spawn('script', ['-qec', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  return {
    output: () => output,
    type: (text) => {
      child.stdin.write(text);
    },
    exited: new Promise((resolve) => {
      child.on('close', (code) => {
        resolve(code);
      });
    }),
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    },
  };
}
