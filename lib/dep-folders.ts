/** Finding a stage's input folder by what it holds (stages get their dependency folders as paths). */
import fs from 'node:fs';
import path from 'node:path';

/**
 * The dependency folder, or a folder directly inside one (artifacts/models/<model>/ holds base/ and adapter/),
 * that holds `file` and not `unless`.
 */
export function depHolding(deps: readonly string[], file: string, unless?: string): string | undefined {
  const candidates = deps.flatMap((d) => {
    if (!fs.existsSync(d) || !fs.statSync(d).isDirectory()) return [];
    const subfolders = fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(d, e.name)).sort();
    return [d, ...subfolders];
  });
  return candidates.find((d) => fs.existsSync(path.join(d, file)) && !(unless && fs.existsSync(path.join(d, unless))));
}
