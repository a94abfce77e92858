/**
 * The results table (RESULTS.md): the paper's Table 1 shape — Uniform, Human (bootstrap), Zero-shot and
 * Fine-tuned WD — with one column per (model, evaluation set) for every model under artifacts/eval/, the
 * relative improvements of fine-tuning, readout diagnostics and WD per attribute. Fixed decimals and no dates,
 * so the same results always give the same bytes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readJson } from '../lib/json-files.js';
import type { Summary } from './evaluate-summary.js';

export interface EvalSetMetrics {
  name: string;
  file: string;
  rows: number;
  skipped_rows: number;
  zero_shot: Summary;
  fine_tuned: Summary;
}

export interface EvalMetrics {
  model: string;
  steering: string;
  adapter: string;
  engine: string;
  backend: string;
  quantisation: string;
  /** Distinct prompts read per run. */
  prompts: number;
  sets: EvalSetMetrics[];
}

export interface BoundsSetMetrics {
  name: string;
  file: string;
  rows: number;
  skipped_rows: number;
  uniform: Summary;
  human: Summary | null;
}

export interface BoundsMetrics {
  bootstrap: { samples: number; seed: number };
  sets: BoundsSetMetrics[];
}

/** One model's results folder (artifacts/eval/<model>/). */
export interface ModelResults {
  dir: string;
  metrics: EvalMetrics;
}

export interface Results {
  models: ModelResults[];
  bounds?: BoundsMetrics;
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Every model folder with a metrics.json under `evalRoot` (sorted by name), and the bounds when given. */
export function loadResults(evalRoot: string, boundsDir?: string): Results {
  const models = fs
    .readdirSync(evalRoot, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(evalRoot, e.name, 'metrics.json')))
    .map((e) => e.name)
    .sort(byCodeUnits)
    .map((name) => {
      const dir = path.join(evalRoot, name);
      const metrics = readJson<EvalMetrics>(path.join(dir, 'metrics.json'), 'eval-metrics');
      if (metrics.model !== name) throw new Error(`${path.join(dir, 'metrics.json')}: model "${metrics.model}" in the folder of ${name}`);
      return { dir, metrics };
    });
  const bounds = boundsDir ? readJson<BoundsMetrics>(path.join(boundsDir, 'metrics.json'), 'bounds-metrics') : undefined;
  return { models, ...(bounds ? { bounds } : {}) };
}

/** A column of the results table: one evaluation set of one model, with the bounds on the same rows. */
export interface Column {
  model: string;
  /** The model with the engine that read it: "tiny (llama.cpp, cpu, F32)". */
  label: string;
  set: EvalSetMetrics;
  bounds?: BoundsSetMetrics;
}

/** Columns in model order, then set order; bounds only when computed on the same number of rows. */
export function columns(results: Results): Column[] {
  return results.models.flatMap(({ metrics }) =>
    metrics.sets.map((set) => {
      const b = results.bounds?.sets.find((s) => s.name === set.name && s.rows === set.rows);
      return { model: metrics.model, label: modelLabel(metrics), set, ...(b ? { bounds: b } : {}) };
    }),
  );
}

export const fixed = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined ? '—' : v.toFixed(digits));

/** (zero-shot − fine-tuned) / zero-shot: the paper's relative improvement. */
export function wdReduction(zeroShot: number | null, fineTuned: number | null): number | null {
  return zeroShot === null || fineTuned === null || !(zeroShot > 0) ? null : (zeroShot - fineTuned) / zeroShot;
}

/** (zero-shot − fine-tuned) / (zero-shot − human): the share of the distance to the human bound removed. */
export function gapClosed(zeroShot: number | null, fineTuned: number | null, human: number | null | undefined): number | null {
  if (zeroShot === null || fineTuned === null || human === null || human === undefined || !(zeroShot - human > 0)) return null;
  return (zeroShot - fineTuned) / (zeroShot - human);
}

