/**
 * The HTML report (artifacts/report/report.html): the tables of RESULTS.md plus three kinds of chart — WD per
 * group (zero-shot vs fine-tuned, with the human bound), the training loss curves (the adapters' losses.jsonl,
 * copied by the eval stage) and predicted against human option probabilities. One self-contained file: inline
 * CSS and SVG, no scripts, fonts or other requests.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readJsonl } from '../lib/json-files.js';
import { groupWdSpec, lossSpec, renderSvg, scatterSpec, type LossPoint, type ProbabilityPoint } from './report-charts.js';
import {
  attributeTables,
  columns,
  columnTitle,
  definitions,
  HIGH_RELEVANCE_NOTE,
  highRelevanceTable,
  INTRO,
  mainRows,
  modelNote,
  NO_MODELS,
  READOUT_NOTE,
  readoutRows,
  sourceLines,
  undefinedWdNote,
  type ModelResults,
  type Results,
} from './report.js';
import { page } from './report/template.js';

/** At most this many points per (model, run) in a scatter; every k-th point is kept. */
export const SCATTER_POINTS = 2000;

export const escapeHtml = (s: string): string => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

type LossLine = { epoch: number; step: number; loss: number } | { epoch: number; step: number; val_loss: number };

export function lossPoints(m: ModelResults): LossPoint[] {
  const file = path.join(m.dir, 'losses.jsonl');
  if (!fs.existsSync(file)) return [];
  return readJsonl<LossLine>(file, 'adapter-losses').map((l) =>
    'loss' in l ? { model: m.metrics.model, step: l.step, loss: l.loss, kind: 'train' } : { model: m.metrics.model, step: l.step, loss: l.val_loss, kind: 'validation' },
  );
}

interface PredictionLine {
  human: number[];
  zero_shot: { distribution: number[] };
  fine_tuned: { distribution: number[] };
}

export function probabilityPoints(m: ModelResults, cap = SCATTER_POINTS): ProbabilityPoint[] {
  const file = path.join(m.dir, 'predictions.jsonl');
  if (!fs.existsSync(file)) return [];
  const lines = readJsonl<PredictionLine>(file, 'predictions');
  return (['Zero-shot', 'Fine-tuned'] as const).flatMap((run) => {
    const key = run === 'Zero-shot' ? 'zero_shot' : 'fine_tuned';
    const all = lines.flatMap((l) => l.human.map((human, i) => ({ run, human, model: l[key].distribution[i]! })));
    const every = Math.max(1, Math.ceil(all.length / cap));
    return all.filter((_, i) => i % every === 0);
  });
}

export function htmlTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (tag: string, text: string, i: number) => `<${tag}${i > 0 ? ' class="num"' : ''}>${escapeHtml(text)}</${tag}>`;
  return [
    '<table>',
    `<thead><tr>${head.map((h, i) => cell('th', h, i)).join('')}</tr></thead>`,
    '<tbody>',
    ...rows.map((r) => `<tr>${r.map((c, i) => cell('td', c, i)).join('')}</tr>`),
    '</tbody>',
    '</table>',
  ].join('\n');
}

export const figure = (svg: string, caption: string): string => `<figure>\n${svg}\n<figcaption class="note">${escapeHtml(caption)}</figcaption>\n</figure>`;

/** `sections`: further body HTML (the experiments' sections), appended after the main report. */
export async function reportHtml(results: Results, scatterCap = SCATTER_POINTS, sections: readonly string[] = []): Promise<string> {
  const title = 'SubPOP reproduction: results';
  const body: string[] = [`<h1>${escapeHtml(title)}</h1>`, `<p>${escapeHtml(INTRO)}</p>`];
  const cols = columns(results);
  if (!cols.length) {
    body.push(`<p>${escapeHtml(NO_MODELS)}</p>`);
  } else {
    const undefinedWd = undefinedWdNote(cols);
    const hr = highRelevanceTable(cols);
    const sources = sourceLines(cols);
    body.push(
      '<h2>WD by evaluation set</h2>',
      htmlTable(['Method', ...cols.map(columnTitle)], mainRows(cols).map(([label, cells]) => [label, ...cells])),
      `<dl>${definitions(results.bounds?.bootstrap).map(([term, text]) => `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(text)}</dd>`).join('')}</dl>`,
      ...(undefinedWd ? [`<p class="note">${escapeHtml(undefinedWd.replaceAll('**', ''))}</p>`] : []),
      ...(hr.cols.length
        ? ['<h2>Without the high-relevance questions</h2>', `<p class="note">${escapeHtml(HIGH_RELEVANCE_NOTE)}</p>`, htmlTable(['Method', ...hr.cols.map(columnTitle)], hr.rows.map(([label, cells]) => [label, ...cells]))]
        : []),
      ...(sources.length ? ['<h2>Files scored</h2>', `<ul>${sources.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`] : []),
      '<h2>Readout</h2>',
      `<p class="note">${escapeHtml(READOUT_NOTE)}</p>`,
      htmlTable(['', ...cols.map(columnTitle)], readoutRows(cols).map(([label, cells]) => [label, ...cells])),
      '<h2>Models</h2>',
      `<ul>${results.models.map(({ metrics }) => `<li>${escapeHtml(modelNote(metrics))}</li>`).join('')}</ul>`,
      '<h2>WD per subpopulation</h2>',
    );
    for (const c of cols) {
      for (const r of c.runs) {
        const title = `${columnTitle(c)} (${r.steering})`;
        body.push(`<h3>${escapeHtml(title)}</h3>`, figure(await renderSvg(groupWdSpec(r.set.zero_shot, r.set.fine_tuned, c.bounds?.human)), 'Mean WD over the group’s rows; lower is better.'));
      }
    }
    // Every style of a model copies the same adapter's curve: one per model.
    const losses = results.models.filter((m, i, all) => all.findIndex((o) => o.metrics.model === m.metrics.model) === i).flatMap(lossPoints);
    body.push('<h2>Training loss</h2>');
    body.push(
      losses.length
        ? figure(await renderSvg(lossSpec(losses)), 'Forward KL of each training step (lines) and of the validation rows after each epoch (diamonds).')
        : '<p class="note">No training curve (losses.jsonl) in the evaluated models’ folders.</p>',
    );
    body.push('<h2>Predicted vs human option probabilities</h2>');
    for (const m of results.models) {
      const points = probabilityPoints(m, scatterCap);
      if (!points.length) continue;
      body.push(
        `<h3>${escapeHtml(`${m.metrics.model} (${m.metrics.steering})`)}</h3>`,
        figure(await renderSvg(scatterSpec(points)), `Every option of every evaluated row (at most ${scatterCap} points per panel, every k-th kept); the dashed line is a perfect prediction.`),
      );
    }
    body.push('<h2>WD by attribute</h2>');
    for (const t of attributeTables(results)) body.push(`<h3>${escapeHtml(t.set)}</h3>`, htmlTable(t.head, t.rows));
  }
  body.push(...sections);
  return page(escapeHtml(title), body.join('\n'));
}
