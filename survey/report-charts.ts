/**
 * The report's charts as vega-lite specs, rendered to SVG in Node (vega's `view.toSVG()` needs neither a
 * browser nor a canvas), so the HTML report is a static file with the charts inline.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Summary } from './evaluate-summary.js';

const METHODS = ['Zero-shot', 'Fine-tuned', 'Human (bootstrap)'] as const;
const COLORS = ['#9e9ac8', '#3182bd', '#31a354'];

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none', logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** WD per group, zero-shot vs fine-tuned, with the human bound when known. */
export function groupWdSpec(zeroShot: Summary, fineTuned: Summary, human?: Summary | null): TopLevelSpec {
  const values = ([[METHODS[0], zeroShot], [METHODS[1], fineTuned], [METHODS[2], human]] as const).flatMap(([method, s]) =>
    (s?.groups ?? []).filter((g) => g.wd !== null).map((g) => ({ group: `${g.attribute}: ${g.group}`, method, wd: g.wd })),
  );
  return {
    data: { values },
    width: 420,
    height: { step: 22 },
    mark: 'bar',
    encoding: {
      y: { field: 'group', type: 'nominal', sort: null, title: null, axis: { labelLimit: 320 } },
      x: { field: 'wd', type: 'quantitative', title: 'mean WD' },
      yOffset: { field: 'method', sort: [...METHODS] },
      color: { field: 'method', type: 'nominal', title: null, scale: { domain: [...METHODS], range: COLORS }, legend: { orient: 'bottom' } },
    },
  };
}

export interface LossPoint {
  model: string;
  step: number;
  loss: number;
  kind: 'train' | 'validation';
}

/** Training KL per optimizer step (lines) and validation KL per epoch (points), one colour per model. */
export function lossSpec(points: readonly LossPoint[]): TopLevelSpec {
  const x = { field: 'step', type: 'quantitative', title: 'optimizer step' } as const;
  const y = { field: 'loss', type: 'quantitative', title: 'forward KL' } as const;
  const color = { field: 'model', type: 'nominal', title: 'model' } as const;
  return {
    data: { values: [...points] },
    width: 520,
    height: 260,
    layer: [
      { transform: [{ filter: "datum.kind === 'train'" }], mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y, color } },
      {
        transform: [{ filter: "datum.kind === 'validation'" }],
        mark: { type: 'point', filled: true, size: 60, shape: 'diamond' },
        encoding: { x, y, color, tooltip: [{ field: 'loss', type: 'quantitative', title: 'validation KL' }] },
      },
    ],
  };
}

export interface ProbabilityPoint {
  run: 'Zero-shot' | 'Fine-tuned';
  human: number;
  model: number;
}

/** Predicted against human option probabilities, one panel per run, with the diagonal. */
export function scatterSpec(points: readonly ProbabilityPoint[]): TopLevelSpec {
  const unit = (field: string, title: string) => ({ field, title, type: 'quantitative' as const, scale: { domain: [0, 1] } });
  return {
    data: { values: [...points] },
    facet: { column: { field: 'run', type: 'nominal', title: null, sort: ['Zero-shot', 'Fine-tuned'] } },
    spec: {
      width: 260,
      height: 260,
      layer: [
        {
          mark: { type: 'point', filled: true, size: 16, opacity: 0.45 },
          encoding: { x: unit('human', 'human probability'), y: unit('model', 'predicted probability') },
        },
        { mark: { type: 'rule', color: '#888', strokeDash: [4, 3] }, encoding: { x: { datum: 0 }, y: { datum: 0 }, x2: { datum: 1 }, y2: { datum: 1 } } },
      ],
    },
  };
}
