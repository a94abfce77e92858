/**
 * The results table (RESULTS.md): the paper's Table 1 shape — Uniform, Human (bootstrap), Zero-shot, Few-shot and
 * Fine-tuned WD — with one column per (model, evaluation set) for every model under artifacts/eval/ and one block of
 * rows per steering style evaluated, the relative improvements of fine-tuning, the same without the authors'
 * high-relevance questions, the files scored, readout diagnostics and WD per attribute. Fixed decimals and no
 * dates, so the same results always give the same bytes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readJson } from '../lib/json-files.js';
import type { Means, Summary } from './evaluate-summary.js';
import type { SetSource } from './evaluate-sets.js';
import { STEERING_STYLES } from './prompts.js';

export interface EvalSetMetrics {
  name: string;
  file: string;
  sources: SetSource[];
  rows: number;
  skipped_rows: number;
  zero_shot: Summary;
  few_shot?: Summary;
  fine_tuned: Summary;
  high_relevance_rows: number;
  without_high_relevance: { rows: number; zero_shot: Means; few_shot?: Means; fine_tuned: Means } | null;
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
  few_shot: { k: number; seed: number; prompts: number } | null;
  sets: EvalSetMetrics[];
}

export interface BoundsSetMetrics {
  name: string;
  file: string;
  rows: number;
  skipped_rows: number;
  uniform: Summary;
  human: Summary | null;
  high_relevance_rows: number;
  without_high_relevance: { rows: number; uniform: Means; human: Means | null } | null;
}

export interface BoundsMetrics {
  bootstrap: { samples: number; seed: number };
  sets: BoundsSetMetrics[];
}

/** One evaluated folder: a model in one steering style (artifacts/eval/<model>-<style>/). */
export interface ModelResults {
  dir: string;
  metrics: EvalMetrics;
}

export interface Results {
  models: ModelResults[];
  bounds?: BoundsMetrics;
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const styleOrder = (s: string): number => (STEERING_STYLES as readonly string[]).indexOf(s);

/** The folder an evaluation of `model` in `steering` is written to. */
export const evalFolder = (m: Pick<EvalMetrics, 'model' | 'steering'>): string => `${m.model}-${m.steering}`;

/** Every evaluated folder with a metrics.json under `evalRoot` (by model, then style), and the bounds when given. */
export function loadResults(evalRoot: string, boundsDir?: string): Results {
  const models = fs
    .readdirSync(evalRoot, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(evalRoot, e.name, 'metrics.json')))
    .map((e) => {
      const dir = path.join(evalRoot, e.name);
      const metrics = readJson<EvalMetrics>(path.join(dir, 'metrics.json'), 'eval-metrics');
      if (evalFolder(metrics) !== e.name) {
        throw new Error(`${path.join(dir, 'metrics.json')}: ${metrics.model} in ${metrics.steering} steering belongs in ${evalFolder(metrics)}/, not ${e.name}/ (an evaluation from another layout: remove the folder)`);
      }
      return { dir, metrics };
    })
    .sort((a, b) => byCodeUnits(a.metrics.model, b.metrics.model) || styleOrder(a.metrics.steering) - styleOrder(b.metrics.steering));
  const bounds = boundsDir ? readJson<BoundsMetrics>(path.join(boundsDir, 'metrics.json'), 'bounds-metrics') : undefined;
  return { models, ...(bounds ? { bounds } : {}) };
}

/** One steering style's scores of a column's set. */
export interface StyleRun {
  steering: string;
  fewShot: EvalMetrics['few_shot'];
  set: EvalSetMetrics;
}

/** A column of the results table: one evaluation set of one model, scored in each steering style evaluated, with
 * the bounds on the same rows. */
export interface Column {
  model: string;
  /** The model with the engine that read it: "tiny (llama.cpp, cpu, F32)". */
  label: string;
  name: string;
  runs: StyleRun[];
  bounds?: BoundsSetMetrics;
}

/** Columns in model order, then set order; bounds only when computed on the same number of rows. */
export function columns(results: Results): Column[] {
  const out: Column[] = [];
  for (const { metrics } of results.models) {
    for (const set of metrics.sets) {
      let col = out.find((c) => c.model === metrics.model && c.name === set.name);
      if (!col) {
        const b = results.bounds?.sets.find((s) => s.name === set.name && s.rows === set.rows);
        out.push((col = { model: metrics.model, label: modelLabel(metrics), name: set.name, runs: [], ...(b ? { bounds: b } : {}) }));
      }
      col.runs.push({ steering: metrics.steering, fewShot: metrics.few_shot, set });
    }
  }
  return out;
}