/** The numbers of the main table per model and evaluation set: what `pipe metrics` records and compares. */
export function headlineMetrics(results: Results): Record<string, Record<string, Record<string, number | null>>> {
  const out: Record<string, Record<string, Record<string, number | null>>> = {};
  for (const c of columns(results)) {
    (out[c.model] ??= {})[c.set.name] = {
      uniform: c.bounds?.uniform.wd ?? null,
      human: c.bounds?.human?.wd ?? null,
      zero_shot: c.set.zero_shot.wd,
      fine_tuned: c.set.fine_tuned.wd,
      wd_reduction: wdReduction(c.set.zero_shot.wd, c.set.fine_tuned.wd),
      human_gap_closed: gapClosed(c.set.zero_shot.wd, c.set.fine_tuned.wd, c.bounds?.human?.wd),
    };
  }
  return out;
}

export const percent = (v: number | null): string => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);

/** A Markdown table; cells are escaped. */
function table(head: readonly string[], rows: readonly (readonly string[])[], align: readonly ('l' | 'r')[]): string {
  const cell = (s: string) => s.replaceAll('|', '\\|');
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(head), `|${align.map((a) => (a === 'l' ? ':--' : '--:')).join('|')}|`, ...rows.map(line)].join('\n');
}

export const modelLabel = (m: EvalMetrics): string => `${m.model} (${m.engine}, ${m.backend}, ${m.quantisation})`;

export const columnTitle = (c: Column): string => `${c.label}: ${c.set.name}`;

/** Rows of the main table: label and one formatted value per column. */
export function mainRows(cols: readonly Column[]): [string, string[]][] {
  return [
    ['Uniform (upper bound)', cols.map((c) => fixed(c.bounds?.uniform.wd))],
    ['Human (bootstrap, lower bound)', cols.map((c) => fixed(c.bounds?.human?.wd))],
    ['Zero-shot', cols.map((c) => fixed(c.set.zero_shot.wd))],
    ['Fine-tuned', cols.map((c) => fixed(c.set.fine_tuned.wd))],
    ['WD reduction (zero-shot → fine-tuned)', cols.map((c) => percent(wdReduction(c.set.zero_shot.wd, c.set.fine_tuned.wd)))],
    ['Human gap closed', cols.map((c) => percent(gapClosed(c.set.zero_shot.wd, c.set.fine_tuned.wd, c.bounds?.human?.wd)))],
    ['Rows (with a defined WD)', cols.map((c) => `${c.set.rows} (${c.set.zero_shot.wd_rows})`)],
  ];
}

/** Rows of the readout table. */
export function readoutRows(cols: readonly Column[]): [string, string[]][] {
  return [
    ['Zero-shot KL(human ‖ model)', cols.map((c) => fixed(c.set.zero_shot.kl))],
    ['Fine-tuned KL(human ‖ model)', cols.map((c) => fixed(c.set.fine_tuned.kl))],
    ['Zero-shot letter mass', cols.map((c) => fixed(c.set.zero_shot.letter_mass))],
    ['Fine-tuned letter mass', cols.map((c) => fixed(c.set.fine_tuned.letter_mass))],
  ];
}

/** Per evaluation set name (first-appearance order): attributes × (Uniform, Human, each model's ZS and FT). */
export function attributeTables(results: Results): { set: string; head: string[]; rows: string[][] }[] {
  const cols = columns(results);
  const names = [...new Set(cols.map((c) => c.set.name))];
  return names.map((set) => {
    const here = cols.filter((c) => c.set.name === set);
    // Bounds are per set, not per model: take them from the first column that has them.
    const bounds = here.find((c) => c.bounds)?.bounds;
    const attributes = [...new Set(here.flatMap((c) => c.set.zero_shot.attributes.map((a) => a.attribute)))].sort(byCodeUnits);
    const wdOf = (s: Summary | null | undefined, attribute: string) => fixed(s?.attributes.find((a) => a.attribute === attribute)?.wd);
    return {
      set,
      head: ['Attribute', 'Uniform', 'Human', ...here.flatMap((c) => [`${c.label} zero-shot`, `${c.label} fine-tuned`])],
      rows: attributes.map((a) => [a, wdOf(bounds?.uniform, a), wdOf(bounds?.human, a), ...here.flatMap((c) => [wdOf(c.set.zero_shot, a), wdOf(c.set.fine_tuned, a)])]),
    };
  });
}

