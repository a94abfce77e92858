/**
 * `fetch-waves`: fetch waves of the manifest outside the pipeline (to fill a cache, or to see at once which
 * inbox files are still missing), with a progress bar per wave.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fetchWave } from './fetch-wave.js';
import { progressPrinter } from './progress.js';
import { defaultManifest, loadWaveManifest } from './waves.js';

const usage = `Usage: fetch-waves --out DIR [--set NAME] [--manifest FILE] [WAVE ...]

Fetches the waves of a set of the manifest (default: set demo of ${defaultManifest}), or the named waves, into
DIR/<WAVE>/ as <WAVE>.sav or .zsav plus source.json, like the pipeline's fetch stage. Every wave is tried;
failures, such as files not yet dropped into the inbox, are listed at the end. Header values come from the
environment variables the manifest names.`;

export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { out: { type: 'string' }, set: { type: 'string', default: 'demo' }, manifest: { type: 'string', default: defaultManifest }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage}\n`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help || !values.out) {
    process.stderr.write(`${usage}\n`);
    return values.help ? 0 : 2;
  }
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort(new Error('interrupted')));
  const failures: string[] = [];
  try {
    const manifest = loadWaveManifest(values.manifest);
    const set = manifest.sets[values.set!];
    if (!set) throw new Error(`${values.manifest}: no set "${values.set}" (sets: ${Object.keys(manifest.sets).join(', ')})`);
    const unknown = positionals.filter((w) => !Object.hasOwn(set, w));
    if (unknown.length) throw new Error(`${values.manifest}: set ${values.set} has no wave ${unknown.join(', ')}`);
    for (const wave of positionals.length ? positionals : Object.keys(set)) {
      if (ac.signal.aborted) break;
      const printer = progressPrinter(wave);
      const outDir = path.join(values.out, wave);
      try {
        fs.mkdirSync(outDir, { recursive: true });
        const r = await fetchWave({ wave, entry: set[wave], outDir, inbox: manifest.inbox, signal: ac.signal, onProgress: printer.update });
        printer.finish();
        process.stderr.write(`${wave}: ${r.file} ${r.size} bytes sha256 ${r.sha256}\n`);
      } catch (err) {
        printer.finish();
        failures.push((err as Error).message);
        try {
          fs.rmdirSync(outDir);
        } catch {
          // not empty: an earlier fetch of this wave stays
        }
      }
    }
  } catch (err) {
    failures.push((err as Error).message);
  }
  if (failures.length) process.stderr.write(`\n${failures.join('\n\n')}\n`);
  return failures.length ? 1 : 0;
}
