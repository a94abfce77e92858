/** A tiny model and the options of a quick, deterministic LoRA training on it, shared by the lm tests. */
import { syntheticRows } from '../../bench/lm-synthetic.js';
import { writeTinyModel } from '../../lm/tiny.js';
import type { TrainOptions } from '../../lm/train.js';
import { buildPrompt, STEERING_STYLES } from '../../survey/prompts.js';

/** 3 questions × 22 groups; Q3 is the validation question. */
export const trainingRows = syntheticRows(7, 1, 3);

/** Writes a two-layer model with hidden size 16 and a tokenizer trained on the rows' prompts into `dir`. */
export function writeTrainingModel(dir: string): void {
  const size = { vocab_size: 320, hidden_size: 16, intermediate_size: 32, num_hidden_layers: 2, num_attention_heads: 2, num_key_value_heads: 1 };
  writeTinyModel(dir, trainingRows.flatMap((r) => STEERING_STYLES.map((s) => buildPrompt(r, r, s))), size, 3);
}

/** Two epochs of three steps (PORTRAY prompts are the shortest), in one gradient process. */
export function trainingOptions(modelDir: string, outDir: string, over: Partial<TrainOptions> = {}): TrainOptions {
  return {
    modelDir,
    modelName: 'tiny',
    outDir,
    train: trainingRows.filter((r) => !r.qkey.startsWith('Q3_')),
    val: trainingRows.filter((r) => r.qkey.startsWith('Q3_')),
    seed: 5,
    steering: 'PORTRAY',
    lr: 5e-3,
    epochs: 2,
    batchSize: 8,
    gradAccum: 2,
    warmupRatio: 0.1,
    target: 'observed',
    letters: 'both',
    lora: { r: 4, alpha: 8, dropout: 0.05, targets: ['q_proj', 'v_proj'] },
    workers: 1,
    ...over,
  };
}
