/**
 * The real tokenizers of Llama-2, Mistral-7B and Llama-3 (test/helpers/tokenizers.ts) through lm/tokenizer.ts:
 * known ids from independent sources, agreement with Hugging Face's Rust tokenizers (expected.json, made by
 * make-expected.ts beside it), the option-letter tokens, and SubPOP prompts encoded and decoded.
 */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { letterIdGroups } from '../../lm/readout.js';
import { TextTokenizer } from '../../lm/tokenizer.js';
import { BOS, FAMILIES, realTokenizer, realTokenizerFiles, writeRealTokenizer, type Family } from '../helpers/tokenizers.js';
import { tmp } from '../helpers/files.js';

interface Expected {
  encodings: Record<string, number[]>;
  after_cue: Record<string, string>;
  prompts: { prompt: string; ids: number[]; with_special_tokens: number[]; decoded: string }[];
}
const expected = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../fixtures/lm/tokenizers/expected.json'), 'utf8')) as Record<Family, Expected>;
const tokenizers = Object.fromEntries(FAMILIES.map((f) => [f, realTokenizer(f)])) as Record<Family, TextTokenizer>;
const scratch = tmp();
test.after.always(() => fs.rmSync(scratch, { recursive: true, force: true }));

test('known token ids from independent sources', (t) => {
  // Model cards and the test suites of llama-tokenizer-js, mistral-tokenizer-js and llama3-tokenizer-js.
  const known: Record<Family, [string, number[]][]> = {
    'llama-2': [
      ['Hello world', [15043, 3186]],
      [' grabbed', [29871, 2646, 1327, 287]],
      ['           grabbed', [9651, 2646, 1327, 287]],
      ['ax\n####\nboo', [4853, 13, 4136, 13, 833, 29877]],
      ['🦙', [29871, 243, 162, 169, 156]],
    ],
    'mistral-7b': [
      ['Hello world', [22557, 1526]],
      [' grabbed', [28705, 13300]],
      ['           grabbed', [17422, 13300]],
      ['ax\n####\nboo', [6056, 13, 2000, 13, 1798, 28709]],
      ['🦙', [28705, 243, 162, 169, 156]],
    ],
    'llama-3': [
      ['Hello world', [9906, 1917]],
      [' grabbed', [30418]],
      ['           grabbed', [1881, 30418]],
      ['ax\n####\nboo', [710, 198, 71050, 34093]],
      ['🦙', [9468, 99, 247]],
      ['This is a test sentence.', [2028, 374, 264, 1296, 11914, 13]],
    ],
  };
  for (const family of FAMILIES) for (const [text, ids] of known[family]) t.deepEqual(tokenizers[family].encode(text), ids, `${family} ${JSON.stringify(text)}`);
});

test('encodings agree with the Rust tokenizers on letters, cues and SubPOP prompts', (t) => {
  for (const family of FAMILIES) {
    const tok = tokenizers[family];
    for (const [text, ids] of Object.entries(expected[family].encodings)) t.deepEqual(tok.encode(text), ids, `${family} ${JSON.stringify(text)}`);
    for (const p of expected[family].prompts) t.deepEqual(tok.encode(p.prompt), p.ids, `${family} prompt`);
  }
});

test('option letter tokens A-J of each family: the bare letter and the space-prefixed one', (t) => {
  const table: Record<Family, { bare: number[]; space: number[]; marker: string }> = {
    'llama-2': { bare: [29909, 29933, 29907, 29928, 29923, 29943, 29954, 29950, 29902, 29967], space: [319, 350, 315, 360, 382, 383, 402, 379, 306, 435], marker: '▁' },
    'mistral-7b': { bare: [28741, 28760, 28743, 28757, 28749, 28765, 28777, 28769, 28737, 28798], space: [330, 365, 334, 384, 413, 401, 420, 382, 315, 475], marker: '▁' },
    'llama-3': { bare: [32, 33, 34, 35, 36, 37, 38, 39, 40, 41], space: [362, 426, 356, 423, 469, 435, 480, 473, 358, 622], marker: 'Ġ' },
  };
  for (const family of FAMILIES) {
    const tok = tokenizers[family];
    const vocab = (realTokenizerFiles(family).json.model as { vocab: Record<string, number> }).vocab;
    const { bare, space, marker } = table[family];
    [...'ABCDEFGHIJ'].forEach((l, i) => {
      const got = tok.letterTokens(l);
      t.deepEqual(got, { letter: l, bare: bare[i], space: space[i] }, `${family} ${l}`);
      // The vocabulary spells them "X" and "▁X" / "ĠX"; the Rust decoder reads "X" and " X" after the cue.
      t.is(vocab[l], bare[i]);
      t.is(vocab[`${marker}${l}`], space[i]);
      t.is(expected[family].after_cue[` ${l}`], ` ${l}`);
      t.is(expected[family].encodings[` ${l}`]!.at(-1), space[i]);
    });
    t.deepEqual(letterIdGroups(tok, 3), [[bare[0], space[0]], [bare[1], space[1]], [bare[2], space[2]]]);
    t.deepEqual(letterIdGroups(tok, 3, 'space'), [[space[0]], [space[1]], [space[2]]]);
  }
  // SubPOP's inference spelling "Answer:" + X: the same bare tokens on SentencePiece tokenizers; on Llama-3 the
  // cue merges with the letter into ":A", a token that cannot follow a prompt ending in ":" (not a letter id).
  t.is(expected['llama-2'].encodings['Answer:A']!.at(-1), 29909);
  t.is(expected['mistral-7b'].encodings['Answer:A']!.at(-1), 28741);
  t.deepEqual(expected['llama-3'].encodings['Answer:A'], [16533, 56748]);
  t.is(tokenizers['llama-3'].decode([56748]), ':A');
  // Encoding "A" alone gives the space-marked token on SentencePiece tokenizers (their normaliser prepends "▁").
  t.deepEqual(tokenizers['llama-2'].encode('A'), [319]);
});

test('SubPOP prompts: decode(encode(prompt)) is the prompt, and [BOS] + ids is what the model reads', (t) => {
  for (const family of FAMILIES) {
    const tok = tokenizers[family];
    for (const p of expected[family].prompts) {
      const ids = tok.encode(p.prompt);
      t.is(tok.decode(ids), p.prompt, family);
      t.is(p.decoded, p.prompt, `${family}: the Rust decoder agrees`);
      t.true(p.prompt.endsWith('\n\nAnswer:'));
      // lm/load.ts reads [bos_token_id] + encode(prompt). Llama-2 and Mistral add the same BOS themselves;
      // this Llama-3 tokenizer.json adds none, so the model code's BOS is the only one.
      const withBos = [BOS[family], ...ids];
      if (family === 'llama-3') {
        t.deepEqual(p.with_special_tokens, ids);
        t.is(tok.tokenId('<|begin_of_text|>'), BOS[family]);
      } else t.deepEqual(p.with_special_tokens, withBos, family);
    }
  }
});

test('a model directory with a real tokenizer.json and tokenizer_config.json loads', (t) => {
  for (const family of FAMILIES) {
    const dir = path.join(scratch, family);
    writeRealTokenizer(family, dir);
    const tok = TextTokenizer.load(dir);
    t.deepEqual(tok.encode('Hello world'), expected[family].encodings['Hello world']);
    t.deepEqual(tok.letterTokens('J'), tokenizers[family].letterTokens('J'));
  }
});
