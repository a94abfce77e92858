import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { parameterCount, parseConfig } from '../../lm/config.js';
import { loadModel } from '../../lm/load.js';
import { tmp } from '../helpers/files.js';

// Llama-2-7B's config.json (the architecture keys).
const llama2_7b = {
  model_type: 'llama',
  hidden_size: 4096,
  intermediate_size: 11008,
  num_attention_heads: 32,
  num_key_value_heads: 32,
  num_hidden_layers: 32,
  vocab_size: 32000,
  rms_norm_eps: 1e-5,
};

test('parameter count of Llama-2-7B from its config alone', (t) => {
  // 2·32000·4096 (embeddings, head) + 32·(4·4096² + 3·4096·11008 + 2·4096) + 4096 = 6,738,415,616
  t.is(parameterCount(parseConfig(llama2_7b, 'config.json')), 6_738_415_616);
});

test('a 7B model on wasm is refused before any weight is read', async (t) => {
  const dir = tmp('lm-cap-');
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(llama2_7b));
  // No weights in the folder: the capacity check must fire first.
  await t.throwsAsync(loadModel(dir, { backend: 'wasm' }), {
    message: `${dir}: the model needs 25.1 GiB of f32 weights; the wasm backend holds at most 4.0 GiB. Use a native backend (--backend tensorflow or tensorflow-gpu, from @tensorflow/tfjs-node[-gpu]).`,
  });
});

test('a config.json with an unsupported layout names the file', (t) => {
  t.throws(() => parseConfig({ ...llama2_7b, num_key_value_heads: 5 }, '/m/config.json'), { message: /^\/m\/config.json: num_attention_heads 32 is not a multiple of num_key_value_heads 5/ });
  t.throws(() => parseConfig({ ...llama2_7b, rope_scaling: { type: 'llama3' } }, '/m/config.json'), { message: /^\/m\/config.json: rope_scaling must be null/ });
});
