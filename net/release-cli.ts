/**
 * `subpop-release`: brings the mirror of the pinned release (vendor/subpop/) in line with its manifest
 * (config/subpop-release.yaml). Files the mirror lacks are downloaded from the pinned URL; files it holds are
 * verified; `--refresh` downloads every file again and replaces the mirror's copy once verified; `--check`
 * verifies without any network access.
 */
import { parseArgs } from 'node:util';
import { defaultReleaseManifest, fetchReleaseFile, loadRelease, readReleaseFile } from './release.js';

const usage = `Usage: subpop-release [--manifest FILE] [--root DIR] [--check | --refresh] [PATH ...]

Fetches the files pinned by the manifest (default ${defaultReleaseManifest}) that its mirror lacks, and
verifies those it holds against their sha256. PATHs (paths in the repository) limit this to those files.
  --check     verify the mirror only; no downloads
  --refresh   download every file from the pinned URL again and replace the mirror's copy once verified
  --root DIR  the project root the manifest's mirror is relative to (default: the current directory)`;

export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        manifest: { type: 'string', default: defaultReleaseManifest },
        root: { type: 'string', default: '.' },
        check: { type: 'boolean' },
        refresh: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage}\n`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help || (values.check && values.refresh)) {
    process.stderr.write(`${usage}\n`);
    return values.help ? 0 : 2;
  }
  const ac = new AbortController();
  const interrupt = () => ac.abort(new Error('interrupted'));
  process.once('SIGINT', interrupt);
  const failures: string[] = [];
  try {
    const release = loadRelease(values.manifest!, values.root!);
    const unknown = positionals.filter((p) => !Object.hasOwn(release.files, p));
    if (unknown.length) throw new Error(`${values.manifest}: not pinned: ${unknown.join(', ')}`);
    for (const file of positionals.length ? positionals : Object.keys(release.files)) {
      if (ac.signal.aborted) break;
      try {
        if (values.check) {
          readReleaseFile(release, file);
          process.stderr.write(`${file}: ok\n`);
        } else {
          const { bytes, fetched } = await fetchReleaseFile(release, file, { refresh: values.refresh, signal: ac.signal });
          process.stderr.write(`${file}: ${fetched ? `fetched, ${bytes.length} bytes` : 'ok'}\n`);
        }
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
  } catch (err) {
    failures.push((err as Error).message);
  } finally {
    process.off('SIGINT', interrupt);
  }
  if (failures.length) process.stderr.write(`\n${failures.join('\n')}\n`);
  return failures.length ? 1 : 0;
}
