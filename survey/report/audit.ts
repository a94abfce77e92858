/**
 * The report section of the bias audit (survey/audit.ts): per model and evaluation set, the best- and
 * worst-served group of each attribute, zero-shot and fine-tuned, whether fine-tuning narrowed the gap, and a
 * scatter of each group's WD against its size and its distance from the population.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { AuditSet, Extremes } from '../audit.js';
import { fixed } from '../report.js';
import { signed, type Block, type Section } from './sections.js';

export interface ModelAudit {
  model: string;
  sets: AuditSet[];
}

const RUNS = ['Zero-shot', 'Fine-tuned'] as const;
const COLORS = ['#9e9ac8', '#3182bd'];

const extremes = (e: Extremes): string[] => [`${e.best.group} (${fixed(e.best.wd)})`, `${e.worst.group} (${fixed(e.worst.wd)})`, fixed(e.gap)];

/** "narrowed by 0.012", "widened by 0.004" or "unchanged" (below half a unit of the third decimal). */
export function gapVerdict(change: number): string {
  if (Math.abs(change) < 0.0005) return 'unchanged';
  return `${change < 0 ? 'narrowed' : 'widened'} (${signed(change)})`;
}

const r = (v: number | null): string => (v === null ? '—' : v.toFixed(2));

/** Each group's mean WD, zero-shot and fine-tuned, against log-scaled size (left) and distance (right). */
export function auditScatterSpec(set: AuditSet): TopLevelSpec {
  const values = set.groups.flatMap((g) =>
    RUNS.map((run) => ({ group: `${g.attribute}: ${g.group}`, run, wd: run === 'Zero-shot' ? g.zero_shot : g.fine_tuned, respondents: g.respondents, distance: g.distance })),
  );
  const y = { field: 'wd', type: 'quantitative', title: 'mean WD' } as const;
  const color = { field: 'run', type: 'nominal', title: null, scale: { domain: [...RUNS], range: COLORS }, legend: { orient: 'bottom' } } as const;
  const tooltip = [{ field: 'group', type: 'nominal' }, { field: 'wd', type: 'quantitative', format: '.3f' }] as const;
  const panel = (field: 'respondents' | 'distance', title: string, log: boolean) => ({
    width: 260,
    height: 240,
    transform: [{ filter: `datum.${field} !== null && datum.${field} > 0` }],
    mark: { type: 'point' as const, filled: true, size: 40, opacity: 0.75 },
    encoding: { x: { field, type: 'quantitative' as const, title, scale: log ? { type: 'log' as const } : { zero: true } }, y, color, tooltip: [...tooltip] },
  });
  return {
    data: { values },
    hconcat: [panel('respondents', 'respondents behind the row (log scale)', true), panel('distance', 'distance from the population (WD)', false)],
  };
}

function setBlocks(model: string, set: AuditSet): Block[] {
  const c = set.correlations;
  return [
    { kind: 'heading', text: `${model}: ${set.name}` },
    {
      kind: 'table',
      head: ['Attribute', 'Groups', 'Zero-shot best', 'Zero-shot worst', 'Zero-shot gap', 'Fine-tuned best', 'Fine-tuned worst', 'Fine-tuned gap', 'Gap after fine-tuning'],
      rows: set.attributes.map((a) => [a.attribute, String(a.groups), ...extremes(a.zero_shot), ...extremes(a.fine_tuned), gapVerdict(a.gap_change)]),
    },
    {
      kind: 'text',
      text:
        `Correlation over the ${set.groups.length} groups (Pearson's r): zero-shot WD with log10 respondents ${r(c.zero_shot.size)}, ` +
        `with distance from the population ${r(c.zero_shot.distance)}; fine-tuned WD ${r(c.fine_tuned.size)} and ${r(c.fine_tuned.distance)}.`,
    },
    { kind: 'chart', spec: auditScatterSpec(set), caption: `${model}, ${set.name}: each group's mean WD against its size and its distance from the population.` },
  ];
}

export function auditSection(audits: readonly ModelAudit[]): Section {
  return {
    title: 'Bias audit',
    blocks: [
      {
        kind: 'text',
        text:
          'Which groups a model serves well or badly. Per attribute, the best- and worst-served group (lowest and ' +
          'highest mean WD over its rows) and the gap between them, zero-shot and fine-tuned: a negative change means ' +
          "fine-tuning narrowed the gap. A group's size is the mean number of respondents behind its rows; its " +
          "distance from the population is the population-marginal baseline's mean WD for it. Small groups have " +
          'noisier distributions, and groups far from the population are the ones a population-level answer misses.',
      },
      ...audits.flatMap((a) => a.sets.flatMap((s) => setBlocks(a.model, s))),
    ],
  };
}
