/** The major version of the Node running the tests (CI runs the suite once per supported line). */
export const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

/**
 * The lowest Node major a development tool's `engines` admit (`>=20` gives 20). Some tools the tests
 * use need a newer Node than the package itself supports.
 */
export function minimumNodeMajor(engines: string): number {
  const floor = /^\s*>=?\s*(\d+)/.exec(engines)?.[1];
  if (floor === undefined) throw new Error(`cannot read a minimum Node version from engines "${engines}"`);
  return Number(floor);
}

/**
 * `describe` when the running Node is at least `major`; otherwise the suite is skipped with the reason
 * printed, in CI as well: the line is older than what the tool runs on, not a machine missing
 * something.
 */
export function describeFromNode(major: number, reason: string, name: string, body: () => void): void {
  if (NODE_MAJOR >= major) {
    describe(name, body);
    return;
  }
  // Not console.warn: running several files, jest drops the console output of a file it skips whole.
  process.stderr.write(`Skipping "${name}" on Node ${process.versions.node}: ${reason}.\n`);
  describe.skip(name, body);
}
