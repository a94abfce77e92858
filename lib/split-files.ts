/** Finds a split's JSONL files among a stage's dependencies (the split folder, or the files themselves). */
import fs from 'node:fs';
import path from 'node:path';

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
