/**
 * The data-scaling experiment (the paper's figure on training-set size): fine-tune on a fraction of the
 * training questions and evaluate each on the same sets.
 *
 * The subsets are nested: the training questions (or question stems, with `split_by: stem`) are sorted and
 * shuffled once with the seeded PRNG of the split (survey/split.ts), and a fraction f keeps the first
 * max(1, round(f × N)) of them with all their rows. Every smaller subset is therefore inside every larger
 * one, and a subset depends only on the seed, the fraction and the set of training questions.
 */
import type { SubpopRow } from './rows.js';
import { assignQuestions, questionStem, type SplitUnit } from './split.js';

export interface Subset {
  fraction: number;
  seed: number;
  split_by: SplitUnit;
  /** Questions (or stems) kept, of all the training set has. */
  units: number;
  of_units: number;
  rows: SubpopRow[];
  of_rows: number;
}

export function checkFraction(fraction: unknown, where: string): number {
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction <= 1)) {
    throw new Error(`${where}: a training fraction must be a number in (0, 1], got ${JSON.stringify(fraction)}`);
  }
  return fraction;
}

/** The rows of the first max(1, round(fraction × N)) training units of the seeded order; rows keep their order. */
export function nestedSubset(train: readonly SubpopRow[], fraction: number, seed: number, by: SplitUnit = 'question'): Subset {
  checkFraction(fraction, 'nestedSubset');
  const unit = by === 'stem' ? (r: SubpopRow) => questionStem(r.qkey) : (r: SubpopRow) => r.qkey;
  const units = new Set(train.map(unit));
  const keep = Math.min(units.size, Math.max(1, Math.round(fraction * units.size)));
  // assignQuestions puts the first round(ratio × N) of its seeded order on the 'train' side: the prefix wanted.
  const kept = assignQuestions(units, seed, keep / Math.max(1, units.size));
  const rows = train.filter((r) => kept.get(unit(r)) === 'train');
  return { fraction, seed, split_by: by, units: keep, of_units: units.size, rows, of_rows: train.length };
}
