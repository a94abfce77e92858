/**
 * Checking a GGUF file before llama.cpp loads it, so that a bad file is one clear error naming it rather than a
 * crash or an opaque native message: not GGUF, truncated (the header or tensor data reach past the end of the
 * file; node-llama-cpp's reader does not notice), an architecture other than `llama`, or a tensor type that the
 * llama.cpp in node-llama-cpp cannot compute with. Metadata and tensor infos come from node-llama-cpp's reader.
 */
import fs from 'node:fs';
import { GgufFileType, readGgufFileInfo, type GgufFileInfo } from 'node-llama-cpp';
import { validate } from '../../lib/schema.js';

/** ggml type id → [name, values per block, bytes per block] (gguf-py's GGML_QUANT_SIZES). */
const GGML_TYPES: Record<number, [string, number, number]> = {
  0: ['F32', 1, 4], 1: ['F16', 1, 2], 2: ['Q4_0', 32, 18], 3: ['Q4_1', 32, 20], 6: ['Q5_0', 32, 22], 7: ['Q5_1', 32, 24],
  8: ['Q8_0', 32, 34], 9: ['Q8_1', 32, 40], 10: ['Q2_K', 256, 84], 11: ['Q3_K', 256, 110], 12: ['Q4_K', 256, 144],
  13: ['Q5_K', 256, 176], 14: ['Q6_K', 256, 210], 15: ['Q8_K', 256, 292], 16: ['IQ2_XXS', 256, 66], 17: ['IQ2_XS', 256, 74],
  18: ['IQ3_XXS', 256, 98], 19: ['IQ1_S', 256, 50], 20: ['IQ4_NL', 32, 18], 21: ['IQ3_S', 256, 110], 22: ['IQ2_S', 256, 82],
  23: ['IQ4_XS', 256, 136], 24: ['I8', 1, 1], 25: ['I16', 1, 2], 26: ['I32', 1, 4], 27: ['I64', 1, 8], 28: ['F64', 1, 8],
  29: ['IQ1_M', 256, 56], 30: ['BF16', 1, 2], 34: ['TQ1_0', 256, 54], 35: ['TQ2_0', 256, 66],
};

export interface GgufTensor {
  /** ggml dimensions, innermost first: a linear layer's weight is [in, out]. */
  dims: number[];
  type: string;
}

export interface GgufSummary {
  file: string;
  bytes: number;
  architecture: string;
  /** `general.type`: "model" or "adapter" (files from before the key existed are models). */
  kind: string;
  /** The quantisation named by general.file_type, e.g. "F32", "Q8_0", "Q4_K_M". */
  quantisation: string;
  tensors: Map<string, GgufTensor>;
  /** tokenizer.ggml.tokens (models only). */
  tokens?: string[];
  /** adapter.lora.alpha (adapters only). */
  loraAlpha?: number;
}

const SUPPORTED_ARCHITECTURES = ['llama'];

