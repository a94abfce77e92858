/**
 * Hugging Face Llama-family checkpoint (config.json, safetensors in F32/F16/BF16, one file or shards,
 * tokenizer.json) → a GGUF file for llama.cpp, as convert_hf_to_gguf.py writes it for `LlamaForCausalLM` and
 * `MistralForCausalLM`: architecture `llama`, llama.cpp's tensor names and q/k row order (./names.ts), its
 * hyperparameter keys and the vocabulary (./vocab.ts).
 *
 * Tensors are streamed in pieces of whole rows (whole heads for q/k, whose rows are permuted within a head), so
 * memory stays bounded by one piece, whatever the model size. Norms stay F32; 2-D weights take the requested
 * type. q4_0 keeps the output head in Q8_0, as llama.cpp's quantiser keeps it at a higher precision (it uses
 * Q6_K, which this converter does not write); rows that are not a multiple of 32 values fall back to F16.
 */
import path from 'node:path';
import { readJson } from '../../lib/json-files.js';
import { readConfig, type LlamaConfig } from '../config.js';
import { WeightStore } from '../safetensors.js';
import { FILE_TYPE, type TensorType } from './format.js';
import { permuteRotary, tensorMappings, type TensorMapping } from './names.js';
import { encodeTensor } from './quantize.js';
import { tokenizerMetadata } from './vocab.js';
import { gguf, writeGguf, type GgufValue, type TensorPlan } from './writer.js';

export const QUANTS = ['f32', 'f16', 'q8_0', 'q4_0'] as const;
export type Quant = (typeof QUANTS)[number];
const MAIN_TYPE: Record<Quant, TensorType> = { f32: 'F32', f16: 'F16', q8_0: 'Q8_0', q4_0: 'Q4_0' };

/** Values per streamed piece (32 MB of f32). */
const PIECE_VALUES = 8 * 2 ** 20;

/** The ggml type of one tensor at quantisation `quant`. */
export function tensorType(m: Pick<TensorMapping, 'gguf' | 'shape'>, quant: Quant): TensorType {
  if (m.shape.length === 1) return 'F32';
  let type = MAIN_TYPE[quant];
  if (type === 'Q4_0' && m.gguf === 'output.weight') type = 'Q8_0';
  if ((type === 'Q4_0' || type === 'Q8_0') && m.shape[1]! % 32 !== 0) type = 'F16';
  return type;
}

/** llama.cpp hyperparameters of the `llama` architecture (convert_hf_to_gguf.py's set_gguf_parameters). */
export function modelMetadata(c: LlamaConfig, raw: Record<string, unknown>, name: string, quant: Quant): [string, GgufValue][] {
  const explicitHeadDim = typeof raw.head_dim === 'number';
  return [
    ['general.architecture', gguf.str('llama')],
    ['general.type', gguf.str('model')],
    ['general.name', gguf.str(name)],
    ['llama.block_count', gguf.u32(c.nLayers)],
    ['llama.context_length', gguf.u32(typeof raw.max_position_embeddings === 'number' ? raw.max_position_embeddings : 2048)],
    ['llama.embedding_length', gguf.u32(c.hiddenSize)],
    ['llama.feed_forward_length', gguf.u32(c.intermediateSize)],
    ['llama.attention.head_count', gguf.u32(c.nHeads)],
    ['llama.attention.head_count_kv', gguf.u32(c.nKvHeads)],
    ['llama.rope.freq_base', gguf.f32(c.ropeTheta)],
    ['llama.attention.layer_norm_rms_epsilon', gguf.f32(c.rmsNormEps)],
    ...(explicitHeadDim ? ([['llama.attention.key_length', gguf.u32(c.headDim)], ['llama.attention.value_length', gguf.u32(c.headDim)]] as [string, GgufValue][]) : []),
    ['general.file_type', gguf.u32(FILE_TYPE[MAIN_TYPE[quant]])],
    ['llama.vocab_size', gguf.u32(c.vocabSize)],
    ['llama.rope.dimension_count', gguf.u32(c.headDim)],
    ['general.quantization_version', gguf.u32(2)],
  ];
}

function readRawConfig(dir: string): Record<string, unknown> {
  return readJson(path.join(dir, 'config.json'), (data) => data as Record<string, unknown>);
}

export interface ConvertOptions {
  /** Called after each tensor with the bytes of weights written so far and in all. */
  progress?: (done: number, total: number) => void;
}

/** Converts the model directory `dir` into the GGUF file `out` (written atomically). */
export async function convertModel(dir: string, out: string, quant: Quant, opts: ConvertOptions = {}): Promise<void> {
  if (!QUANTS.includes(quant)) throw new Error(`quantisation "${quant}" is not one of ${QUANTS.join(', ')}`);
  const config = readConfig(dir);
  const raw = readRawConfig(dir);
  const store = WeightStore.open(dir);
  const mappings = tensorMappings(config);
  // Every tensor is located and shape-checked before anything is written.
  const files = mappings.map((m) => store.file(m.hf, m.shape));
  const extra = store.names().filter((n) => !mappings.some((m) => m.hf === n) && !n.endsWith('rotary_emb.inv_freq'));
  if (extra.length) throw new Error(`${dir}: tensors ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''} are not part of a Llama-family model`);
  const tensors: TensorPlan[] = mappings.map((m) => ({ name: m.gguf, shape: m.shape, type: tensorType(m, quant) }));
  const metadata = [...modelMetadata(config, raw, path.basename(path.resolve(dir)), quant), ...tokenizerMetadata(dir, config.vocabSize)];
  const total = mappings.reduce((s, m) => s + m.shape.reduce((a, b) => a * b, 1), 0);
  let done = 0;
  await writeGguf(out, { metadata, tensors }, function* (plan, i) {
    const m = mappings[i]!;
    // A norm vector is read as rows of one value.
    const [rows, cols] = m.shape.length === 1 ? [m.shape[0]!, 1] : [m.shape[0]!, m.shape[1]!];
    const rowsPerHead = m.ropeHeads ? rows / m.ropeHeads : 1;
    const step = Math.max(rowsPerHead, Math.floor(PIECE_VALUES / cols / rowsPerHead) * rowsPerHead);
    for (let first = 0; first < rows; first += step) {
      const count = Math.min(step, rows - first);
      let values = files[i]!.readRows(m.hf, first, count);
      if (m.ropeHeads) values = permuteRotary(values, cols, count / rowsPerHead);
      yield encodeTensor(values, m.shape.length === 1 ? [count] : [count, cols], plan.type);
    }
    done += rows * cols;
    opts.progress?.(done, total);
  });
}

