/**
 * The report of the data-scaling experiment (survey/scaling.ts): WD per evaluation set against the fraction of
 * training questions fine-tuned on, with zero-shot as the point with no training data and the uniform and
 * human bounds as reference lines.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { BoundsMetrics, EvalMetrics } from '../report.js';
import { fixed, percent } from '../report.js';
import type { Section } from './sections.js';

export interface ScalingPoint {
  fraction: number;
  units: number;
  rows: number;
  metrics: EvalMetrics;
}

export interface ScalingResults {
  model: string;
  /** The main evaluation: its zero-shot scores are the point with no training data. */
  zeroShot: EvalMetrics;
  points: ScalingPoint[];
  bounds: BoundsMetrics;
}

/** WD per set and fraction, what `pipe metrics` records: {set: {"0": zero-shot, "0.1": …, uniform, human}}. */
export function scalingMetrics(s: ScalingResults): Record<string, Record<string, number | null>> {
  const out: Record<string, Record<string, number | null>> = {};
  for (const set of s.zeroShot.sets) {
    const bounds = s.bounds.sets.find((b) => b.name === set.name && b.rows === set.rows);
    out[set.name] = {
      '0': set.zero_shot.wd,
      ...Object.fromEntries(s.points.map((p) => [String(p.fraction), p.metrics.sets.find((x) => x.name === set.name)?.fine_tuned.wd ?? null])),
      uniform: bounds?.uniform.wd ?? null,
      human: bounds?.human?.wd ?? null,
    };
  }
  return out;
}

/** (zero-shot − WD at f) / (zero-shot − WD with all the data): how much of the full improvement f gives. */
export function shareOfImprovement(zeroShot: number | null, atFraction: number | null, full: number | null): number | null {
  if (zeroShot === null || atFraction === null || full === null || !(zeroShot - full > 0)) return null;
  return (zeroShot - atFraction) / (zeroShot - full);
}

export function scalingSpec(metrics: Record<string, Record<string, number | null>>): TopLevelSpec {
  const sets = Object.keys(metrics);
  const points = sets.flatMap((set) =>
    Object.entries(metrics[set]!)
      .filter(([k, v]) => k !== 'uniform' && k !== 'human' && v !== null)
      .map(([k, wd]) => ({ set, fraction: Number(k), wd })),
  );
  const rules = sets.flatMap((set) =>
    (['uniform', 'human'] as const).flatMap((bound) => (metrics[set]![bound] === null ? [] : [{ set, bound: bound === 'uniform' ? 'uniform (upper bound)' : 'human (lower bound)', wd: metrics[set]![bound] }])),
  );
  const color = { field: 'set', type: 'nominal', title: 'evaluation set' } as const;
  const y = { field: 'wd', type: 'quantitative', title: 'mean WD', scale: { zero: true } } as const;
  return {
    width: 480,
    height: 280,
    layer: [
      {
        data: { values: points },
        mark: { type: 'line', point: { filled: true, size: 60 } },
        encoding: { x: { field: 'fraction', type: 'quantitative', title: 'fraction of training questions (0 = zero-shot)', scale: { domain: [0, 1] } }, y, color },
      },
      {
        data: { values: rules },
        mark: { type: 'rule', opacity: 0.7 },
        encoding: { y, color, strokeDash: { field: 'bound', type: 'nominal', title: 'reference', scale: { range: [[6, 4], [2, 2]] }, legend: { labelLimit: 220 } } },
      },
    ],
  };
}

export function scalingSection(s: ScalingResults): Section {
  const metrics = scalingMetrics(s);
  const sets = Object.keys(metrics);
  const full = s.points.find((p) => p.fraction === 1);
  const rows: string[][] = [
    ['none (zero-shot)', '0', '0', ...sets.map((set) => fixed(metrics[set]!['0']))],
    ...s.points.map((p) => [percent(p.fraction).replace('.0%', '%'), String(p.units), String(p.rows), ...sets.map((set) => fixed(metrics[set]![String(p.fraction)]))]),
    ['Uniform (upper bound)', '', '', ...sets.map((set) => fixed(metrics[set]!['uniform']))],
    ['Human (bootstrap, lower bound)', '', '', ...sets.map((set) => fixed(metrics[set]!['human']))],
  ];
  const shares = full
    ? s.points
        .filter((p) => p.fraction < 1)
        .map((p) => [percent(p.fraction).replace('.0%', '%'), ...sets.map((set) => percent(shareOfImprovement(metrics[set]!['0'] ?? null, metrics[set]![String(p.fraction)] ?? null, metrics[set]!['1'] ?? null)))])
    : [];
  return {
    title: 'Data scaling',
    blocks: [
      {
        kind: 'text',
        text:
          `${s.model} fine-tuned on nested, seeded fractions of the training questions (every smaller subset is inside ` +
          'the larger ones; each keeps all rows of its questions), each evaluated on the same sets. Lower is better.',
      },
      { kind: 'table', head: ['Training data', 'Questions', 'Rows', ...sets.map((set) => `${s.model}: ${set}`)], rows },
      ...(shares.length
        ? [
            { kind: 'text' as const, text: 'Share of the full-data improvement, (zero-shot − WD at the fraction) / (zero-shot − WD with all the data); the paper reports 72-78% at 25%.' },
            { kind: 'table' as const, head: ['Training data', ...sets.map((set) => `${s.model}: ${set}`)], rows: shares },
          ]
        : []),
      { kind: 'chart', spec: scalingSpec(metrics), caption: 'Mean WD against the fraction of training questions; dashed lines: the uniform (upper) and human (lower) bounds of each set.' },
    ],
  };
}
