import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { chooseEngine } from '../../lm/evaluator.js';
import { chooseWeights } from '../../lm/llamacpp/weights.js';
import { parseConfig } from '../../lm/config.js';
import type { ModelEntry } from '../../lm/registry.js';
import { tmp } from '../helpers/files.js';

const MISTRAL = { hidden_size: 4096, intermediate_size: 14336, num_attention_heads: 32, num_key_value_heads: 8, num_hidden_layers: 32, vocab_size: 32000 };
const SMALL = { hidden_size: 64, intermediate_size: 128, num_attention_heads: 4, num_hidden_layers: 2, vocab_size: 400 };
const entry: ModelEntry = { hf_id: 'mistralai/Mistral-7B-v0.1', gguf: { repo: 'TheBloke/Mistral-7B-v0.1-GGUF', files: { Q4_K_M: 'm.Q4_K_M.gguf', Q8_0: 'm.Q8_0.gguf' } } };

function modelFolder(t: { teardown(fn: () => void): void }, config: object, files: string[]): string {
  const dir = tmp('choice-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  for (const f of files) fs.writeFileSync(path.join(dir, f), '');
  return dir;
}

test('quant: a precision converts the safetensors, a key of gguf.files names the download, auto picks by size and presence', (t) => {
  const big = modelFolder(t, MISTRAL, ['model.safetensors.index.json']);
  const cfg = () => parseConfig(MISTRAL, 'config.json');
  t.deepEqual(chooseWeights('m', big, 'q4_0', entry, cfg), { kind: 'convert', quant: 'q4_0' });
  t.deepEqual(chooseWeights('m', big, 'Q4_K_M', entry, cfg), { kind: 'download', file: 'm.Q4_K_M.gguf' });
  t.deepEqual(chooseWeights('m', big, 'auto', entry, cfg), { kind: 'convert', quant: 'q8_0' }); // 27 GiB of f32
  t.deepEqual(chooseWeights('s', modelFolder(t, SMALL, ['model.safetensors']), 'auto', undefined, () => parseConfig(SMALL, 'c')), { kind: 'convert', quant: 'f32' });
  t.deepEqual(chooseWeights('m', modelFolder(t, MISTRAL, ['m.Q8_0.gguf']), 'auto', entry, cfg), { kind: 'download', file: 'm.Q8_0.gguf' });
  t.throws(() => chooseWeights('m', big, 'Q5_K_S', entry, cfg), { message: 'model m: quant "Q5_K_S" is not one of auto, f32, f16, q8_0, q4_0, Q4_K_M, Q8_0' });
  const empty = modelFolder(t, MISTRAL, []);
  t.throws(() => chooseWeights('m', empty, 'auto', entry, cfg), { message: `model m: ${empty} holds neither safetensors weights nor a GGUF file (m.Q4_K_M.gguf (--quant Q4_K_M), m.Q8_0.gguf (--quant Q8_0))` });
});

test('engine auto: tfjs for a model it holds, llama.cpp for a GGUF-only model or one too large for tfjs, with the reason', async (t) => {
  const small = modelFolder(t, SMALL, ['model.safetensors']);
  const base = { model: 'm', entry, quant: 'auto', ggufDir: '/g', backend: 'wasm' };
  t.like(await chooseEngine({ ...base, engine: 'auto', dir: small }), { engine: 'tfjs' });
  const gguf = modelFolder(t, MISTRAL, ['m.Q4_K_M.gguf']);
  t.deepEqual(await chooseEngine({ ...base, engine: 'auto', dir: gguf }), { engine: 'llama.cpp', gguf: path.join(gguf, 'm.Q4_K_M.gguf'), why: 'auto: the model is a GGUF file' });
  const big = modelFolder(t, MISTRAL, ['model.safetensors.index.json']);
  const choice = await chooseEngine({ ...base, engine: 'auto', dir: big });
  t.is(choice.engine, 'llama.cpp');
  t.is(choice.gguf, path.join('/g', 'model.gguf'));
  t.regex(choice.why, /^auto: tfjs cannot hold it \(.*the model needs 27\.0 GiB of f32 weights; the wasm backend holds at most 4\.0 GiB/);
  t.like(await chooseEngine({ ...base, engine: 'tfjs', dir: big }), { engine: 'tfjs' });
  await t.throwsAsync(chooseEngine({ ...base, ggufDir: undefined, engine: 'llama.cpp', dir: small }), { message: 'model m: llama.cpp needs the converted weights; depend on artifacts/gguf/m/ (stage convert)' });
});
