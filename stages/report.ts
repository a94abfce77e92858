/**
 * report: RESULTS.md (the paper's Table 1 shape for every model evaluated so far, survey/report.ts) and the
 * self-contained HTML report with charts (survey/report-html.ts).
 *
 * deps: artifacts/eval/ (the whole folder: one subfolder per evaluated model) and artifacts/bounds/.
 * outs: RESULTS.md (at the project root) and artifacts/report/ (report.html, and metrics.json: the main table's
 * numbers, which pipeline.yaml declares as metrics). All are byte-identical for the same inputs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { defineStage, type StageContext } from '../runner/stage.js';
import { writeFileAtomic } from '../lib/atomic.js';
import { validate } from '../lib/schema.js';
import { headlineMetrics, loadResults, resultsMarkdown } from '../survey/report.js';
import { reportHtml } from '../survey/report-html.js';

/** The bounds folder holds metrics.json itself; the eval folder holds model folders that do. */
function findDeps(ctx: StageContext): { evalRoot: string; boundsDir: string } {
  const dirs = ctx.deps.filter((d) => fs.existsSync(d) && fs.statSync(d).isDirectory());
  const boundsDir = dirs.find((d) => fs.existsSync(path.join(d, 'bounds.jsonl')));
  const evalRoot = dirs.find((d) => d !== boundsDir);
  if (!boundsDir) throw new Error(`${ctx.name}: no bounds folder (with bounds.jsonl) among the dependencies; depend on artifacts/bounds/`);
  if (!evalRoot) throw new Error(`${ctx.name}: no eval folder among the dependencies; depend on artifacts/eval/`);
  return { evalRoot, boundsDir };
}

export async function runReport(ctx: StageContext): Promise<void> {
  const markdown = ctx.outs.find((o) => o.endsWith('.md'));
  const htmlOut = ctx.outs.find((o) => o !== markdown && !ctx.metrics.includes(o));
  if (!markdown || !htmlOut) throw new Error(`${ctx.name}: declare RESULTS.md and artifacts/report/ under outs`);
  const { evalRoot, boundsDir } = findDeps(ctx);
  const results = loadResults(evalRoot, boundsDir);
  ctx.progress({ done: 0, total: 2, note: `${results.models.length} model(s)` });
  const html = await reportHtml(results);
  const htmlFile = htmlOut.endsWith('.html') ? htmlOut : path.join(htmlOut, 'report.html');
  writeFileAtomic(htmlFile, html);
  ctx.progress({ done: 1, total: 2 });
  writeFileAtomic(markdown, resultsMarkdown(results));
  if (!htmlOut.endsWith('.html')) {
    const metrics = validate('report-metrics', headlineMetrics(results), path.join(htmlOut, 'metrics.json'));
    writeFileAtomic(path.join(htmlOut, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  }
  ctx.progress({ done: 2, total: 2 });
}

export default defineStage(runReport);