/** A column's scores in the first style evaluated (QA when it was): the scores the experiments' sections compare. */
export const firstRun = (c: Column): StyleRun => c.runs[0]!;

/** The steering styles evaluated in any column, in the order QA, BIO, PORTRAY. */
export const stylesOf = (cols: readonly Column[]): string[] => [...new Set(cols.flatMap((c) => c.runs.map((r) => r.steering)))].sort((a, b) => styleOrder(a) - styleOrder(b));

const runOf = (c: Column, style: string): StyleRun | undefined => c.runs.find((r) => r.steering === style);

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

/** The numbers of the main table per evaluated folder (model-style) and evaluation set: what `pipe metrics` records. */
export function headlineMetrics(results: Results): Record<string, Record<string, Record<string, number | null>>> {
  const out: Record<string, Record<string, Record<string, number | null>>> = {};
  for (const c of columns(results)) {
    for (const { steering, set } of c.runs) {
      (out[evalFolder({ model: c.model, steering })] ??= {})[c.name] = {
        uniform: c.bounds?.uniform.wd ?? null,
        human: c.bounds?.human?.wd ?? null,
        zero_shot: set.zero_shot.wd,
        few_shot: set.few_shot?.wd ?? null,
        fine_tuned: set.fine_tuned.wd,
        wd_reduction: wdReduction(set.zero_shot.wd, set.fine_tuned.wd),
        human_gap_closed: gapClosed(set.zero_shot.wd, set.fine_tuned.wd, c.bounds?.human?.wd),
      };
    }
  }
  return out;
}

export const percent = (v: number | null): string => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);

/** A Markdown table; cells are escaped. */
export function table(head: readonly string[], rows: readonly (readonly string[])[], align: readonly ('l' | 'r')[]): string {
  const cell = (s: string) => s.replaceAll('|', '\\|');
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(head), `|${align.map((a) => (a === 'l' ? ':--' : '--:')).join('|')}|`, ...rows.map(line)].join('\n');
}

export const modelLabel = (m: EvalMetrics): string => `${m.model} (${m.engine}, ${m.backend}, ${m.quantisation})`;

export const columnTitle = (c: Column): string => `${c.label}: ${c.name}`;

/** Label and one cell per column for each style evaluated; `cell` gets the column's run in that style. */
function perStyle(cols: readonly Column[], rows: [string, (run: StyleRun, c: Column) => string, (run: StyleRun) => boolean][]): [string, string[]][] {
  return stylesOf(cols).flatMap((style) => {
    const runs = cols.map((c) => runOf(c, style));
    return rows
      .filter(([, , shown]) => runs.some((r) => r !== undefined && shown(r)))
      .map(([label, cell]): [string, string[]] => [`${label} (${style})`, runs.map((r, i) => (r ? cell(r, cols[i]!) : '—'))]);
  });
}

const always = (): boolean => true;
const hasFewShot = (r: StyleRun): boolean => r.set.few_shot !== undefined;

/** Rows of the main table: label and one formatted value per column; one block of rows per steering style. */
export function mainRows(cols: readonly Column[]): [string, string[]][] {
  return [
    ['Uniform (upper bound)', cols.map((c) => fixed(c.bounds?.uniform.wd))],
    ['Human (bootstrap, lower bound)', cols.map((c) => fixed(c.bounds?.human?.wd))],
    ...perStyle(cols, [
      ['Zero-shot', (r) => fixed(r.set.zero_shot.wd), always],
      ['Few-shot', (r) => fixed(r.set.few_shot?.wd), hasFewShot],
      ['Fine-tuned', (r) => fixed(r.set.fine_tuned.wd), always],
      ['WD reduction, zero-shot → fine-tuned', (r) => percent(wdReduction(r.set.zero_shot.wd, r.set.fine_tuned.wd)), always],
      ['Human gap closed', (r, c) => percent(gapClosed(r.set.zero_shot.wd, r.set.fine_tuned.wd, c.bounds?.human?.wd)), always],
    ]),
    ['Rows (with a defined WD)', cols.map((c) => `${firstRun(c).set.rows} (${firstRun(c).set.zero_shot.wd_rows})`)],
  ];
}

