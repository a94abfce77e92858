/**
 * How a Hugging Face Llama-family checkpoint maps onto llama.cpp's `llama` architecture: tensor names
 * (gguf-py's tensor_mapping for MODEL_ARCH.LLAMA) and the rotary layout of q_proj/k_proj rows.
 *
 * Hugging Face rotates the two halves of each head ("rotate half"); llama.cpp rotates adjacent pairs. So, as
 * convert_hf_to_gguf.py's LlamaModel.permute does, the rows of each head are interleaved: new row 2i is old
 * row i and new row 2i+1 is old row d/2 + i, within each head of d rows (heads of k_proj are the KV heads).
 */
import { LINEAR_PARENT, linearShape, type LlamaConfig } from '../config.js';

/** GGUF name of a linear layer's weight in block `layer`. */
const LINEAR_NAMES: Record<string, string> = {
  q_proj: 'attn_q',
  k_proj: 'attn_k',
  v_proj: 'attn_v',
  o_proj: 'attn_output',
  gate_proj: 'ffn_gate',
  up_proj: 'ffn_up',
  down_proj: 'ffn_down',
};

export const linearTensorName = (layer: number, module: string): string => {
  const name = LINEAR_NAMES[module];
  if (!name) throw new Error(`no llama.cpp tensor for module "${module}"`);
  return `blk.${layer}.${name}.weight`;
};

/** One weight of the checkpoint and its place in the GGUF file, in llama.cpp's tensor order. */
export interface TensorMapping {
  hf: string;
  gguf: string;
  /** Row-major [out, in] (or [n] for norms), identical in both files. */
  shape: number[];
  /** Heads whose rows are interleaved for llama.cpp's rotary layout (q_proj, k_proj), else undefined. */
  ropeHeads?: number;
}

export function tensorMappings(c: LlamaConfig): TensorMapping[] {
  const out: TensorMapping[] = [{ hf: 'model.embed_tokens.weight', gguf: 'token_embd.weight', shape: [c.vocabSize, c.hiddenSize] }];
  for (let l = 0; l < c.nLayers; l++) {
    const p = `model.layers.${l}.`;
    const linear = (module: string): TensorMapping => ({
      hf: `${p}${LINEAR_PARENT[module]}.${module}.weight`,
      gguf: linearTensorName(l, module),
      shape: linearShape(c, module),
      ...(module === 'q_proj' ? { ropeHeads: c.nHeads } : module === 'k_proj' ? { ropeHeads: c.nKvHeads } : {}),
    });
    out.push({ hf: `${p}input_layernorm.weight`, gguf: `blk.${l}.attn_norm.weight`, shape: [c.hiddenSize] });
    out.push(...['q_proj', 'k_proj', 'v_proj', 'o_proj'].map(linear));
    out.push({ hf: `${p}post_attention_layernorm.weight`, gguf: `blk.${l}.ffn_norm.weight`, shape: [c.hiddenSize] });
    out.push(...['gate_proj', 'up_proj', 'down_proj'].map(linear));
  }
  out.push({ hf: 'model.norm.weight', gguf: 'output_norm.weight', shape: [c.hiddenSize] });
  // Tied embeddings: llama.cpp reuses token_embd as the output head when output.weight is absent.
  if (!c.tieWordEmbeddings) out.push({ hf: 'lm_head.weight', gguf: 'output.weight', shape: [c.vocabSize, c.hiddenSize] });
  return out;
}

/**
 * Interleaves the rotary halves of whole heads: `rows` holds `heads` heads of `rows.length / (heads·cols)`
 * rows each, `cols` values per row. Returns a new array.
 */
export function permuteRotary(rows: Float32Array, cols: number, heads: number): Float32Array {
  const d = rows.length / cols / heads;
  if (!Number.isInteger(d) || d % 2 !== 0) throw new Error(`cannot split ${rows.length / cols} rows into ${heads} heads of an even size`);
  const out = new Float32Array(rows.length);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < d / 2; i++) {
      for (let s = 0; s < 2; s++) {
        const from = (h * d + s * (d / 2) + i) * cols;
        out.set(rows.subarray(from, from + cols), (h * d + 2 * i + s) * cols);
      }
    }
  }
  return out;
}
