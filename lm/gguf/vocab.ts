/**
 * The tokenizer metadata llama.cpp needs, from a Hugging Face `tokenizer.json` (plus tokenizer_config.json
 * and config.json for the special tokens), following convert_hf_to_gguf.py:
 *
 * - Llama-2 / Mistral style (BPE with byte fallback on "▁"-marked words): tokenizer model "llama" (SentencePiece),
 *   pre-tokenizer "default", with scores. gguf-py's LlamaHfVocab writes −1000 for every score; llama.cpp's
 *   SentencePiece tokenizer merges by score, so we write −(rank of the first merge that makes the token)
 *   instead, which makes it merge in the same order as the BPE merges list.
 * - Llama-3 style (byte-level BPE): tokenizer model "gpt2" with its merges, and the pre-tokenizer named by the
 *   hash of a test string's token ids, as convert_hf_to_gguf.py's get_vocab_base_pre identifies it.
 *
 * Token types: byte tokens <0xXX> BYTE, the unknown token UNKNOWN, special added tokens CONTROL, other added
 * tokens USER_DEFINED, the rest NORMAL. Ids below config.json's vocab_size that no token has become "[PAD<id>]"
 * (UNUSED), as convert_hf_to_gguf.py pads them.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { readJson } from '../../lib/json-files.js';
import { TokenType } from './format.js';
import { gguf, type GgufValue } from './writer.js';

interface AddedToken {
  id: number;
  content: string;
  special?: boolean;
}

interface TokenizerJson {
  added_tokens?: AddedToken[];
  model: { type: string; vocab: Record<string, number>; merges?: (string | [string, string])[]; byte_fallback?: boolean; unk_token?: string | null };
}

/** Tokens of tokenizer_config.json may be strings or {content} objects. */
type TokenField = string | { content: string } | null | undefined;
interface TokenizerConfig {
  bos_token?: TokenField;
  eos_token?: TokenField;
  unk_token?: TokenField;
  pad_token?: TokenField;
  add_bos_token?: boolean;
  add_eos_token?: boolean;
}

/** The test string of convert_hf_to_gguf.py's get_vocab_base_pre. */
const PRE_TOKENIZER_PROBE =
  "\n \n\n \n\n\n \t \t\t \t\n  \n   \n    \n     \n🚀 (normal) 😶\u200d🌫️ (multiple emojis concatenated) ✅ 🦙🦙 3 33 333 3333 33333 333333 3333333 33333333 3.3 3..3 3...3 កាន់តែពិសេសអាច😁 ?我想在apple工作1314151天～ ------======= нещо на Български ''''''```````\"\"\"\"......!!!!!!?????? I've been 'told he's there, 'RE you sure? 'M not sure I'll make it, 'D you like some tea? We'Ve a'lL";

/** sha256 of the probe's token ids → llama.cpp pre-tokenizer, for the byte-level BPE models of the paper. */
const PRE_TOKENIZERS: Record<string, string> = {
  '0ef9807a4087ebef797fc749390439009c3b9eda9ad1a097abbe738f486c01e5': 'llama-bpe', // Meta-Llama-3 (tokenizer.json adds BOS)
  'c136ed14d01c2745d4f60a9596ae66800e2b61fa45643e72436041855ad4089d': 'smaug-bpe', // Llama-3 tokenizer.json without the BOS template
};

const tokenText = (t: TokenField): string | undefined => (typeof t === 'string' ? t : (t?.content ?? undefined));

function readObject<T>(file: string): T {
  return readJson(file, (data, where) => {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error(`${where}: not a JSON object`);
    return data as T;
  });
}

function readTokenizerJson(dir: string): { file: string; json: TokenizerJson } {
  const file = path.join(dir, 'tokenizer.json');
  if (!fs.existsSync(file)) throw new Error(`${file}: missing (the model's vocabulary)`);
  const json = readObject<TokenizerJson>(file);
  if (json.model?.type !== 'BPE' || typeof json.model.vocab !== 'object') throw new Error(`${file}: model.type is "${json.model?.type}"; only BPE tokenizers (Llama, Mistral) are supported`);
  return { file, json };
}

/** The token of each id in a model directory's tokenizer.json (added tokens included; gaps undefined). */
export function tokenizerVocabulary(dir: string): { file: string; tokens: (string | undefined)[] } {
  const { file, json } = readTokenizerJson(dir);
  const tokens: (string | undefined)[] = [];
  for (const [content, id] of Object.entries(json.model.vocab)) tokens[id] = content;
  for (const t of json.added_tokens ?? []) tokens[t.id] = t.content;
  return { file, tokens };
}