/** Columns whose set holds high-relevance questions, and the main table's rows without them. */
export function highRelevanceTable(cols: readonly Column[]): { cols: Column[]; rows: [string, string[]][] } {
  const here = cols.filter((c) => firstRun(c).set.without_high_relevance !== null);
  const without = (r: StyleRun) => r.set.without_high_relevance;
  return {
    cols: here,
    rows: [
      ['Rows kept', here.map((c) => `${without(firstRun(c))!.rows} of ${firstRun(c).set.rows}`)],
      ['Uniform (upper bound)', here.map((c) => fixed(c.bounds?.without_high_relevance?.uniform.wd))],
      ['Human (bootstrap, lower bound)', here.map((c) => fixed(c.bounds?.without_high_relevance?.human?.wd))],
      ...perStyle(here, [
        ['Zero-shot', (r) => fixed(without(r)?.zero_shot.wd), always],
        ['Few-shot', (r) => fixed(without(r)?.few_shot?.wd), hasFewShot],
        ['Fine-tuned', (r) => fixed(without(r)?.fine_tuned.wd), always],
      ]),
    ],
  };
}

/** Rows of the readout table. */
export function readoutRows(cols: readonly Column[]): [string, string[]][] {
  return perStyle(cols, [
    ['Zero-shot KL(human ‖ model)', (r) => fixed(r.set.zero_shot.kl), always],
    ['Few-shot KL(human ‖ model)', (r) => fixed(r.set.few_shot?.kl), hasFewShot],
    ['Fine-tuned KL(human ‖ model)', (r) => fixed(r.set.fine_tuned.kl), always],
    ['Zero-shot letter mass', (r) => fixed(r.set.zero_shot.letter_mass), always],
    ['Few-shot letter mass', (r) => fixed(r.set.few_shot?.letter_mass), hasFewShot],
    ['Fine-tuned letter mass', (r) => fixed(r.set.fine_tuned.letter_mass), always],
  ]);
}

/** Per evaluation set name (first-appearance order): attributes × (Uniform, Human, each model and style's runs). */
export function attributeTables(results: Results): { set: string; head: string[]; rows: string[][] }[] {
  const cols = columns(results);
  const names = [...new Set(cols.map((c) => c.name))];
  return names.map((set) => {
    const runs = cols.filter((c) => c.name === set).flatMap((c) => c.runs.map((r) => ({ title: `${c.model} ${r.steering}`, set: r.set })));
    // Bounds are per set, not per model: take them from the first column that has them.
    const bounds = cols.find((c) => c.name === set && c.bounds)?.bounds;
    const attributes = [...new Set(runs.flatMap((r) => r.set.zero_shot.attributes.map((a) => a.attribute)))].sort(byCodeUnits);
    const wdOf = (s: Summary | null | undefined, attribute: string) => fixed(s?.attributes.find((a) => a.attribute === attribute)?.wd);
    const summaries = (s: EvalSetMetrics) => [s.zero_shot, ...(s.few_shot ? [s.few_shot] : []), s.fine_tuned];
    return {
      set,
      head: ['Attribute', 'Uniform', 'Human', ...runs.flatMap((r) => [`${r.title} zero-shot`, ...(r.set.few_shot ? [`${r.title} few-shot`] : []), `${r.title} fine-tuned`])],
      rows: attributes.map((a) => [a, wdOf(bounds?.uniform, a), wdOf(bounds?.human, a), ...runs.flatMap((r) => summaries(r.set).map((s) => wdOf(s, a)))]),
    };
  });
}

/** What the results measure: the opening paragraph of both reports. */
export const INTRO =
  "Mean ordinal Wasserstein distance (WD, lower is better; 0 = the group's own answers, 1 = all mass at the " +
  "opposite end) between each subpopulation's weighted answer distribution and a prediction of it, averaged " +
  'over the (question, subpopulation) rows of each evaluation set: val holds the held-out questions of the ' +
  'training survey, test the evaluation survey, opinionqa (when evaluated) the OpinionQA waves; other sets are ' +
  'external SubPOP-format files.';

/** The terms of the main table, with the paper's numbers for reference, as (term, explanation) pairs. */
export function definitions(bootstrap?: { samples: number; seed: number }): [string, string][] {
  return [
    ['Uniform', 'the uniform distribution over the options with a non-negative ordinal.'],
    [
      'Human',
      `the mean WD between a group's distribution and ${bootstrap ? `${bootstrap.samples} bootstrap resamples (seed ${bootstrap.seed})` : 'bootstrap resamples'} ` +
        'of its own respondents, drawn with replacement with their survey weights.',
    ],
    ['QA, BIO, PORTRAY', 'how the prompt names the group: as an answered question, a short biography, or an instruction to answer as a member; the paper reports QA.'],
    [
      'Zero-shot',
      'the base model prompted as is. A model built from random weights (tiny) knows nothing to begin with, so its ' +
        'zero-shot WD is noise that varies with the seed: compare its fine-tuned WD with the uniform bound instead.',
    ],
    ['Few-shot', "the base model shown k training questions of the same group, each with the group's majority answer, before the question (k under Models)."],
    ['WD reduction', '(zero-shot − fine-tuned) / zero-shot, the relative improvement the paper reports.'],
    ['Human gap closed', '(zero-shot − fine-tuned) / (zero-shot − human): the share of the distance between zero-shot and the human bound that fine-tuning removes.'],
    ['—', 'not available: an external file or released rows have no respondents for the human bound, bounds computed on other rows are not shown, and a set whose ordinals span no range has no WD.'],
    [
      'Paper',
      'on SubPOP-Eval with Llama-2-7B, uniform 0.208, human 0.033, zero-shot 0.206, few-shot 0.217, fine-tuned 0.121 ' +
        '(a WD reduction of 41.3%); on OpinionQA, reductions of 38.7% (Llama-2-7B) and 37.3% (Mistral-7B). These come ' +
        'from transcriptions of its Table 1; only the uniform bound (0.208) was re-checked against the released evaluation file.',
    ],
  ];
}

