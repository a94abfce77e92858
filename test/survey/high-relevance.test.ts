import test from 'ava';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { parse } from 'yaml';
import { highRelevanceQkeys, loadHighRelevance } from '../../survey/high-relevance.js';

const notebookPath = 'scripts/experiment/analyze_inference_result.ipynb';

/** The lists of the notebook's HIGH_RELEVANCE_QKEYS dict, read from the vendored copy (whose hash is pinned). */
function notebookLists(): Record<string, string[]> {
  const bytes = fs.readFileSync(`vendor/subpop/${notebookPath}`);
  const pinned = (parse(fs.readFileSync('config/subpop-release.yaml', 'utf8')) as { files: Record<string, string> }).files[notebookPath];
  if (createHash('sha256').update(bytes).digest('hex') !== pinned) throw new Error('the vendored notebook is not the pinned one');
  const cells = (JSON.parse(bytes.toString('utf8')) as { cells: { source: string[] }[] }).cells.map((c) => c.source.join(''));
  const source = cells.find((c) => c.includes('HIGH_RELEVANCE_QKEYS = {'))!;
  const out: Record<string, string[]> = {};
  // Each entry is 'benchmark': [ "qkey", ... ], a list of double-quoted strings: JSON once cut out.
  for (const m of source.matchAll(/'([\w-]+)':\s*(\[[^\]]*\])/g)) out[m[1]!] = JSON.parse(m[2]!) as string[];
  return out;
}

test("the high-relevance config is the authors' notebook's HIGH_RELEVANCE_QKEYS, list for list and in order", (t) => {
  const fromNotebook = notebookLists();
  t.deepEqual(Object.keys(fromNotebook), ['subpop-eval', 'opinionqa']);
  t.deepEqual(loadHighRelevance(), fromNotebook);
  t.deepEqual(fromNotebook['subpop-eval'], ['marital', 'satjob', 'attend', 'relpersn', 'othlang']);
  t.is(fromNotebook['opinionqa']!.length, 131);
  // The two benchmarks' qkeys never collide, so one set serves every evaluation set.
  t.is(highRelevanceQkeys(loadHighRelevance()).size, 136);
});
