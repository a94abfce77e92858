import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { tmp } from '../helpers/files.js';
import { TINY_PARAMS, writeSplit } from '../helpers/split.js';
import { stageContext } from '../helpers/stage-context.js';
import { runTinyModel } from '../../stages/tiny-model.js';
import { runTrain } from '../../stages/train.js';
import { checkModelWeights, trainDefaults } from '../../lm/registry.js';
import { loadModel } from '../../lm/load.js';
import { syntheticRows } from '../../bench/lm-synthetic.js';
import { buildPrompt } from '../../survey/prompts.js';

test('tiny-model writes a loadable model directory, byte-identical for the same seed', async (t) => {
  const split = path.join(tmp(), 'split');
  writeSplit(split);
  const [a, b] = [path.join(tmp(), 'base'), path.join(tmp(), 'base')];
  await runTinyModel(stageContext({ name: 'tiny-model', deps: [split], outs: [a], params: TINY_PARAMS }));
  await runTinyModel(stageContext({ name: 'tiny-model', deps: [split], outs: [b], params: TINY_PARAMS }));
  for (const f of ['config.json', 'model.safetensors', 'tokenizer.json']) t.deepEqual(fs.readFileSync(path.join(a, f)), fs.readFileSync(path.join(b, f)), f);
  const m = await loadModel(a, { backend: 'cpu' });
  t.like(m.config, { hiddenSize: 16, nLayers: 1 });
  // The vocabulary never shrinks below specials + 256 byte tokens + the corpus alphabet + "▁A".."▁J".
  const vocab = JSON.parse(fs.readFileSync(path.join(a, 'tokenizer.json'), 'utf8')).model.vocab;
  t.is(m.config.vocabSize, Object.keys(vocab).length);
  // Both spellings of every letter A–J are single tokens, distinct from each other.
  for (const l of 'ABCDEFGHIJ') {
    // The tiny tokenizer splits punctuation off, so the cue never merges with the letter.
    const { bare, space } = m.tokenizer.letterTokens(l);
    t.not(bare, space, l);
    t.is(m.tokenizer.encode(`Answer:${l}`).at(-1), bare!);
    t.is(m.tokenizer.encode(`Answer: ${l}`).at(-1), space);
  }
  const d = m.optionDistribution('Question: Yes?\nA. Yes\nB. No\nC. Refused\nAnswer as a choice between A.,B.,C.\n\nAnswer:', 2);
  t.is(d.length, 2);
  // Batched readout (length-sorted, padded) equals one prompt at a time.
  const items = syntheticRows(3, 1, 3).slice(0, 5).map((r, i) => ({ prompt: buildPrompt(r, r, i % 2 ? 'QA' : 'BIO'), nOptions: r.options.length - 1 }));
  const batched = m.optionReadouts(items, 3);
  items.forEach((it, i) => {
    const single = m.optionReadout(it.prompt, it.nOptions);
    t.is(batched[i].distribution.length, it.nOptions);
    batched[i].distribution.forEach((p, j) => t.true(Math.abs(p - single.distribution[j]) < 1e-5));
    t.true(Math.abs(batched[i].mass - single.mass) < 1e-5);
  });
  m.dispose();
});