/** What the results measure: the opening paragraph of both reports. */
export const INTRO =
  "Mean ordinal Wasserstein distance (WD, lower is better; 0 = the group's own answers, 1 = all mass at the " +
  "opposite end) between each subpopulation's weighted answer distribution and a prediction of it, averaged " +
  'over the (question, subpopulation) rows of each evaluation set: val holds the held-out questions of the ' +
  'training survey, test the evaluation survey; other sets are external SubPOP-format files.';

/** The terms of the main table, with the paper's numbers for reference, as (term, explanation) pairs. */
export function definitions(bootstrap?: { samples: number; seed: number }): [string, string][] {
  return [
    ['Uniform', 'the uniform distribution over the options with a non-negative ordinal.'],
    [
      'Human',
      `the mean WD between a group's distribution and ${bootstrap ? `${bootstrap.samples} bootstrap resamples (seed ${bootstrap.seed})` : 'bootstrap resamples'} ` +
        'of its own respondents, drawn with replacement with their survey weights.',
    ],
    [
      'Zero-shot',
      'the base model prompted as is. A model built from random weights (tiny) knows nothing to begin with, so its ' +
        'zero-shot WD is noise that varies with the seed: compare its fine-tuned WD with the uniform bound instead.',
    ],
    ['WD reduction', '(zero-shot − fine-tuned) / zero-shot, the relative improvement the paper reports.'],
    ['Human gap closed', '(zero-shot − fine-tuned) / (zero-shot − human): the share of the distance between zero-shot and the human bound that fine-tuning removes.'],
    ['—', 'not available: an external file has no respondents for the human bound, and bounds computed on other rows are not shown.'],
    [
      'Paper',
      'on SubPOP-Eval with Llama-2-7B, uniform 0.208, human 0.033, zero-shot 0.206, fine-tuned 0.121 (a WD reduction ' +
        'of 41.3%); on OpinionQA, reductions of 38.7% (Llama-2-7B) and 37.3% (Mistral-7B). These come from ' +
        'transcriptions of its Table 1; only the uniform bound (0.208) was re-checked against the released evaluation file.',
    ],
  ];
}

export const READOUT_NOTE =
  "KL from the human distribution to the model's over the answer options, and the probability mass the model put " +
  'on the option letters before renormalising (means over rows).';

export function resultsMarkdown(results: Results): string {
  const cols = columns(results);
  const out: string[] = ['# Results', '', '<!-- Generated by `npx pipe run report` from artifacts/eval/ and artifacts/bounds/; do not edit by hand. -->', '', INTRO, ''];
  if (!cols.length) {
    out.push(NO_MODELS, '');
    return out.join('\n');
  }
  const right = cols.map(() => 'r' as const);
  out.push(
    '## WD by evaluation set',
    '',
    table(['Method', ...cols.map(columnTitle)], mainRows(cols).map(([label, cells]) => [label, ...cells]), ['l', ...right]),
    '',
    ...definitions(results.bounds?.bootstrap).map(([term, text]) => `- **${term}**: ${text}`),
    '',
    '## Readout',
    '',
    READOUT_NOTE,
    '',
    table(['', ...cols.map(columnTitle)], readoutRows(cols).map(([label, cells]) => [label, ...cells]), ['l', ...right]),
    '',
    '## Models',
    '',
    ...results.models.map(({ metrics: m }) => `- ${modelNote(m)}`),
    '',
    '## WD by attribute',
  );
  for (const t of attributeTables(results)) {
    out.push('', `### ${t.set}`, '', table(t.head, t.rows, ['l', ...t.head.slice(1).map(() => 'r' as const)]));
  }
  out.push('');
  return out.join('\n');
}

export const NO_MODELS = 'No model has been evaluated yet: run `npx pipe run eval --model <name>`, then `npx pipe run report`.';

export const modelNote = (m: EvalMetrics): string => `${m.model}: ${m.steering} steering; fine-tuned with the adapter in ${m.adapter}.`;
