import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { TokenType } from '../../lm/gguf/format.js';
import { tokenizerMetadata } from '../../lm/gguf/vocab.js';
import { tmp } from '../helpers/files.js';

// A hand-written Llama-style tokenizer.json: byte fallback, special added tokens, merges.
const tokenizer = {
  added_tokens: [
    { id: 0, content: '<unk>', special: true },
    { id: 1, content: '<s>', special: true },
    { id: 2, content: '</s>', special: true },
    { id: 9, content: '<extra>', special: false },
  ],
  model: {
    type: 'BPE',
    byte_fallback: true,
    unk_token: '<unk>',
    vocab: { '<unk>': 0, '<s>': 1, '</s>': 2, '<0x0A>': 3, '▁': 4, A: 5, B: 6, '▁A': 7, '▁AB': 8 },
    merges: ['▁ A', ['▁A', 'B']],
  },
};

test('vocabulary metadata: SentencePiece model, token types, scores from merge ranks, [PAD] up to vocab_size, special ids', (t) => {
  const dir = tmp('vocab-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ bos_token_id: 1, eos_token_id: 2 }));
  const meta = Object.fromEntries(tokenizerMetadata(dir, 12).map(([k, v]) => [k, v.value]));
  t.is(meta['tokenizer.ggml.model'], 'llama');
  t.deepEqual(meta['tokenizer.ggml.tokens'], ['<unk>', '<s>', '</s>', '<0x0A>', '▁', 'A', 'B', '▁A', '▁AB', '<extra>', '[PAD10]', '[PAD11]']);
  const { NORMAL: N, UNKNOWN, CONTROL: C, USER_DEFINED, UNUSED, BYTE } = TokenType;
  t.deepEqual(meta['tokenizer.ggml.token_type'], [UNKNOWN, C, C, BYTE, N, N, N, N, N, USER_DEFINED, UNUSED, UNUSED]);
  t.deepEqual(meta['tokenizer.ggml.scores'], [0, 0, 0, 0, 0, 0, 0, -0, -1, 0, 0, 0]);
  t.like(meta, { 'tokenizer.ggml.bos_token_id': 1, 'tokenizer.ggml.eos_token_id': 2, 'tokenizer.ggml.unknown_token_id': 0, 'tokenizer.ggml.add_bos_token': true });
  t.throws(() => tokenizerMetadata(dir, 9), { message: `${path.join(dir, 'tokenizer.json')}: added token "<extra>" has id 9, outside config.json's vocab_size 9` });
});
