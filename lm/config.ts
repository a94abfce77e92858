/** The architecture of a Llama-family decoder, read from a Hugging Face `config.json`. */
import fs from 'node:fs';
import path from 'node:path';
import { readJson } from '../lib/json-files.js';
import { validate } from '../lib/schema.js';

export interface LlamaConfig {
  modelType: 'llama' | 'mistral';
  hiddenSize: number;
  intermediateSize: number;
  nLayers: number;
  nHeads: number;
  /** Fewer than nHeads means grouped-query attention (Llama-3, Mistral). */
  nKvHeads: number;
  headDim: number;
  vocabSize: number;
  rmsNormEps: number;
  ropeTheta: number;
  tieWordEmbeddings: boolean;
  bosTokenId: number | null;
}

interface HfConfig {
  model_type?: 'llama' | 'mistral';
  hidden_size: number;
  intermediate_size: number;
  num_attention_heads: number;
  num_key_value_heads?: number;
  num_hidden_layers: number;
  vocab_size: number;
  head_dim?: number | null;
  rms_norm_eps?: number;
  rope_theta?: number;
  tie_word_embeddings?: boolean;
  bos_token_id?: number | null;
}

export function parseConfig(json: unknown, where: string): LlamaConfig {
  const c = validate<HfConfig>('hf-model-config', json, where);
  const nKvHeads = c.num_key_value_heads ?? c.num_attention_heads;
  if (c.num_attention_heads % nKvHeads !== 0) {
    throw new Error(`${where}: num_attention_heads ${c.num_attention_heads} is not a multiple of num_key_value_heads ${nKvHeads}`);
  }
  const headDim = c.head_dim ?? c.hidden_size / c.num_attention_heads;
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) throw new Error(`${where}: head dimension ${headDim} must be an even integer`);
  return {
    modelType: c.model_type ?? 'llama',
    hiddenSize: c.hidden_size,
    intermediateSize: c.intermediate_size,
    nLayers: c.num_hidden_layers,
    nHeads: c.num_attention_heads,
    nKvHeads,
    headDim,
    vocabSize: c.vocab_size,
    // Defaults are those of transformers' LlamaConfig.
    rmsNormEps: c.rms_norm_eps ?? 1e-6,
    ropeTheta: c.rope_theta ?? 10000,
    tieWordEmbeddings: c.tie_word_embeddings ?? false,
    bosTokenId: c.bos_token_id ?? null,
  };
}

export function readConfig(dir: string): LlamaConfig {
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(file)) throw new Error(`${file}: missing (a Hugging Face model directory needs config.json)`);
  return readJson(file, parseConfig);
}

/** Names and shapes ([out, in], as stored by Hugging Face) of every weight the forward pass reads. */
export function weightShapes(c: LlamaConfig): Map<string, number[]> {
  const m = new Map<string, number[]>();
  const q = c.nHeads * c.headDim;
  const kv = c.nKvHeads * c.headDim;
  m.set('model.embed_tokens.weight', [c.vocabSize, c.hiddenSize]);
  for (let l = 0; l < c.nLayers; l++) {
    const p = `model.layers.${l}.`;
    m.set(`${p}input_layernorm.weight`, [c.hiddenSize]);
    m.set(`${p}self_attn.q_proj.weight`, [q, c.hiddenSize]);
    m.set(`${p}self_attn.k_proj.weight`, [kv, c.hiddenSize]);
    m.set(`${p}self_attn.v_proj.weight`, [kv, c.hiddenSize]);
    m.set(`${p}self_attn.o_proj.weight`, [c.hiddenSize, q]);
    m.set(`${p}post_attention_layernorm.weight`, [c.hiddenSize]);
    m.set(`${p}mlp.gate_proj.weight`, [c.intermediateSize, c.hiddenSize]);
    m.set(`${p}mlp.up_proj.weight`, [c.intermediateSize, c.hiddenSize]);
    m.set(`${p}mlp.down_proj.weight`, [c.hiddenSize, c.intermediateSize]);
  }
  m.set('model.norm.weight', [c.hiddenSize]);
  if (!c.tieWordEmbeddings) m.set('lm_head.weight', [c.vocabSize, c.hiddenSize]);
  return m;
}

export function parameterCount(c: LlamaConfig): number {
  let n = 0;
  for (const shape of weightShapes(c).values()) n += shape.reduce((a, b) => a * b, 1);
  return n;
}

/** The linear layers LoRA may adapt, with their [out, in] sizes. */
export function linearShape(c: LlamaConfig, module: string): [number, number] {
  const q = c.nHeads * c.headDim;
  const kv = c.nKvHeads * c.headDim;
  const shapes: Record<string, [number, number]> = {
    q_proj: [q, c.hiddenSize],
    k_proj: [kv, c.hiddenSize],
    v_proj: [kv, c.hiddenSize],
    o_proj: [c.hiddenSize, q],
    gate_proj: [c.intermediateSize, c.hiddenSize],
    up_proj: [c.intermediateSize, c.hiddenSize],
    down_proj: [c.hiddenSize, c.intermediateSize],
  };
  const s = shapes[module];
  if (!s) throw new Error(`unknown LoRA target module "${module}" (one of ${Object.keys(shapes).join(', ')})`);
  return s;
}

export const LINEAR_PARENT: Record<string, 'self_attn' | 'mlp'> = {
  q_proj: 'self_attn',
  k_proj: 'self_attn',
  v_proj: 'self_attn',
  o_proj: 'self_attn',
  gate_proj: 'mlp',
  up_proj: 'mlp',
  down_proj: 'mlp',
};
