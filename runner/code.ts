/**
 * The code of a `run:` stage: its module plus every local module it imports, transitively. Bare package
 * imports are not followed (declare `package-lock.json` as a dep to track them). Import lists are cached by
 * file hash, so an unchanged closure costs one stat per file.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { StatCache } from './stat-cache.js';
import type { ParseCache } from './parse-cache.js';

const SOURCE_EXTENSIONS = ['.ts', '.mts', '.tsx', '.js', '.mjs', '.json'];

// Static `import … from '…'`, `export … from '…'`, side-effect `import '…'`, dynamic `import('…')`.
const IMPORT_RE = /(?:\bimport\s*(?:[\w*{}\s,$]+?\s*from\s*)?|\bexport\s*(?:type\s+)?[\w*{}\s,$]+?\s*from\s*|\bimport\s*\(\s*)(['"])([^'"\n]+)\1/g;
const COMMENT_RE = /\/\*[\s\S]*?\*\/|(^|[^:\\])\/\/.*$/gm;

/** The relative import specifiers of a source text. */
export function localImports(source: string): string[] {
  const text = source.replace(COMMENT_RE, '$1');
  const found = new Set<string>();
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[2]!;
    if (spec.startsWith('./') || spec.startsWith('../')) found.add(spec);
  }
  return [...found].sort();
}

/** Resolves a relative specifier the way tsx/TypeScript NodeNext do: `./x.js` may be `./x.ts`. */
export function resolveImport(fromFile: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(fromFile), spec);
  const ext = path.extname(base);
  const stem = ['.js', '.mjs', '.jsx'].includes(ext) ? base.slice(0, -ext.length) : base;
  const candidates = [base, ...SOURCE_EXTENSIONS.map((e) => stem + e), ...SOURCE_EXTENSIONS.map((e) => path.join(base, `index${e}`))];
  return candidates.find((c) => {
    try {
      return fs.statSync(c).isFile();
    } catch {
      return false;
    }
  });
}

export class CodeGraph {
  constructor(
    private readonly stat: StatCache,
    private readonly parsed: ParseCache,
  ) {}

  /** Hashes of the module and its local imports, keyed by path relative to `root`, sorted. */
  closure(root: string, module: string): Record<string, string> {
    const result = new Map<string, string>();
    const queue = [path.resolve(root, module)];
    while (queue.length) {
      const file = queue.pop()!;
      const rel = path.relative(root, file).split(path.sep).join('/');
      if (result.has(rel)) continue;
      const { sha256 } = this.stat.hashFile(file);
      result.set(rel, sha256);
      if (file.endsWith('.json')) continue;
      const specs = this.parsed.memo(`imports:${sha256}`, () => localImports(fs.readFileSync(file, 'utf8')));
      for (const spec of specs) {
        const target = resolveImport(file, spec);
        if (target) queue.push(target);
      }
    }
    return Object.fromEntries([...result].sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}
