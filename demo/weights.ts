/** Survey weights shaped like the published ones: skewed, trimmed, mean 1. */
import type { Rng } from './random.js';

export interface WeightOptions {
  /** Standard deviation of the log of the random adjustment factor (a stand-in for raking). */
  spread: number;
  min: number;
  max: number;
}

const defaults: WeightOptions = { spread: 0.35, min: 0.2, max: 5 };

/**
 * `base` (the design weight over the response propensity) times a log-normal adjustment, then trimmed to
 * [min, max] and rescaled to mean 1, repeated until trimming no longer moves anything, and rounded to six
 * decimals (the precision the .sav files carry, so memory and file agree).
 */
export function surveyWeights(base: readonly number[], rng: Rng, options: Partial<WeightOptions> = {}): number[] {
  const { spread, min, max } = { ...defaults, ...options };
  let w = base.map((b) => b * Math.exp(rng.normal(0, spread)));
  for (let round = 0; round < 50; round++) {
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const scaled = w.map((x) => x / mean);
    w = scaled.map((x) => Math.min(max, Math.max(min, x)));
    if (w.every((x, i) => x === scaled[i])) break;
  }
  return w.map((x) => Number(x.toFixed(6)));
}
