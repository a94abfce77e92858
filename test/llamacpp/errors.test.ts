import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { convertAdapter } from '../../lm/gguf/adapter.js';
import { convertModel, modelMetadata } from '../../lm/gguf/convert.js';
import { tokenizerMetadata } from '../../lm/gguf/vocab.js';
import { encodeHeader, gguf, writeGguf } from '../../lm/gguf/writer.js';
import { checkMemory, loadGgufModel, memoryNeed } from '../../lm/llamacpp/engine.js';
import { parseConfig, readConfig } from '../../lm/config.js';
import { scratch } from '../helpers/files.js';
import { CORPUS, writeRandomAdapter, writeRandomModel, type RandomModelSpec } from '../helpers/hf-model.js';

const SMALL: RandomModelSpec = { modelType: 'llama', hidden: 64, intermediate: 96, layers: 2, heads: 4, kvHeads: 2, ropeTheta: 1e4, dtype: 'F32', shards: 1, seed: 5 };

/** The metadata of a real conversion of `hf`, for GGUF files made by hand. */
function llamaMetadata(hf: string) {
  const config = readConfig(hf);
  return [...modelMetadata(config, JSON.parse(fs.readFileSync(path.join(hf, 'config.json'), 'utf8')), 'x', 'f32'), ...tokenizerMetadata(hf, config.vocabSize)];
}

async function smallModel(dir: string, spec = SMALL, corpus = CORPUS): Promise<{ hf: string; file: string }> {
  const hf = path.join(dir, `hf-${spec.hidden}-${spec.layers}`);
  writeRandomModel(hf, spec, corpus);
  const file = path.join(dir, `model-${spec.hidden}-${spec.layers}.gguf`);
  await convertModel(hf, file, 'f32');
  return { hf, file };
}

test('a file that is not GGUF is refused, naming it', async (t) => {
  const dir = scratch(t, 'llamacpp-bad-');
  const { hf } = await smallModel(dir);
  const bad = path.join(dir, 'model.gguf');
  fs.writeFileSync(bad, '{"not": "gguf"}\n');
  await t.throwsAsync(loadGgufModel(bad, hf), { message: `${bad}: byte 0: not a GGUF file (it starts with "{\\"no", not "GGUF")` });
  fs.writeFileSync(bad, '');
  await t.throwsAsync(loadGgufModel(bad, hf), { message: `${bad}: byte 0: not a GGUF file (it starts with "", not "GGUF")` });
});

test('a truncated GGUF is refused before loading, with the byte counts', async (t) => {
  const dir = scratch(t, 'llamacpp-bad-');
  const { hf, file } = await smallModel(dir);
  const bytes = fs.readFileSync(file);
  const cut = path.join(dir, 'cut.gguf');
  fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 100));
  await t.throwsAsync(loadGgufModel(cut, hf), { message: new RegExp(`^${cut}: truncated: the tensor data ends at byte \\d+, the file has ${bytes.length - 100} bytes$`) });
  fs.writeFileSync(cut, bytes.subarray(0, 300));
  await t.throwsAsync(loadGgufModel(cut, hf), { message: new RegExp(`^${cut}: truncated: the GGUF header ends at byte \\d+, the file has 300 bytes$`) });
});

test('another architecture, an unsupported tensor type and an adapter file given as the model are refused', async (t) => {
  const dir = scratch(t, 'llamacpp-bad-');
  const { hf } = await smallModel(dir);
  const other = path.join(dir, 'gpt2.gguf');
  const tensors = [{ name: 'token_embd.weight', shape: [4, 32], type: 'F32' as const }];
  await writeGguf(other, { metadata: [['general.architecture', gguf.str('gpt2')]], tensors }, () => [new Uint8Array(512)]);
  await t.throwsAsync(loadGgufModel(other, hf), { message: `${other}: architecture "gpt2" is not supported (llama, the architecture of Llama-2, Llama-3 and Mistral)` });

  // llama metadata without the hyperparameters llama.cpp needs.
  const bare = path.join(dir, 'bare.gguf');
  await writeGguf(bare, { metadata: llamaMetadata(hf).filter(([k]) => k !== 'llama.block_count'), tensors }, () => [new Uint8Array(512)]);
  await t.throwsAsync(loadGgufModel(bare, hf), { message: `${bare}: metadata: missing key "block_count" in llama` });

  // A Q4_2 tensor (ggml type 4, removed from ggml long ago): write an F32 one and patch its type id.
  const old = path.join(dir, 'q4_2.gguf');
  await writeGguf(old, { metadata: llamaMetadata(hf), tensors }, () => [new Uint8Array(512)]);
  const b = fs.readFileSync(old);
  const typeAt = b.indexOf('token_embd.weight') + 'token_embd.weight'.length + 4 + 2 * 8;
  t.is(b.readUInt32LE(typeAt), 0);
  b.writeUInt32LE(4, typeAt);
  fs.writeFileSync(old, b);
  await t.throwsAsync(loadGgufModel(old, hf), { message: `${old}: tensor "token_embd.weight" has ggml type 4 (Q4_2, removed from ggml), a quantisation this llama.cpp cannot compute with` });

  const peft = path.join(dir, 'peft');
  writeRandomAdapter(peft, parseConfig(JSON.parse(fs.readFileSync(path.join(hf, 'config.json'), 'utf8')), hf), 1);
  const adapter = path.join(dir, 'adapter.gguf');
  await convertAdapter(peft, parseConfig(JSON.parse(fs.readFileSync(path.join(hf, 'config.json'), 'utf8')), hf), adapter);
  await t.throwsAsync(loadGgufModel(adapter, hf), { message: `${adapter}: general.type is "adapter", not a model` });
});