export async function inspectGguf(file: string): Promise<GgufSummary> {
  if (!fs.existsSync(file)) throw new Error(`${file}: missing`);
  const bytes = fs.statSync(file).size;
  let info: GgufFileInfo;
  try {
    info = await readGgufFileInfo(file, { logWarnings: false, sourceType: 'filesystem', spliceSplitFiles: false });
  } catch (err) {
    const head = Buffer.alloc(4);
    const fd = fs.openSync(file, 'r');
    const n = fs.readSync(fd, head, 0, 4, 0);
    fs.closeSync(fd);
    if (head.subarray(0, n).toString('latin1') !== 'GGUF') throw new Error(`${file}: byte 0: not a GGUF file (it starts with ${JSON.stringify(head.subarray(0, n).toString('latin1'))}, not "GGUF")`);
    throw new Error(`${file}: unreadable GGUF header (${(err as Error).message})`);
  }
  const infoEnd = info.infoEndOffset ?? 0;
  if (infoEnd > bytes) throw new Error(`${file}: truncated: the GGUF header ends at byte ${infoEnd}, the file has ${bytes} bytes`);
  const meta = info.metadata as unknown as { general?: Record<string, unknown>; tokenizer?: { ggml?: { tokens?: string[] } }; adapter?: { lora?: { alpha?: number } } };
  const architecture = String(meta.general?.architecture ?? '');
  if (!SUPPORTED_ARCHITECTURES.includes(architecture)) {
    throw new Error(`${file}: architecture "${architecture}" is not supported (llama, the architecture of Llama-2, Llama-3 and Mistral)`);
  }
  validate('gguf-metadata', info.metadata, `${file}: metadata`);
  const tensors = new Map<string, GgufTensor>();
  let dataEnd = infoEnd;
  for (const t of info.tensorInfo ?? []) {
    const type = GGML_TYPES[t.ggmlType];
    if (!type) throw new Error(`${file}: tensor "${t.name}" has ggml type ${t.ggmlType} (${removedTypeName(t.ggmlType)}), a quantisation this llama.cpp cannot compute with`);
    const dims = t.dimensions.map(Number);
    const [, blockSize, blockBytes] = type;
    const count = dims.reduce((a, b) => a * b, 1);
    dataEnd = Math.max(dataEnd, Number(t.fileOffset) + (count / blockSize) * blockBytes);
    tensors.set(t.name, { dims, type: type[0] });
  }
  if (dataEnd > bytes) throw new Error(`${file}: truncated: the tensor data ends at byte ${dataEnd}, the file has ${bytes} bytes`);
  const fileType = meta.general?.file_type;
  return {
    file,
    bytes,
    architecture,
    kind: String(meta.general?.type ?? 'model'),
    quantisation: typeof fileType === 'number' ? String(GgufFileType[fileType] ?? fileType).replace(/^(MOSTLY|ALL)_/, '') : 'unknown',
    tensors,
    ...(meta.tokenizer?.ggml?.tokens ? { tokens: meta.tokenizer.ggml.tokens } : {}),
    ...(typeof meta.adapter?.lora?.alpha === 'number' ? { loraAlpha: meta.adapter.lora.alpha } : {}),
  };
}

/** Name of a ggml type id as node-llama-cpp knows it (for messages about types we do not handle). */
function removedTypeName(id: number): string {
  return ({ 4: 'Q4_2, removed from ggml', 5: 'Q4_3, removed from ggml', 31: 'Q4_0_4_4, removed from ggml', 32: 'Q4_0_4_8, removed from ggml', 33: 'Q4_0_8_8, removed from ggml' } as Record<number, string>)[id] ?? 'unknown';
}

/**
 * Checks that a LoRA adapter GGUF fits a base model: every adapted weight exists in the base and the
 * low-rank pair has the base weight's input and output sizes.
 */
export function checkAdapterFits(adapter: GgufSummary, base: GgufSummary): void {
  if (adapter.kind !== 'adapter') throw new Error(`${adapter.file}: general.type is "${adapter.kind}", not "adapter"`);
  for (const [name, t] of adapter.tensors) {
    const m = /^(.*)\.lora_([ab])$/.exec(name);
    if (!m) continue;
    const [, weight, which] = m;
    const w = base.tensors.get(weight!);
    if (!w) throw new Error(`${adapter.file}: tensor "${name}" adapts "${weight}", which the base model ${base.file} does not have (an adapter for another base model?)`);
    const [inF, outF] = w.dims;
    const [d0, d1] = t.dims;
    const ok = which === 'a' ? d0 === inF : d1 === outF;
    if (!ok) {
      const got = which === 'a' ? `${d0} inputs` : `${d1} outputs`;
      const want = which === 'a' ? `${inF} inputs` : `${outF} outputs`;
      throw new Error(`${adapter.file}: tensor "${name}" has ${got}, but "${weight}" of the base model ${base.file} has ${want} (an adapter for another base model?)`);
    }
  }
}
