/**
 * The `tiny` model: a small, randomly initialised Llama written as a real Hugging Face model directory
 * (config.json, model.safetensors, tokenizer.json), so it loads and trains through the same code as
 * Llama-2, Llama-3 and Mistral checkpoints.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../lib/atomic.js';
import { BOS_ID, EOS_ID, trainBpe } from './bpe.js';
import { parseConfig, weightShapes } from './config.js';
import { Rng } from './random.js';
import { writeSafetensors, type NamedTensor } from './safetensors.js';

export interface TinySize {
  vocab_size: number;
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
}

export const DEFAULT_TINY: TinySize = {
  vocab_size: 2048,
  hidden_size: 64,
  intermediate_size: 128,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 4,
};

/**
 * Writes the tiny model into `dir`: a BPE tokenizer trained on `corpus`, then weights drawn from `seed`
 * (embeddings N(0, 1), projections N(0, 1/fan_in), norms 1), so activations keep unit scale at any width.
 */
export function writeTinyModel(dir: string, corpus: Iterable<string>, size: TinySize, seed: number): void {
  const tokenizer = trainBpe(corpus, size.vocab_size) as { model: { vocab: Record<string, number> } };
  const vocabSize = Object.keys(tokenizer.model.vocab).length;
  const configJson = {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: size.hidden_size,
    intermediate_size: size.intermediate_size,
    num_attention_heads: size.num_attention_heads,
    num_key_value_heads: size.num_key_value_heads,
    num_hidden_layers: size.num_hidden_layers,
    vocab_size: vocabSize,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    max_position_embeddings: 2048,
    tie_word_embeddings: false,
    hidden_act: 'silu',
    bos_token_id: BOS_ID,
    eos_token_id: EOS_ID,
    torch_dtype: 'float32',
  };
  const config = parseConfig(configJson, path.join(dir, 'config.json'));
  const rng = new Rng(seed);
  const tensors: NamedTensor[] = [];
  // Drawn in a fixed (sorted) name order so the weights depend only on the seed and the sizes.
  for (const [name, shape] of [...weightShapes(config)].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (shape.length === 1) data.fill(1);
    else {
      const std = name === 'model.embed_tokens.weight' ? 1 : 1 / Math.sqrt(shape[1]);
      for (let i = 0; i < data.length; i++) data[i] = rng.normal() * std;
    }
    tensors.push({ name, shape, data });
  }
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomic(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizer) + '\n');
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  writeFileAtomic(path.join(dir, 'config.json'), JSON.stringify(configJson, null, 2) + '\n');
}
