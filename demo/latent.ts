/**
 * The latent-attitude model behind every synthetic answer. Each person carries a few attitude dimensions drawn
 * from their demographics (population.ts); each question loads on some of them and turns the loaded score into
 * one of its ordered options through an ordered logit. The ATP waves and the GSS-layout survey draw on the same
 * dimensions, the way Pew's and NORC's questions on guns, religion or spending tap the same attitudes, so the
 * differences between groups on one survey's questions carry over to the other's.
 */
import type { Rng } from './random.js';

/** General dimensions: P partisan (+ conservative), R religiosity, E economic security, A age/tradition (+ older,
 * less online), T social trust, C caution/care (+ women, older). Issue dimensions, with demographic roots of
 * their own beyond party: G gun culture (+ rural, men, the South), L civil-liberties tolerance (+ educated,
 * young, urban, secular). */
export const dimensions = ['P', 'R', 'E', 'A', 'T', 'C', 'G', 'L'] as const;
export type Dimension = (typeof dimensions)[number];
export type Latent = Readonly<Record<Dimension, number>>;
export type Loadings = Partial<Record<Dimension, number>>;

/** An ordered item: options in code order, their target population shares, and how the latent score orders
 * them. A higher score moves the answer towards later options in `rank` (default: code order), so "Depends"
 * can sit between the two ends although its code is last. */
export interface OrderedItem {
  readonly options: readonly string[];
  readonly shares: readonly number[];
  readonly load: Loadings;
  readonly rank?: readonly number[];
}

export function score(latent: Latent, load: Loadings): number {
  let s = 0;
  for (const d of dimensions) s += (load[d] ?? 0) * latent[d];
  return s;
}

export const logistic = (x: number): number => 1 / (1 + Math.exp(-x));
export const logit = (p: number): number => Math.log(p / (1 - p));

/** Option indices (code order) listed from the lowest latent rank to the highest. */
function rankOrder(item: OrderedItem): number[] {
  const idx = item.options.map((_, i) => i);
  const rank = item.rank;
  if (!rank) return idx;
  if (rank.length !== item.options.length || [...rank].sort((a, b) => a - b).some((r, i) => r !== i)) {
    throw new Error(`rank ${JSON.stringify(rank)} is not a permutation of 0..${item.options.length - 1}`);
  }
  return idx.sort((a, b) => rank[a] - rank[b]);
}

/**
 * Cut points on the score scale such that, in the reference population, the weighted probability of each option
 * equals its target share. P(rank <= k) = mean_i logistic(tau_k - score_i) is increasing in tau_k, so each cut
 * point is found by bisection.
 */
export function calibrate(item: OrderedItem, scores: readonly number[], weights: readonly number[]): number[] {
  if (item.shares.length !== item.options.length) {
    throw new Error(`${item.options.length} options but ${item.shares.length} shares`);
  }
  const order = rankOrder(item);
  const total = item.shares.reduce((a, b) => a + b, 0);
  let wsum = 0;
  for (const w of weights) wsum += w;
  const cuts: number[] = [];
  let cumulative = 0;
  for (let k = 0; k < order.length - 1; k++) {
    cumulative += item.shares[order[k]] / total;
    let lo = -40;
    let hi = 40;
    for (let iter = 0; iter < 60; iter++) {
      const mid = (lo + hi) / 2;
      let p = 0;
      for (let i = 0; i < scores.length; i++) p += weights[i] * logistic(mid - scores[i]);
      if (p / wsum < cumulative) lo = mid;
      else hi = mid;
    }
    cuts.push((lo + hi) / 2);
  }
  return cuts;
}

/** A calibrated item: draws an option index (code order) for a latent score. */
export class CalibratedItem {
  private readonly order: number[];

  constructor(
    readonly item: OrderedItem,
    readonly cuts: readonly number[],
  ) {
    this.order = rankOrder(item);
  }

  /** Probability of each option, in code order. */
  probabilities(latent: Latent): number[] {
    const s = score(latent, this.item.load);
    const p = new Array<number>(this.order.length).fill(0);
    let below = 0;
    for (let k = 0; k < this.order.length; k++) {
      const upTo = k < this.cuts.length ? logistic(this.cuts[k] - s) : 1;
      p[this.order[k]] = upTo - below;
      below = upTo;
    }
    return p;
  }

  draw(latent: Latent, rng: Rng): number {
    return rng.categorical(this.probabilities(latent));
  }
}

/** Calibrates items against one fixed reference population, so an item recurring in several waves (or a
 * profile variable shared by every file) keeps the same cut points everywhere. */
export class ResponseModel {
  private readonly cache = new WeakMap<OrderedItem, CalibratedItem>();

  constructor(
    private readonly reference: readonly Latent[],
    private readonly weights: readonly number[],
  ) {}

  calibrated(item: OrderedItem): CalibratedItem {
    let c = this.cache.get(item);
    if (!c) {
      const scores = this.reference.map((l) => score(l, item.load));
      c = new CalibratedItem(item, calibrate(item, scores, this.weights));
      this.cache.set(item, c);
    }
    return c;
  }
}