test('train stage trains tiny from the split and the built base model', async (t) => {
  const root = tmp();
  const split = path.join(root, 'artifacts/split');
  writeSplit(split);
  const base = path.join(root, 'artifacts/models/tiny/base');
  await runTinyModel(stageContext({ deps: [split], outs: [base], params: TINY_PARAMS }));
  const out = path.join(root, 'artifacts/models/tiny/adapter');
  await runTrain(stageContext({ name: 'train', deps: [split, base], outs: [out], params: { model: 'tiny', steering: 'PORTRAY', epochs: 1, batch_size: 16, lr: 1e-3, backend: 'wasm' } }));
  t.deepEqual(fs.readdirSync(out).sort(), ['adapter_config.json', 'adapter_model.safetensors', 'losses.jsonl', 'metrics.json']);
  // Params left out take tiny's defaults from config/models.yaml.
  t.like(JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8')), { model: 'tiny', backend: 'wasm', train_rows: 44, val_rows: 22, target: 'observed', train_letters: 'both' });
  const authors = path.join(root, 'authors');
  await runTrain(
    stageContext({
      name: 'train',
      deps: [split, base],
      outs: [authors],
      params: { model: 'tiny', steering: 'PORTRAY', epochs: 1, batch_size: 16, lr: 1e-3, backend: 'wasm', target: 'authors', train_letters: 'space' },
    }),
  );
  const metrics = JSON.parse(fs.readFileSync(path.join(authors, 'metrics.json'), 'utf8'));
  t.like(metrics, { target: 'authors', train_letters: 'space' });
  t.not(metrics.final_train_loss, JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8')).final_train_loss);
  await t.throwsAsync(runTrain(stageContext({ name: 'train', deps: [split, base], outs: [path.join(root, 'bad')], params: { model: 'tiny', target: 'normalized' } })), {
    message: 'train: param "target" must be one of observed, normalised, authors, got "normalized"',
  });
  fs.rmSync(root, { recursive: true, force: true });
});

test("the paper models' training defaults are the paper's; tiny keeps its demo values", (t) => {
  const paper = { lr: 2e-4, lora_targets: ['q_proj', 'v_proj'], epochs: 50, batch_size: 16, grad_accum: 16, target: 'authors', train_letters: 'space' };
  for (const model of ['llama-2-7b', 'llama-2-13b', 'mistral-7b', 'llama-3-70b']) t.deepEqual(trainDefaults(model), paper, model);
  // SubPOP's README: 128 rows per process × 2 processes × 1 accumulation step per optimizer step.
  t.is(paper.batch_size * paper.grad_accum, 128 * 2 * 1);
  t.like(trainDefaults('tiny'), { lr: 3e-3, epochs: 4, lora_targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'], batch_size: 32, grad_accum: 1, target: 'observed', train_letters: 'both' });
});

test('a downloadable model without weights is a clear error, raised before anything is touched', async (t) => {
  const models = tmp();
  const env = { SUBPOP_MODELS_DIR: models };
  t.throws(() => checkModelWeights('mistral-7b', '/nowhere', env), {
    message: `model mistral-7b: weights not found in ${path.join(models, 'mistral-7b')} (missing: config.json, tokenizer.json, model.safetensors (or model.safetensors.index.json with its shards)). ` +
      'Download the Hugging Face repository mistralai/Mistral-7B-v0.1 (config.json, tokenizer.json and the *.safetensors weights, with model.safetensors.index.json when sharded) into that folder, or set SUBPOP_MODELS_DIR to the folder that holds mistral-7b/.',
  });
  // A sharded download with a shard missing names the shard.
  const dir = path.join(models, 'llama-2-7b');
  fs.mkdirSync(dir);
  for (const f of ['config.json', 'tokenizer.json', 'model-00001-of-00002.safetensors']) fs.writeFileSync(path.join(dir, f), '{}');
  fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors' } }));
  t.throws(() => checkModelWeights('llama-2-7b', '/nowhere', env), { message: /\(missing: model-00002-of-00002\.safetensors\)\. Download the Hugging Face repository meta-llama\/Llama-2-7b-hf/ });
  t.is(checkModelWeights('tiny', '/nowhere', env), undefined);
  t.throws(() => checkModelWeights('gpt-9', '/nowhere', env), { message: /unknown model "gpt-9"/ });

  const out = path.join(tmp(), 'adapter');
  fs.mkdirSync(out);
  await t.throwsAsync(runTrain(stageContext({ name: 'train', env, deps: [], outs: [out], params: { model: 'mistral-7b' } })), { message: /^model mistral-7b: weights not found/ });
  t.deepEqual(fs.readdirSync(out), []);
});
