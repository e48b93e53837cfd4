import { basename } from 'node:path';
import { schemaFiles, writeSchemas } from '../events/write-schemas';
import { parseCommandArgs } from './args';
import { USAGE, UsageError } from './usage';

/** `innopaas-webhook schemas`: prints every schema as one JSON object, or writes the files with --out. */
export function runSchemas(args: string[]): number {
  const { values, positionals } = parseCommandArgs(
    args,
    { out: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
    'schemas',
  );
  if (values.help) {
    process.stdout.write(`${USAGE.schemas}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`, 'schemas');
  if (values.out !== undefined) {
    if (values.out === '') throw new UsageError('--out needs a folder', 'schemas');
    let written: string[];
    try {
      written = writeSchemas(values.out);
    } catch (error) {
      throw new UsageError(`cannot write into ${values.out}: ${(error as Error).message}`, 'schemas');
    }
    for (const path of written) process.stdout.write(`wrote ${path}\n`);
    return 0;
  }
  const all = Object.fromEntries(
    Object.entries(schemaFiles()).map(([file, text]) => [basename(file, '.json'), JSON.parse(text) as unknown]),
  );
  process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
  return 0;
}
