/** Finds a split's JSONL files among a stage's dependencies (the split folder, or the files themselves). */
import fs from 'node:fs';
import path from 'node:path';
import { readJson } from './json-files.js';

export function splitFiles<K extends string>(stage: string, deps: readonly string[], names: readonly K[]): Record<K, string> {
  const out = {} as Record<K, string>;
  for (const name of names) {
    const file = `${name}.jsonl`;
    const direct = deps.find((d) => path.basename(d) === file);
    const inDir = deps.map((d) => path.join(d, file)).find((f) => fs.existsSync(f));
    const found = direct ?? inDir;
    if (!found) throw new Error(`${stage}: no ${file} among the dependencies (${deps.join(', ') || 'none'}); depend on the split folder artifacts/split/`);
    out[name] = found;
  }
  return out;
}

/**
 * The files of the split's evaluation sets: val, test, then each further evaluation set that the manifest beside
 * test.jsonl lists (`eval_sets`, e.g. opinionqa.jsonl), in that order.
 */
export function evalSetFiles(stage: string, deps: readonly string[]): Record<'val' | 'test', string> & Record<string, string> {
  const files: Record<'val' | 'test', string> & Record<string, string> = { ...splitFiles(stage, deps, ['val', 'test'] as const) };
  const dir = path.dirname(files.test);
  const manifest = path.join(dir, 'manifest.json');
  if (fs.existsSync(manifest)) {
    for (const name of readJson<{ eval_sets: string[] }>(manifest, 'split-manifest').eval_sets) files[name] = path.join(dir, `${name}.jsonl`);
  }
  return files;
}
