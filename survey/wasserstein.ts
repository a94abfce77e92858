/**
 * The ordinal Wasserstein distance SubPOP and OpinionQA score with: the earth mover's distance between two
 * distributions over ordered options, divided by the ordinal range so that it lies in [0, 1] (1 = all mass at
 * opposite ends).
 *
 * Steps, for options with ordinal values `o` (any order, non-integer allowed):
 * 1. options with a negative ordinal (−1 marks "Depends", "Other", …) are dropped, and each side is renormalised
 *    over the options that remain; a side with no mass left becomes uniform over them;
 * 2. the remaining options are sorted by ordinal, and WD = Σ |H_i − M_i| · (o_{i+1} − o_i) with H, M the
 *    cumulative sums;
 * 3. WD is divided by max(o) − min(o) of the remaining options.
 *
 * When the remaining ordinals span no range — fewer than two options remain, or all remaining ordinals are
 * equal (the all-1.0 placeholder ordinals of SubPOP-Train) — the distance is undefined and the result is NaN,
 * as in the authors' numpy version; averages must skip NaN rows.
 *
 * This equals scipy's `wasserstein_distance(o, o, h, m) / (max(o) − min(o))` over the remaining options.
 */

/** Ordinal Wasserstein distance between a human and a model distribution; see the module comment. */
export function wasserstein(human: ArrayLike<number>, model: ArrayLike<number>, ordinal: ArrayLike<number>): number {
  const n = ordinal.length;
  if (human.length !== n || model.length !== n) {
    throw new RangeError(`wasserstein: lengths differ (human ${human.length}, model ${model.length}, ordinal ${n})`);
  }
  const kept: number[] = [];
  let humanMass = 0;
  let modelMass = 0;
  for (let i = 0; i < n; i++) {
    if (ordinal[i]! < 0) continue;
    kept.push(i);
    humanMass += human[i]!;
    modelMass += model[i]!;
  }
  if (kept.length < 2) return Number.NaN;
  kept.sort((a, b) => ordinal[a]! - ordinal[b]!);
  const lo = ordinal[kept[0]!]!;
  const range = ordinal[kept[kept.length - 1]!]! - lo;
  if (!(range > 0)) return Number.NaN;

  const uniform = 1 / kept.length;
  let cumHuman = 0;
  let cumModel = 0;
  let sum = 0;
  for (let j = 0; j < kept.length - 1; j++) {
    const i = kept[j]!;
    cumHuman += humanMass > 0 ? human[i]! / humanMass : uniform;
    cumModel += modelMass > 0 ? model[i]! / modelMass : uniform;
    sum += Math.abs(cumHuman - cumModel) * (ordinal[kept[j + 1]!]! - ordinal[i]!);
  }
  return sum / range;
}
