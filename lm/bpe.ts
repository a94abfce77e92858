/**
 * A small byte-fallback BPE tokenizer trained deterministically on a text corpus and written in the
 * Hugging Face `tokenizer.json` format, in the style of the Llama/Mistral tokenizers: spaces become "▁"
 * attached to the following word, unknown characters fall back to byte tokens <0x00>..<0xFF>. Punctuation
 * is split off, so an option letter after "Answer:" is always its own token; "▁A".."▁J" are forced into
 * the vocabulary so both letter spellings exist.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { LETTERS } from './tokenizer.js';

export const SPECIAL_TOKENS = ['<unk>', '<s>', '</s>'] as const;
export const BOS_ID = 1;
export const EOS_ID = 2;

function skeleton(vocab: Record<string, number>, merges: [string, string][]): object {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
        { type: 'Punctuation', behavior: 'Isolated' },
      ],
    },
    post_processor: null,
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Trains BPE merges on `texts` until the vocabulary holds `vocabSize` entries (or no pair occurs twice).
 * Ties between equally frequent pairs break by the pair's text, so the result depends only on the corpus.
 */
export function trainBpe(texts: Iterable<string>, vocabSize: number): object {
  const pre = new Tokenizer(skeleton({ '<unk>': 0 }, []), {}).pre_tokenizer;
  if (!pre) throw new Error('tokenizer skeleton has no pre-tokenizer');
  const wordCounts = new Map<string, number>();
  for (const text of texts) for (const w of pre.pre_tokenize(text)) wordCounts.set(w, (wordCounts.get(w) ?? 0) + 1);

  const vocab: Record<string, number> = {};
  let next = 0;
  const add = (tok: string): void => {
    if (!(tok in vocab)) vocab[tok] = next++;
  };
  SPECIAL_TOKENS.forEach(add);
  for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  const alphabet = new Set<string>(['▁', ...LETTERS]);
  for (const w of wordCounts.keys()) for (const ch of w) alphabet.add(ch);
  [...alphabet].sort(cmp).forEach(add);

  const merges: [string, string][] = [];
  for (const l of LETTERS) {
    merges.push(['▁', l]);
    add(`▁${l}`);
  }
  const words = [...wordCounts].sort(([a], [b]) => cmp(a, b)).map(([w, n]) => ({ syms: applyMerges([...w], merges), n }));
  while (next < vocabSize) {
    const pairs = new Map<string, number>();
    for (const { syms, n } of words) {
      for (let i = 0; i + 1 < syms.length; i++) {
        const key = `${syms[i]}\u0000${syms[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + n);
      }
    }
    let best: string | undefined;
    let bestN = 1;
    for (const [key, n] of pairs) if (n > bestN || (n === bestN && best !== undefined && key < best)) [best, bestN] = [key, n];
    if (best === undefined) break;
    const [a, b] = best.split('\u0000') as [string, string];
    merges.push([a, b]);
    add(a + b);
    for (const w of words) w.syms = mergePair(w.syms, a, b);
  }
  return skeleton(vocab, merges);
}

function mergePair(syms: string[], a: string, b: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < syms.length; i++) {
    if (i + 1 < syms.length && syms[i] === a && syms[i + 1] === b) {
      out.push(a + b);
      i++;
    } else out.push(syms[i]);
  }
  return out;
}

function applyMerges(syms: string[], merges: readonly [string, string][]): string[] {
  for (const [a, b] of merges) syms = mergePair(syms, a, b);
  return syms;
}
