/**
 * Reading an option distribution from next-token logits at the end of the prompt, "…\n\nAnswer:".
 *
 * Letter tokens (`TextTokenizer.letterTokens`). An option letter X can follow the cue in two spellings, right
 * after the colon ("X") or after a space (" X"). Its tokens are those of the letter itself, never of the cue
 * merged with it: the space spelling is the last id of encoding " X" (as SubPOP's training code takes it), the
 * bare spelling the last id of encoding "X" where that reads "X" after the cue, else the vocabulary's token "X".
 * Each is checked by decoding it after the cue's tokens. For the paper's models (A; the others follow the
 * alphabet):
 *
 * | tokenizer | bare "A" | " A" |
 * |---|---|---|
 * | Llama-2 (SentencePiece BPE; encoding "A" gives "▁A") | 29909 | 319 ("▁A") |
 * | Mistral-7B (the same scheme) | 28741 | 330 ("▁A") |
 * | Llama-3 (byte-level BPE) | 32 | 362 ("ĠA") |
 *
 * SubPOP's inference takes the last tokens of "Answer:X" and "Answer: X" instead. On Llama-2 and Mistral that
 * gives the same two tokens; on Llama-3 "Answer:A" encodes to "Answer" + ":A" (one token, id 56748), a token that
 * cannot follow a prompt already ending in ":", so its bare spelling reads nothing. Taking the letter's own
 * token ("A", 32) is the deliberate difference.
 *
 * Inference sums a letter's spellings (`both`, as SubPOP's inference does) and renormalises over the first n
 * letters; renormalising over a set of letters cancels the full-vocabulary normaliser, so only the letters'
 * logits are needed. Training reads the ten letters A–J, by default in SubPOP's spelling " X" only (`space`;
 * their train_utils.py), renormalised over the ten.
 */
import { tf } from './backend.js';
import { LETTERS, type TextTokenizer } from './tokenizer.js';

/** Which spellings of a letter count: both ("X" and " X") or " X" only. */
export type LetterSpelling = 'both' | 'space';
export const LETTER_SPELLINGS: readonly LetterSpelling[] = ['both', 'space'];

/** Token ids per letter, for the first `n` letters: the bare spelling first where it counts and differs. */
export function letterIdGroups(tok: TextTokenizer, n: number, spelling: LetterSpelling = 'both'): number[][] {
  if (n < 1 || n > LETTERS.length) throw new Error(`option count ${n} outside 1..${LETTERS.length}`);
  return [...LETTERS.slice(0, n)].map((l) => {
    const { bare, space } = tok.letterTokens(l);
    return spelling === 'space' || bare === null || bare === space ? [space] : [bare, space];
  });
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
