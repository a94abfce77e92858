/**
 * Scoring a model's predicted answer distributions against the human ones.
 *
 * Readout (the authors' inference readout, lm/readout.ts): at the `Answer:` cue, each option letter's
 * probability is the sum of its "X" and " X" spellings; only the first len(ordinal) letters are read — the
 * refusal letter and anything after it are dropped — and renormalised. The raw mass those letters had under the
 * full-vocabulary softmax is kept as `letter_mass`.
 *
 * Per row: the paper's ordinal WD (survey/wasserstein.ts) and KL(human ‖ model) over the answer options. KL
 * uses the authors' training-loss form Σ h·(log(h + ε) − log(m + ε)) with ε = 1e-8, which stays finite when the
 * model gives an option no mass.
 */
import { buildPrompt, type SteeringStyle } from './prompts.js';
import type { EvalRow } from './evaluate-sets.js';
import { jsonNumber, type RowScores } from './evaluate-summary.js';
import { wasserstein } from './wasserstein.js';

/** One prompt's readout, as lm/load.ts returns it. */
export interface Readout {
  /** Probabilities of the first n letters, renormalised to sum to 1. */
  distribution: number[];
  /** Their total probability under the full-vocabulary softmax. */
  mass: number;
}

export interface ReadoutItem {
  prompt: string;
  nOptions: number;
}

/** What scoring needs of a loaded model (lm/evaluator.ts `Evaluator`): the batched option readout. */
export interface ReadoutModel {
  optionReadouts(items: readonly ReadoutItem[], batchSize?: number): Readout[] | Promise<Readout[]>;
  /** How prompts should be ordered: by length (padded batches, the default) or by text (shared prefixes in a row). */
  readonly promptOrder?: 'length' | 'prefix';
}

export const KL_EPSILON = 1e-8;

export function klDivergence(human: readonly number[], model: readonly number[]): number {
  let kl = 0;
  for (let i = 0; i < human.length; i++) {
    const h = human[i]!;
    if (h > 0) kl += h * (Math.log(h + KL_EPSILON) - Math.log(model[i]! + KL_EPSILON));
  }
  return kl;
}

export interface Prediction extends RowScores {
  distribution: number[];
  kl: number;
  letter_mass: number;
}

export function scorePrediction(row: EvalRow, readout: Readout): Prediction {
  const k = row.ordinal.length;
  if (readout.distribution.length !== k) {
    throw new Error(`${row.where}: the model returned ${readout.distribution.length} option probabilities for ${k} options`);
  }
  return {
    attribute: row.attribute,
    group: row.group,
    distribution: readout.distribution,
    wd: wasserstein(row.responses, readout.distribution, row.ordinal),
    kl: klDivergence(row.responses, readout.distribution),
    letter_mass: readout.mass,
  };
}

export interface ReadOptions {
  style: SteeringStyle;
  /** The prompt of a row (default: the zero-shot prompt, buildPrompt(row, row, style)). */
  prompt?: (row: EvalRow) => string;
  batchSize: number;
  /** Prompts per call of the model, between progress reports (default 8 batches). */
  chunk?: number;
  progress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * The model's readout for every row. Identical prompts (the same question text and options asked of the same
 * group in several waves or sets) are read once. Prompts are ordered by length before they are cut into
 * chunks, so the model's length-sorted batches pad little, or by text for a model that reuses shared prefixes
 * (the steering context of a group); the order is fixed, so results are reproducible.
 */
export async function readDistributions(model: ReadoutModel, rows: readonly EvalRow[], o: ReadOptions): Promise<{ readouts: Readout[]; prompts: number }> {
  const unique: ReadoutItem[] = [];
  const slot = new Map<string, number>();
  const rowSlot = rows.map((row) => {
    const item = { prompt: o.prompt ? o.prompt(row) : buildPrompt(row, row, o.style), nOptions: row.ordinal.length };
    const key = `${item.nOptions}\u0000${item.prompt}`;
    let i = slot.get(key);
    if (i === undefined) {
      slot.set(key, (i = unique.length));
      unique.push(item);
    }
    return i;
  });
  const byText = (a: number, b: number): number => (unique[a]!.prompt < unique[b]!.prompt ? -1 : unique[a]!.prompt > unique[b]!.prompt ? 1 : a - b);
  const byLength = (a: number, b: number): number => unique[a]!.prompt.length - unique[b]!.prompt.length || a - b;
  const order = unique.map((_, i) => i).sort(model.promptOrder === 'prefix' ? byText : byLength);
  const chunk = o.chunk ?? o.batchSize * 8;
  const readouts: Readout[] = new Array(unique.length);
  o.progress?.(0, unique.length);
  for (let start = 0; start < order.length; start += chunk) {
    // Yield to the event loop so that a cancellation can arrive between chunks.
    await new Promise((resolve) => setImmediate(resolve));
    if (o.signal?.aborted) throw new Error('evaluation cancelled');
    const idx = order.slice(start, start + chunk);
    (await model.optionReadouts(idx.map((i) => unique[i]!), o.batchSize)).forEach((r, j) => (readouts[idx[j]!] = r));
    o.progress?.(Math.min(start + chunk, order.length), unique.length);
  }
  return { readouts: rowSlot.map((i) => readouts[i]!), prompts: unique.length };
}

/** One line of predictions.jsonl (schemas/predictions.schema.json). */
export function predictionLine(set: string, row: EvalRow, byModel: Record<string, Prediction>): string {
  const scored: Record<string, object> = {};
  for (const [name, p] of Object.entries(byModel)) {
    scored[name] = { distribution: p.distribution, letter_mass: p.letter_mass, wd: jsonNumber(p.wd), kl: p.kl };
  }
  return JSON.stringify({
    set,
    qkey: row.qkey,
    wave: row.wave,
    attribute: row.attribute,
    group: row.group,
    ordinal: row.ordinal,
    human: row.responses,
    ...scored,
  });
}
