/**
 * The paper's two reference points for WD, per row.
 *
 * Uniform prediction (upper bound): the WD between the group's distribution and the uniform distribution over
 * the options with a non-negative ordinal (the WD drops the others and renormalises, so uniform over all
 * options gives the same value).
 *
 * Human (lower bound): how far a group's distribution moves when its own respondents are resampled. Each of B
 * bootstrap samples draws the group's n respondents with replacement, uniformly, keeping each respondent's
 * survey weight; the sample's weighted option shares (refusals left out, renormalised — a sample without a
 * non-refused answer counts as uniform, as the WD treats an empty side) are scored against the full-sample
 * distribution, and the row's bound is the mean WD over the B samples.
 *
 * Every row draws from its own generator (xoroshiro128+ from pure-rand), seeded from the run's seed and the
 * row's identity, so a row's bound depends on neither the row order nor how the work is divided.
 */
import { createHash } from 'node:crypto';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { Respondents } from './bootstrap-members.js';
import { wasserstein } from './wasserstein.js';

export function uniformBound(human: readonly number[], ordinal: readonly number[]): number {
  return wasserstein(human, human.map(() => 1 / human.length), ordinal);
}

/** A 32-bit generator seed from the run's seed and a row's identity (its wave, qkey, attribute and group). */
export function rowSeed(seed: number, identity: readonly (string | null)[]): number {
  return createHash('sha256').update(JSON.stringify([seed, ...identity])).digest().readInt32LE(0);
}

/** Uniform draws from [0, n) for one row. */
export type Draw = (n: number) => number;

export function seededDraw(seed: number): Draw {
  const rng = xoroshiro128plus(seed);
  return (n) => uniformInt(rng, 0, n - 1);
}

/** Weighted option shares 1..k of the respondents (refusals, position 0, left out); not normalised. */
export function weightedCounts(r: Respondents, k: number): Float64Array {
  const acc = new Float64Array(k + 1);
  for (let i = 0; i < r.positions.length; i++) acc[r.positions[i]] += r.weights[i];
  return acc.subarray(1);
}

/** Mean WD between `human` and `samples` bootstrap resamples of the respondents; NaN when WD is undefined. */
export function humanBound(r: Respondents, human: readonly number[], ordinal: readonly number[], samples: number, draw: Draw): number {
  if (Number.isNaN(wasserstein(human, human, ordinal))) return Number.NaN;
  const n = r.positions.length;
  if (n === 0) throw new Error('human bound: the group has no respondents');
  const acc = new Float64Array(human.length + 1);
  const shares = acc.subarray(1);
  let sum = 0;
  for (let b = 0; b < samples; b++) {
    acc.fill(0);
    for (let i = 0; i < n; i++) {
      const j = draw(n);
      acc[r.positions[j]] += r.weights[j];
    }
    sum += wasserstein(human, shares, ordinal);
  }
  return sum / samples;
}