test('an adapter for another base model is refused: a missing layer, or other sizes', async (t) => {
  const dir = scratch(t, 'llamacpp-bad-');
  const { hf, file } = await smallModel(dir);
  const deeper = await smallModel(dir, { ...SMALL, layers: 3 });
  const wider = await smallModel(dir, { ...SMALL, hidden: 96 });
  const adapterFor = async (modelDir: string, name: string): Promise<string> => {
    const config = parseConfig(JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8')), modelDir);
    writeRandomAdapter(path.join(dir, name), config, 3);
    await convertAdapter(path.join(dir, name), config, path.join(dir, `${name}.gguf`));
    return path.join(dir, `${name}.gguf`);
  };
  const a3 = await adapterFor(deeper.hf, 'deeper');
  await t.throwsAsync(loadGgufModel(file, hf, { adapter: a3 }), {
    message: `${a3}: tensor "blk.2.ffn_down.weight.lora_a" adapts "blk.2.ffn_down.weight", which the base model ${file} does not have (an adapter for another base model?)`,
  });
  const a96 = await adapterFor(wider.hf, 'wider');
  await t.throwsAsync(loadGgufModel(file, hf, { adapter: a96 }), {
    message: `${a96}: tensor "blk.0.ffn_down.weight.lora_b" has 96 outputs, but "blk.0.ffn_down.weight" of the base model ${file} has 64 outputs (an adapter for another base model?)`,
  });
});

test('a GGUF whose vocabulary disagrees with tokenizer.json on the prompt stops the evaluation', async (t) => {
  const dir = scratch(t, 'llamacpp-bad-');
  const { file } = await smallModel(dir);
  // The same architecture with a tokenizer trained on other text: ids mean other tokens.
  const other = path.join(dir, 'other');
  writeRandomModel(other, SMALL, CORPUS.map((s) => s.toUpperCase()));
  const model = await loadGgufModel(file, other, { sequences: 1 });
  t.teardown(() => void model.dispose());
  await t.throwsAsync(model.optionReadouts([{ prompt: 'QUESTION: HOW MUCH DO YOU TRUST THE NEWS MEDIA? ANSWER:', nOptions: 2 }]), {
    message: new RegExp(`^${file}: token id \\d+ is ".*" in the GGUF's vocabulary but ".*" in ${path.join(other, 'tokenizer.json')}: the GGUF was made with another tokenizer`),
  });
});

test('a model larger than memory is refused before loading, with the numbers', async (t) => {
  const dir = scratch(t, 'llamacpp-bad-');
  const { hf } = await smallModel(dir);
  // A 1 TiB model: the header of one huge tensor, then a sparse file of the right size (no disk is used).
  const huge = path.join(dir, 'huge.gguf');
  const contents = { metadata: llamaMetadata(hf), tensors: [{ name: 'token_embd.weight', shape: [2 ** 24, 2 ** 14], type: 'F32' as const }] };
  fs.writeFileSync(huge, encodeHeader(contents).header);
  fs.truncateSync(huge, fs.statSync(huge).size + 2 ** 40);
  const total = (os.totalmem() / 2 ** 30).toFixed(1);
  await t.throwsAsync(loadGgufModel(huge, hf), {
    message: new RegExp(`^${huge}: the model needs about 1024\\.0 GiB \\(weights 1024\\.0 GiB, KV cache 0\\.0 GiB, buffers 0\\.0 GiB\\); this machine( \\(RAM and \\w+ memory\\))? has ${total.replace('.', '\\.')} GiB`),
  });
  // Mistral-7B at f32 (28 GiB) does not fit 24 GiB; at Q4_0 (3.8 GiB) it does, KV cache included.
  const mistral = parseConfig({ hidden_size: 4096, intermediate_size: 14336, num_attention_heads: 32, num_key_value_heads: 8, num_hidden_layers: 32, vocab_size: 32000 }, 'mistral');
  const f32 = memoryNeed(mistral, 7.24e9 * 4, 4096);
  t.throws(() => checkMemory('m.gguf', f32, 24 * 2 ** 30, 'this machine'), { message: /^m\.gguf: the model needs about 28\.1 GiB \(weights 27\.0 GiB, KV cache 1\.0 GiB, buffers 0\.1 GiB\); this machine has 24\.0 GiB\./ });
  t.notThrows(() => checkMemory('m.gguf', memoryNeed(mistral, 4.11e9, 4096), 24 * 2 ** 30, 'this machine'));
});
