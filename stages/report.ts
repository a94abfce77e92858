/**
 * report: RESULTS.md (the paper's Table 1 shape for every model evaluated so far, survey/report.ts) and the
 * self-contained HTML report with charts (survey/report-html.ts), followed by the sections of the experiments
 * whose folders are among the dependencies (survey/report/).
 *
 * deps: artifacts/eval/ (the whole folder: one subfolder per evaluated model) and artifacts/bounds/; optionally
 * artifacts/marginal/ (the population-marginal baseline), artifacts/audit/ (one bias audit per model) and
 * artifacts/unseen/ (the unseen-subpopulation experiment).
 * outs: RESULTS.md (at the project root) and artifacts/report/ (report.html, and metrics.json: the main table's
 * numbers, which pipeline.yaml declares as metrics). All are byte-identical for the same inputs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { defineStage, type StageContext } from '../runner/stage.js';
import { writeFileAtomic } from '../lib/atomic.js';
import { readJson } from '../lib/json-files.js';
import { validate } from '../lib/schema.js';
import { headlineMetrics, loadResults, resultsMarkdown, type Results } from '../survey/report.js';
import { reportHtml } from '../survey/report-html.js';
import { auditSection, type ModelAudit } from '../survey/report/audit.js';
import { marginalSection, type MarginalMetrics } from '../survey/report/marginal.js';
import { sectionHtml, sectionMarkdown, type Section } from '../survey/report/sections.js';
import { loadUnseen, unseenSection } from '../survey/report/unseen.js';

/** The data-scaling experiment trains once per fraction, so it has a target and a results file of its own. */
const SCALING_NOTE = '## Data scaling\n\nFine-tuning on nested fractions of the training questions: `npx pipe run scaling` writes RESULTS-scaling.md.';

interface ReportDeps {
  evalRoot: string;
  boundsDir: string;
  marginalDir?: string;
  auditRoot?: string;
  unseenDir?: string;
}

const subfolders = (d: string): string[] =>
  fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(d, e.name)).sort();

/** Each folder is known by what it holds; the eval folder is the one left over. */
function findDeps(ctx: StageContext): ReportDeps {
  const dirs = ctx.deps.filter((d) => fs.existsSync(d) && fs.statSync(d).isDirectory());
  const holding = (file: string) => dirs.find((d) => fs.existsSync(path.join(d, file)));
  const boundsDir = holding('bounds.jsonl');
  const marginalDir = holding('marginal.jsonl');
  const unseenDir = holding(path.join('split', 'unseen.json'));
  const auditRoot = dirs.find((d) => subfolders(d).some((s) => fs.existsSync(path.join(s, 'audit.json'))));
  const known = [boundsDir, marginalDir, unseenDir, auditRoot];
  const evalRoot = dirs.find((d) => !known.includes(d));
  if (!boundsDir) throw new Error(`${ctx.name}: no bounds folder (with bounds.jsonl) among the dependencies; depend on artifacts/bounds/`);
  if (!evalRoot) throw new Error(`${ctx.name}: no eval folder among the dependencies; depend on artifacts/eval/`);
  return { evalRoot, boundsDir, ...(marginalDir ? { marginalDir } : {}), ...(auditRoot ? { auditRoot } : {}), ...(unseenDir ? { unseenDir } : {}) };
}

/** The experiments' sections, in report order, for the folders present. */
function experimentSections(deps: ReportDeps, results: Results): Section[] {
  const sections: Section[] = [];
  if (deps.marginalDir) sections.push(marginalSection(results, readJson<MarginalMetrics>(path.join(deps.marginalDir, 'metrics.json'), 'marginal-metrics')));
  if (deps.auditRoot) {
    const audits = subfolders(deps.auditRoot)
      .filter((d) => fs.existsSync(path.join(d, 'audit.json')))
      .map((d) => readJson<ModelAudit>(path.join(d, 'audit.json'), 'audit'));
    sections.push(auditSection(audits));
  }
  if (deps.unseenDir) sections.push(unseenSection(loadUnseen(deps.unseenDir), results));
  return sections;
}

export async function runReport(ctx: StageContext): Promise<void> {
  const markdown = ctx.outs.find((o) => o.endsWith('.md'));
  const htmlOut = ctx.outs.find((o) => o !== markdown && !ctx.metrics.includes(o));
  if (!markdown || !htmlOut) throw new Error(`${ctx.name}: declare RESULTS.md and artifacts/report/ under outs`);
  const deps = findDeps(ctx);
  const results = loadResults(deps.evalRoot, deps.boundsDir);
  ctx.progress({ done: 0, total: 2, note: `${results.models.length} model(s)` });
  const sections = results.models.length ? experimentSections(deps, results) : [];
  const html = await reportHtml(results, undefined, await Promise.all(sections.map(sectionHtml)));
  const htmlFile = htmlOut.endsWith('.html') ? htmlOut : path.join(htmlOut, 'report.html');
  writeFileAtomic(htmlFile, html);
  ctx.progress({ done: 1, total: 2 });
  const scaling = sections.length ? [SCALING_NOTE, ''] : [];
  writeFileAtomic(markdown, [resultsMarkdown(results), ...sections.map((s) => sectionMarkdown(s)), ...scaling].join('\n'));
  if (!htmlOut.endsWith('.html')) {
    const metrics = validate('report-metrics', headlineMetrics(results), path.join(htmlOut, 'metrics.json'));
    writeFileAtomic(path.join(htmlOut, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  }
  ctx.progress({ done: 2, total: 2 });
}

export default defineStage(runReport);