/** GGUF `tokenizer.*` entries for the model directory `dir` whose config.json declares `vocabSize` ids. */
export function tokenizerMetadata(dir: string, vocabSize: number): [string, GgufValue][] {
  const { file, json } = readTokenizerJson(dir);
  const cfgFile = path.join(dir, 'tokenizer_config.json');
  const tokCfg = fs.existsSync(cfgFile) ? readObject<TokenizerConfig>(cfgFile) : {};
  const modelCfg = readObject<Record<string, unknown>>(path.join(dir, 'config.json'));

  const tokens: (string | undefined)[] = new Array(vocabSize);
  const idOf = new Map<string, number>();
  const put = (content: string, id: number, where: string): void => {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new Error(`${file}: ${where} "${content}" has id ${id}, outside config.json's vocab_size ${vocabSize}`);
    tokens[id] = content;
    idOf.set(content, id);
  };
  for (const [content, id] of Object.entries(json.model.vocab)) put(content, id, 'token');
  const added = json.added_tokens ?? [];
  for (const t of added) put(t.content, t.id, 'added token');

  const unk = json.model.unk_token ?? tokenText(tokCfg.unk_token);
  const addedById = new Map(added.map((t) => [t.id, t]));
  // Array.from, not map: ids that no token has are holes, which map would skip.
  const types = Array.from(tokens, (tok, id): number => {
    if (tok === undefined) return TokenType.UNUSED;
    if (/^<0x[0-9A-Fa-f]{2}>$/.test(tok)) return TokenType.BYTE;
    if (tok === unk) return TokenType.UNKNOWN;
    const a = addedById.get(id);
    if (a) return a.special ? TokenType.CONTROL : TokenType.USER_DEFINED;
    return TokenType.NORMAL;
  });
  const list = Array.from(tokens, (t, id) => t ?? `[PAD${id}]`);
  const merges = (json.model.merges ?? []).map((m, i): [string, string] => {
    const pair = typeof m === 'string' ? m.split(' ') : m;
    if (pair.length !== 2) throw new Error(`${file}: model.merges[${i}] is not a pair of tokens`);
    return pair as [string, string];
  });

  const out: [string, GgufValue][] = [];
  if (json.model.byte_fallback) {
    const scores = new Array<number>(vocabSize).fill(0);
    const scored = new Set<number>();
    merges.forEach(([a, b], rank) => {
      const id = idOf.get(a + b);
      if (id !== undefined && !scored.has(id)) {
        scored.add(id);
        scores[id] = -rank;
      }
    });
    out.push(['tokenizer.ggml.model', gguf.str('llama')], ['tokenizer.ggml.pre', gguf.str('default')]);
    out.push(['tokenizer.ggml.tokens', gguf.strings(list)], ['tokenizer.ggml.scores', gguf.array('FLOAT32', scores)]);
    out.push(['tokenizer.ggml.token_type', gguf.array('INT32', types)]);
  } else {
    const probe = new Tokenizer(json, tokCfg).encode(PRE_TOKENIZER_PROBE, { add_special_tokens: true }).ids;
    const hash = crypto.createHash('sha256').update(`[${probe.join(', ')}]`).digest('hex');
    const pre = PRE_TOKENIZERS[hash];
    if (!pre) throw new Error(`${file}: a byte-level BPE tokenizer with an unknown pre-tokenizer (probe hash ${hash}); llama.cpp's convert_hf_to_gguf.py lists the known ones`);
    // Spaces inside merged tokens are written as U+0120, as gguf-py's SpecialVocab does.
    const spaced = (s: string): string => s.replaceAll(' ', '\u0120');
    out.push(['tokenizer.ggml.model', gguf.str('gpt2')], ['tokenizer.ggml.pre', gguf.str(pre)]);
    out.push(['tokenizer.ggml.tokens', gguf.strings(list)], ['tokenizer.ggml.token_type', gguf.array('INT32', types)]);
    out.push(['tokenizer.ggml.merges', gguf.strings(merges.map(([a, b]) => `${spaced(a)} ${spaced(b)}`))]);
  }

  const special = (key: string, fromConfig: unknown, fromTokenizer: TokenField): void => {
    const text = tokenText(fromTokenizer);
    const id = typeof fromConfig === 'number' ? fromConfig : text !== undefined ? idOf.get(text) : undefined;
    if (id !== undefined && id >= 0 && id < vocabSize) out.push([`tokenizer.ggml.${key}`, gguf.u32(id)]);
  };
  special('bos_token_id', modelCfg.bos_token_id, tokCfg.bos_token);
  special('eos_token_id', Array.isArray(modelCfg.eos_token_id) ? modelCfg.eos_token_id[0] : modelCfg.eos_token_id, tokCfg.eos_token);
  special('unknown_token_id', undefined, unk);
  special('padding_token_id', modelCfg.pad_token_id, tokCfg.pad_token);
  // This project prompts with BOS exactly when config.json names one (lm/load.ts).
  out.push(['tokenizer.ggml.add_bos_token', gguf.bool(tokCfg.add_bos_token ?? typeof modelCfg.bos_token_id === 'number')]);
  out.push(['tokenizer.ggml.add_eos_token', gguf.bool(tokCfg.add_eos_token ?? false)]);
  return out;
}
