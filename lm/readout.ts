/**
 * Reading an option distribution from next-token logits at the `Answer:` position. Each option letter has
 * two spellings ("X" and " X"); its probability is the sum of both. Renormalising over a set of letters
 * cancels the full-vocabulary normaliser, so only the letters' logits are needed.
 */
import { tf } from './backend.js';
import { LETTERS, type TextTokenizer } from './tokenizer.js';

/** Token ids per letter, for the first `n` letters. */
export function letterIdGroups(tok: TextTokenizer, n: number): number[][] {
  if (n < 1 || n > LETTERS.length) throw new Error(`option count ${n} outside 1..${LETTERS.length}`);
  return [...LETTERS.slice(0, n)].map((l) => tok.letterIds(l));
}

export interface OptionReadout {
  /** Probabilities of the first n letters, renormalised to sum to 1. */
  distribution: number[];
  /** Their total probability under the full-vocabulary softmax (before renormalising). */
  mass: number;
}

/** Inference readout from full-vocabulary logits: sum of spellings, renormalised over the first n letters. */
export function readOptions(logits: Float32Array, groups: readonly (readonly number[])[]): OptionReadout {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let z = 0;
  for (let i = 0; i < logits.length; i++) z += Math.exp(logits[i] - max);
  const masses = groups.map((ids) => ids.reduce((s, id) => s + Math.exp(logits[id] - max), 0));
  const total = masses.reduce((a, b) => a + b, 0);
  return { distribution: masses.map((m) => m / total), mass: total / z };
}

/**
 * The letter readout as a differentiable tensor op: log-probabilities [rows, letters] from the logits of the
 * letters' token ids only ([rows, ids.length], columns in `flatIds` order).
 */
export interface LetterHead {
  /** Unique token ids, the columns to take from the output head. */
  flatIds: number[];
  /** [flatIds.length, letters] 0/1 membership: which column spells which letter. */
  membership: tf.Tensor2D;
}

export function letterHead(groups: readonly (readonly number[])[]): LetterHead {
  const flatIds = [...new Set(groups.flat())];
  const m = new Float32Array(flatIds.length * groups.length);
  groups.forEach((ids, letter) => {
    for (const id of ids) m[flatIds.indexOf(id) * groups.length + letter] = 1;
  });
  return { flatIds, membership: tf.tensor2d(m, [flatIds.length, groups.length]) };
}

/** log p(letter) with spellings summed, renormalised over the head's letters. Call inside tf.tidy. */
export function letterLogProbs(logits: tf.Tensor2D, head: LetterHead): tf.Tensor2D {
  const shifted = tf.sub(logits, tf.max(logits, 1, true));
  const e = tf.exp(shifted);
  const perLetter = tf.matMul(e, head.membership);
  return tf.sub(tf.log(perLetter), tf.log(tf.sum(e, 1, true)));
}

/**
 * Forward KL D(p‖q) per row, Σ p·(log p − log q), with 0·log 0 = 0. `target` rows are probability
 * distributions over the letters.
 */
export function forwardKl(target: tf.Tensor2D, logQ: tf.Tensor2D, targetLogP: tf.Tensor2D): tf.Tensor1D {
  return tf.sum(tf.mul(target, tf.sub(targetLogP, logQ)), 1);
}
