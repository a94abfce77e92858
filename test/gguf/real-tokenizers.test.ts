import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';
import { parseConfig } from '../../lm/config.js';
import { modelMetadata } from '../../lm/gguf/convert.js';
import { tokenizerMetadata } from '../../lm/gguf/vocab.js';
import { writeGguf } from '../../lm/gguf/writer.js';
import { scratch } from '../helpers/files.js';
import { BOS, writeRealTokenizer, type Family } from '../helpers/tokenizers.js';

// The real tokenizer.json of each paper family (test/helpers/tokenizers.ts): Llama-2 and Mistral-7B
// (SentencePiece-style BPE with byte fallback) and Llama-3 (byte-level BPE). The independent truth is llama.cpp's
// own tokenizer: on the vocabulary we write, it must split text exactly as tokenizer.json does.
const EXPECTED: { family: Family; vocab: number; model: string; pre: string }[] = [
  { family: 'llama-2', vocab: 32000, model: 'llama', pre: 'default' },
  { family: 'mistral-7b', vocab: 32000, model: 'llama', pre: 'default' },
  // This tokenizer.json predates the BOS template of Meta's repository, so convert_hf_to_gguf.py's probe hash
  // names it smaug-bpe (the same split as llama-bpe).
  { family: 'llama-3', vocab: 128256, model: 'gpt2', pre: 'smaug-bpe' },
];
const TEXTS = [
  'Question: In politics today, do you consider yourself a Republican, a Democrat or an independent?\nA. Republican\nB. Democrat\nC. Independent\nAnswer as a choice between A.,B.,C.\n\nAnswer:',
  'Answer: B',
  ' naïve café — 3.33 "quoted" ✅\n\n   spaces\ttab 🦙',
];

for (const f of EXPECTED) {
  test(`${f.family}: the GGUF vocabulary makes llama.cpp tokenise like tokenizer.json`, async (t) => {
    const dir = scratch(t, 'real-tok-');
    writeRealTokenizer(f.family, dir);
    const bos = BOS[f.family];
    const raw = { hidden_size: 64, intermediate_size: 128, num_attention_heads: 2, num_hidden_layers: 1, vocab_size: f.vocab, bos_token_id: bos };
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(raw));
    const vocab = tokenizerMetadata(dir, f.vocab);
    const meta = Object.fromEntries(vocab.map(([k, v]) => [k, v.value]));
    t.like(meta, { 'tokenizer.ggml.model': f.model, 'tokenizer.ggml.pre': f.pre, 'tokenizer.ggml.bos_token_id': bos });
    // A vocabulary-only GGUF: llama.cpp loads the tokenizer without weights.
    const file = path.join(dir, 'vocab.gguf');
    await writeGguf(file, { metadata: [...modelMetadata(parseConfig(raw, dir), raw, f.family, 'f32'), ...vocab], tensors: [] }, () => []);
    const llama = await getLlama({ build: 'never', logLevel: LlamaLogLevel.disabled });
    const model = await llama.loadModel({ modelPath: file, vocabOnly: true });
    t.teardown(() => void model.dispose());
    const hf = new Tokenizer(JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')), JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8')));
    for (const text of TEXTS) t.deepEqual([...model.tokenize(text, false)].map(Number), hf.encode(text, { add_special_tokens: false }).ids, JSON.stringify(text));
  });
}