/** Sets with rows but no defined WD: their ordinals span no range (SubPOP-Train's released ones are all 1.0). */
export function undefinedWdNote(cols: readonly Column[]): string | undefined {
  const names = [...new Set(cols.filter((c) => firstRun(c).set.rows > 0 && firstRun(c).set.zero_shot.wd_rows === 0).map((c) => c.name))];
  if (!names.length) return undefined;
  return (
    `${names.map((n) => `**${n}**`).join(', ')}: no row has a defined WD, because no row's ordinals span a range ` +
    "(the authors' released SubPOP-Train file carries placeholder ordinals, all 1.0), so WD cannot compare models there; KL under Readout can."
  );
}

export const HIGH_RELEVANCE_NOTE =
  "The same, without the test questions the authors found too close to a fine-tuning question (HIGH_RELEVANCE_QKEYS of " +
  'their scoring notebook, config/high-relevance.yaml), as their notebook scores; only sets that hold such questions.';

/** One line per evaluation set read from released files: the file, where it came from, its sha256. */
export function sourceLines(cols: readonly Column[]): string[] {
  const seen = new Set<string>();
  return cols.flatMap((c) =>
    firstRun(c).set.sources.flatMap((s) => {
      const line = `${c.name}: ${s.file} from ${s.location}, sha256 ${s.sha256}`;
      if (seen.has(line)) return [];
      seen.add(line);
      return [line];
    }),
  );
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
  const right = (n: number) => Array.from({ length: n }, () => 'r' as const);
  const undefinedWd = undefinedWdNote(cols);
  out.push(
    '## WD by evaluation set',
    '',
    table(['Method', ...cols.map(columnTitle)], mainRows(cols).map(([label, cells]) => [label, ...cells]), ['l', ...right(cols.length)]),
    '',
    ...definitions(results.bounds?.bootstrap).map(([term, text]) => `- **${term}**: ${text}`),
    ...(undefinedWd ? ['', undefinedWd] : []),
    '',
  );
  const hr = highRelevanceTable(cols);
  if (hr.cols.length) {
    out.push('## Without the high-relevance questions', '', HIGH_RELEVANCE_NOTE, '', table(['Method', ...hr.cols.map(columnTitle)], hr.rows.map(([label, cells]) => [label, ...cells]), ['l', ...right(hr.cols.length)]), '');
  }
  const sources = sourceLines(cols);
  if (sources.length) out.push('## Files scored', '', ...sources.map((l) => `- ${l}`), '');
  out.push(
    '## Readout',
    '',
    READOUT_NOTE,
    '',
    table(['', ...cols.map(columnTitle)], readoutRows(cols).map(([label, cells]) => [label, ...cells]), ['l', ...right(cols.length)]),
    '',
    '## Models',
    '',
    ...results.models.map(({ metrics: m }) => `- ${modelNote(m)}`),
    '',
    '## WD by attribute',
  );
  for (const t of attributeTables(results)) {
    out.push('', `### ${t.set}`, '', table(t.head, t.rows, ['l', ...right(t.head.length - 1)]));
  }
  out.push('');
  return out.join('\n');
}

export const NO_MODELS = 'No model has been evaluated yet: run `npx pipe run eval --model <name>`, then `npx pipe run report`.';

export const modelNote = (m: EvalMetrics): string =>
  `${m.model}, ${m.steering} steering: fine-tuned with the adapter in ${m.adapter}; ` +
  (m.few_shot ? `few-shot with ${m.few_shot.k} example${m.few_shot.k === 1 ? '' : 's'} per question (seed ${m.few_shot.seed}).` : 'no few-shot run.');
