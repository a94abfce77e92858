/**
 * `sav2csv FILE [--labels] [--meta]`: an SPSS system file (.sav or .zsav) as CSV on stdout, or its dictionary
 * as JSON. Exit status 0 on success, 1 for a file that cannot be read, 2 for a usage error.
 */
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { csvBatchWriter, csvHeader } from './csv.js';
import { savMeta } from './meta.js';
import { openSav } from './reader.js';

const USAGE = `Usage: sav2csv FILE [--labels] [--meta]

Writes the cases of an SPSS system file (.sav, compressed or not, or .zsav) to stdout as CSV: a header of
variable names, then one line per case. Numbers are written in shortest round-trip form, system-missing values
as empty fields, user-missing values as their codes, strings in UTF-8 without trailing spaces, and date and time
variables in ISO 8601.

  --labels   write value labels instead of codes wherever a value has a label
  --meta     print the dictionary (variables, formats, labels, missing values, weight, encoding, documents)
             as JSON instead of the data
  --help     show this text

Exit status: 0 on success, 1 when FILE cannot be read, 2 for a usage error.
`;

interface Args {
  file: string;
  labels: boolean;
  meta: boolean;
}

function parseArgs(argv: readonly string[]): Args | string {
  let file: string | undefined;
  let labels = false;
  let meta = false;
  for (const a of argv) {
    if (a === '--labels') labels = true;
    else if (a === '--meta') meta = true;
    else if (a.startsWith('-') && a !== '-') return `unknown option ${a}`;
    else if (file === undefined) file = a;
    else return `unexpected argument ${a}`;
  }
  if (file === undefined) return 'missing FILE';
  if (labels && meta) return '--labels applies to the CSV output and cannot be combined with --meta';
  return { file, labels, meta };
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

/** Runs the command; returns the exit status. */
export async function main(
  argv: readonly string[],
  stdout: Writable = process.stdout,
  stderr: Writable = process.stderr,
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    stdout.write(USAGE);
    return 0;
  }
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    stderr.write(`sav2csv: ${args}\n\n${USAGE}`);
    return 2;
  }
  try {
    const sav = await openSav(args.file);
    try {
      if (args.meta) {
        await write(stdout, `${JSON.stringify(savMeta(sav.dictionary), null, 2)}\n`);
        return 0;
      }
      const render = csvBatchWriter(sav.dictionary, { labels: args.labels });
      await write(stdout, csvHeader(sav.dictionary));
      for await (const batch of sav.batches()) await write(stdout, render(batch));
      return 0;
    } finally {
      await sav.close();
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EPIPE') return 0; // the reader of stdout went away (e.g. `| head`): not an error
    stderr.write(`sav2csv: ${e.code && e.path ? `${e.path}: ${e.message}` : e.message}\n`);
    return 1;
  }
}
