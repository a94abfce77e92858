/**
 * Which GGUF weights the llama.cpp engine evaluates for a model, from the `quant` param:
 * - f32, f16, q8_0, q4_0: the model's safetensors, converted by the pipeline (stage convert);
 * - a key of the model's `gguf.files` in config/models.yaml (e.g. Q4_K_M): that downloaded file, next to
 *   config.json and tokenizer.json in the model's folder;
 * - auto: the safetensors when present, converted to f32 while the f32 weights take under 2 GiB (tiny, test
 *   models: exactly what tfjs computes) and to q8_0 above; else the first downloaded GGUF file present.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parameterCount, type LlamaConfig } from '../config.js';
import { QUANTS, type Quant } from '../gguf/convert.js';
import { hasSafetensors, type ModelEntry } from '../registry.js';

/** The eval engines: `auto` picks llama.cpp for GGUF-only models and for models tfjs cannot hold. */
export const ENGINES = ['auto', 'tfjs', 'llama.cpp'] as const;

export type WeightsChoice = { kind: 'convert'; quant: Quant } | { kind: 'download'; file: string };

const F32_LIMIT = 2 * 2 ** 30;

const ggufFiles = (entry: ModelEntry | undefined): Record<string, string> => (entry && 'gguf' in entry && entry.gguf?.files) || {};

/** The downloaded GGUF file (name inside `dir`) that `quant` selects, if it selects one. */
export function downloadedGguf(entry: ModelEntry | undefined, dir: string, quant: string): string | undefined {
  const files = ggufFiles(entry);
  if (Object.hasOwn(files, quant)) return files[quant];
  if (quant !== 'auto' || hasSafetensors(dir)) return undefined;
  return Object.values(files).find((f) => fs.existsSync(path.join(dir, f)));
}

export function chooseWeights(name: string, dir: string, quant: string, entry: ModelEntry | undefined, config: () => LlamaConfig): WeightsChoice {
  if ((QUANTS as readonly string[]).includes(quant)) return { kind: 'convert', quant: quant as Quant };
  const file = downloadedGguf(entry, dir, quant);
  if (file) return { kind: 'download', file };
  const files = ggufFiles(entry);
  if (quant !== 'auto') throw new Error(`model ${name}: quant "${quant}" is not one of auto, ${[...QUANTS, ...Object.keys(files)].join(', ')}`);
  if (hasSafetensors(dir)) return { kind: 'convert', quant: parameterCount(config()) * 4 < F32_LIMIT ? 'f32' : 'q8_0' };
  const options = Object.entries(files).map(([q, f]) => `${f} (--quant ${q})`);
  throw new Error(`model ${name}: ${dir} holds neither safetensors weights nor a GGUF file${options.length ? ` (${options.join(', ')})` : ''}`);
}
