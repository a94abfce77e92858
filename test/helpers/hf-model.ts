/**
 * Random Llama-family checkpoints in Hugging Face layout for engine tests: config.json, tokenizer.json (a BPE
 * trained on a small corpus), safetensors in F32/F16/BF16, in one file or shards with an index, and a random
 * PEFT adapter. The safetensors are written here from raw bytes, not by lm/safetensors.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { trainBpe } from '../../lm/bpe.js';
import { linearShape, parseConfig, weightShapes, type LlamaConfig } from '../../lm/config.js';
import { writeAdapter } from '../../lm/peft.js';
import { Rng } from '../../lm/random.js';
import { toHalfBits } from '../../lm/gguf/quantize.js';

export interface RandomModelSpec {
  modelType: 'llama' | 'mistral';
  hidden: number;
  intermediate: number;
  layers: number;
  heads: number;
  kvHeads: number;
  ropeTheta: number;
  dtype: 'F32' | 'F16' | 'BF16';
  shards: number;
  seed: number;
}

export const CORPUS = [
  'Question: In politics today, do you consider yourself a Republican, a Democrat or an independent?',
  'A. Republican\nB. Democrat\nC. Independent\nD. Something else\nAnswer: B. Democrat',
  'Answer the following question keeping in mind your previous answers.',
  'Question: How much do you trust the news media? A. A lot B. Some C. Not too much D. Not at all',
  'Answer as a choice between A.,B.,C.,D.\n\nAnswer:',
];

function encode(values: Float32Array, dtype: RandomModelSpec['dtype']): Buffer {
  if (dtype === 'F32') return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const out = Buffer.alloc(values.length * 2);
  const bits = new Uint32Array(Float32Array.from(values).buffer);
  // Values are exactly representable (see representable), so no rounding happens here.
  for (let i = 0; i < values.length; i++) out.writeUInt16LE(dtype === 'BF16' ? bits[i]! >>> 16 : toHalfBits(values[i]!), i * 2);
  return out;
}

/** Rounds to what the dtype holds exactly, so both engines read the same numbers. */
function representable(x: number, dtype: RandomModelSpec['dtype']): number {
  if (dtype === 'F32') return Math.fround(x);
  if (dtype === 'BF16') {
    const u = new Uint32Array(new Float32Array([x]).buffer);
    return new Float32Array(new Uint32Array([u[0]! & 0xffff0000]).buffer)[0]!;
  }
  // Multiples of 2^-10 below 2 in magnitude are f16 values.
  return Math.round(Math.max(-1.99, Math.min(1.99, x)) * 1024) / 1024;
}

function writeSafetensors(file: string, tensors: [string, number[], Float32Array][], dtype: RandomModelSpec['dtype']): void {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  const blobs: Buffer[] = [];
  let offset = 0;
  for (const [name, shape, data] of tensors) {
    const b = encode(data, dtype);
    header[name] = { dtype, shape, data_offsets: [offset, offset + b.length] };
    blobs.push(b);
    offset += b.length;
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  fs.writeFileSync(file, Buffer.concat([len, json, ...blobs]));
}

export function writeRandomModel(dir: string, spec: RandomModelSpec, corpus: readonly string[] = CORPUS): LlamaConfig {
  fs.mkdirSync(dir, { recursive: true });
  const tokenizer = trainBpe(corpus, 400) as { model: { vocab: Record<string, number> } };
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  const configJson = {
    architectures: [spec.modelType === 'mistral' ? 'MistralForCausalLM' : 'LlamaForCausalLM'],
    model_type: spec.modelType,
    hidden_size: spec.hidden,
    intermediate_size: spec.intermediate,
    num_attention_heads: spec.heads,
    num_key_value_heads: spec.kvHeads,
    num_hidden_layers: spec.layers,
    vocab_size: Object.keys(tokenizer.model.vocab).length,
    rms_norm_eps: 1e-5,
    rope_theta: spec.ropeTheta,
    max_position_embeddings: 4096,
    tie_word_embeddings: false,
    bos_token_id: 1,
    eos_token_id: 2,
  };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(configJson));
  const config = parseConfig(configJson, dir);
  const rng = new Rng(spec.seed);
  const tensors = [...weightShapes(config)].map(([name, shape]): [string, number[], Float32Array] => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    const std = shape.length === 1 ? 0.1 : name.includes('embed_tokens') ? 1 : 1 / Math.sqrt(shape[1]!);
    for (let i = 0; i < data.length; i++) data[i] = representable((shape.length === 1 ? 1 : 0) + rng.normal() * std, spec.dtype);
    return [name, shape, data];
  });
  if (spec.shards === 1) writeSafetensors(path.join(dir, 'model.safetensors'), tensors, spec.dtype);
  else {
    const per = Math.ceil(tensors.length / spec.shards);
    const weightMap: Record<string, string> = {};
    for (let s = 0; s < spec.shards; s++) {
      const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(spec.shards).padStart(5, '0')}.safetensors`;
      const part = tensors.slice(s * per, (s + 1) * per);
      writeSafetensors(path.join(dir, file), part, spec.dtype);
      for (const [name] of part) weightMap[name] = file;
    }
    fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  }
  return config;
}

/** A random PEFT adapter (B non-zero, so it changes the model) on every projection. */
export function writeRandomAdapter(dir: string, config: LlamaConfig, seed: number, r = 4, alpha = 8): void {
  const rng = new Rng(seed);
  const targets = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];
  const rand = (n: number, std: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal() * std);
  const weights = [];
  for (let layer = 0; layer < config.nLayers; layer++) {
    for (const module of targets) {
      const [out, inp] = linearShape(config, module);
      weights.push({ layer, module, a: rand(r * inp, 1 / Math.sqrt(inp)), b: rand(out * r, 0.2) });
    }
  }
  writeAdapter(dir, { spec: { r, alpha, dropout: 0, targets }, scale: alpha / r, weights }, 'random');
}
