import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { useBackend } from '../../lm/backend.js';
import { readConfig } from '../../lm/config.js';
import { GradEngine, loraParamShapes, type Shard } from '../../lm/grad-engine.js';
import { loadModel, mergeAdapter } from '../../lm/load.js';
import { LlamaModel } from '../../lm/model.js';
import { readAdapter } from '../../lm/peft.js';
import { Rng } from '../../lm/random.js';
import { SafetensorsFile, WeightStore } from '../../lm/safetensors.js';
import { letterIdGroups } from '../../lm/readout.js';
import { TextTokenizer } from '../../lm/tokenizer.js';
import { peftWeights, prepare, shardsOf, trainLora, type TrainOptions, type TrainResult } from '../../lm/train.js';
import { buildPrompt, STEERING_STYLES } from '../../survey/prompts.js';
import { tmp } from '../helpers/files.js';
import { trainingOptions, trainingRows, writeTrainingModel } from '../helpers/training.js';

const fixtures = path.resolve('test/fixtures/lm');
const rows = trainingRows;
const tinyDir = tmp();

// PORTRAY prompts are the shortest, which keeps these trainings to a few seconds.
const trained = tmp();
let result: TrainResult;
const logged: string[] = [];
const notes: string[] = [];

test.before(async () => {
  await useBackend('wasm');
  writeTrainingModel(tinyDir);
  result = await trainLora(options(trained, { log: (l) => logged.push(l), progress: (p) => notes.push(p.note) }));
});

test('KL gradient of the LoRA parameters matches central finite differences', (t) => {
  const dir = path.join(fixtures, 'llama');
  const config = readConfig(dir);
  const model = LlamaModel.fromWeights(config, WeightStore.open(dir));
  const layout = { keys: ['0.q_proj', '1.v_proj'], r: 2, scale: 2, dropout: 0 };
  const engine = new GradEngine(model, layout, [[5, 6], [7], [8, 9]]);
  const rng = new Rng(11);
  const params = loraParamShapes(config, layout).map(([a, b]) => Float32Array.from({ length: a * b }, () => rng.normal() * 0.3));
  const target = Float32Array.from([0.7, 0.1, 0.2, 0, 0.5, 0.5]);
  const shard: Shard = {
    ids: Int32Array.from([1, 5, 9, 33, 1, 40, 2, 0]),
    rows: 2,
    length: 4,
    positions: [3, 2],
    target,
    targetLog: target.map((p) => (p > 0 ? Math.log(p) : 0)),
    tokens: 7,
  };
  const { loss, grads } = engine.lossAndGrads(params, shard, 1);
  t.true(Math.abs(loss - engine.loss(params, shard)) < 1e-5, 'loss without dropout equals the loss of the gradient pass');
  const h = 1e-2;
  let checked = 0;
  for (const [k, i] of [[0, 0], [0, 17], [1, 3], [2, 40], [3, 5], [3, 63]]) {
    const plus = params.map((p) => Float32Array.from(p));
    const minus = params.map((p) => Float32Array.from(p));
    plus[k][i] += h;
    minus[k][i] -= h;
    const numeric = (engine.loss(plus, shard) - engine.loss(minus, shard)) / (2 * h);
    t.true(Math.abs(numeric - grads[k][i]) < 2e-3 + 2e-2 * Math.abs(numeric), `param ${k}[${i}]: analytic ${grads[k][i]}, numeric ${numeric}`);
    checked++;
  }
  t.is(checked, 6);

  // The same parameters written in PEFT layout and merged into the weights give the same loss.
  const merged = LlamaModel.fromWeights(config, WeightStore.open(dir));
  mergeAdapter(merged, { spec: { r: 2, alpha: 4, dropout: 0, targets: ['q_proj', 'v_proj'] }, scale: 2, weights: peftWeights(layout, loraParamShapes(config, layout), params) });
  const zero = params.map((p) => new Float32Array(p.length));
  const mergedLoss = new GradEngine(merged, layout, [[5, 6], [7], [8, 9]]).loss(zero, shard);
  t.true(Math.abs(mergedLoss - loss) < 1e-4, `merged ${mergedLoss} vs LoRA ${loss}`);
  merged.dispose();
  model.dispose();
});

const options = (outDir: string, over: Partial<TrainOptions> = {}): TrainOptions => trainingOptions(tinyDir, outDir, over);

const bytes = (dir: string) => fs.readFileSync(path.join(dir, 'adapter_model.safetensors'));

test('same seed gives a byte-identical adapter, with one or two gradient processes; another seed does not', async (t) => {
  const [a, b, c, d] = [trained, tmp(), tmp(), tmp()];
  await trainLora(options(b));
  await trainLora(options(c, { workers: 2 }));
  await trainLora(options(d, { seed: 6, epochs: 1 }));
  t.deepEqual(bytes(a), bytes(b));
  // metrics.json holds no timings: a rerun writes the same bytes.
  t.is(fs.readFileSync(path.join(a, 'metrics.json'), 'utf8'), fs.readFileSync(path.join(b, 'metrics.json'), 'utf8'));
  t.deepEqual(bytes(a), bytes(c));
  t.notDeepEqual(bytes(a), bytes(d));
  t.is(fs.readFileSync(path.join(a, 'losses.jsonl'), 'utf8'), fs.readFileSync(path.join(c, 'losses.jsonl'), 'utf8'));
});

test('the adapter has PEFT names and shapes, metrics and a loss curve, and loads for inference', async (t) => {
  const out = trained;
  const st = SafetensorsFile.open(path.join(out, 'adapter_model.safetensors'));
  const names = [...st.tensors.keys()].sort();
  const expected = [0, 1].flatMap((l) => ['q_proj', 'v_proj'].flatMap((m) => ['A', 'B'].map((w) => `base_model.model.model.layers.${l}.self_attn.${m}.lora_${w}.weight`))).sort();
  t.deepEqual(names, expected);
  // hidden 16; 2 heads of 8 → q out 16, one KV head → v out 8; r 4
  t.deepEqual(st.tensors.get('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight')?.shape, [4, 16]);
  t.deepEqual(st.tensors.get('base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight')?.shape, [16, 4]);
  t.deepEqual(st.tensors.get('base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight')?.shape, [8, 4]);
  const cfg = JSON.parse(fs.readFileSync(path.join(out, 'adapter_config.json'), 'utf8'));
  t.like(cfg, { peft_type: 'LORA', r: 4, lora_alpha: 8, lora_dropout: 0.05, target_modules: ['q_proj', 'v_proj'], task_type: 'CAUSAL_LM', base_model_name_or_path: 'tiny' });
  const adapter = readAdapter(out, readConfig(tinyDir));
  t.is(adapter.scale, 2);
  t.true(adapter.weights.some((w) => w.b.some((v) => v !== 0)), 'training moved B away from its zero initialisation');

  const lines = fs.readFileSync(path.join(out, 'losses.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const steps = lines.filter((l) => 'loss' in l);
  const vals = lines.filter((l) => 'val_loss' in l);
  // 44 train rows, 16 per optimizer step → 3 steps per epoch
  t.is(steps.length, 6);
  t.deepEqual(steps.map((s) => s.step), [1, 2, 3, 4, 5, 6]);
  t.is(steps[0].lr, 0);
  t.deepEqual(vals.map((v) => v.epoch), [1, 2]);
  const { metrics } = result;
  t.like(metrics, { epochs: 2, steps: 6, train_rows: 44, val_rows: 22, skipped_rows: 0 });
  t.is(metrics.best_val_loss, Math.min(...vals.map((v) => v.val_loss)));
  t.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8')), metrics);
  // Timings are returned and logged, not written.
  t.true(result.seconds > 0 && result.tokensPerSecond > 0);
  t.regex(logged.at(-1)!, /^trained 6 steps in \d+\.\d s, [\d,]+ tokens\/s on wasm with 1 gradient process$/);
  t.is(notes.length, 6);
  t.regex(notes[0]!, /^epoch 1\/2 · loss \d+\.\d{4} · \d+ tok\/s$/);
  t.regex(notes[5]!, /^epoch 2\/2 · /);

  const m = await loadModel(tinyDir, { adapter: out });
  const dist = m.optionDistribution(buildPrompt(rows[0], rows[0], 'QA'), 2);
  t.is(dist.length, 2);
  t.true(Math.abs(dist[0] + dist[1] - 1) < 1e-9);
  m.dispose();
});

test("SubPOP's training loss: responses + [refusal_rate] unnormalised, read from the ' X' tokens of A-J", (t) => {
  const config = readConfig(tinyDir);
  const model = LlamaModel.fromWeights(config, WeightStore.open(tinyDir));
  const tok = TextTokenizer.load(tinyDir);
  const picked = rows.filter((r) => r.refusal_rate > 0).slice(0, 3);
  t.is(picked.length, 3);
  const { examples } = prepare(picked, ['PORTRAY'], tok, config.bosTokenId, 'rows', 'authors');
  // train_utils.py: the last id of encoding " X" for X in A-J.
  const spaceIds = [...'ABCDEFGHIJ'].map((l) => tok.encode(` ${l}`).at(-1)!);
  t.deepEqual(letterIdGroups(tok, 10, 'space'), spaceIds.map((id) => [id]));
  const layout = { keys: ['0.q_proj'], r: 2, scale: 2, dropout: 0 };
  const zero = loraParamShapes(config, layout).map(([a, b]) => new Float32Array(a * b));
  const engine = new GradEngine(model, layout, letterIdGroups(tok, 10, 'space'));
  const got = engine.loss(zero, shardsOf(examples, 1)[0]!);
  // By hand: softmax over the vocabulary, the ten " X" probabilities renormalised, and the forward KL of
  // train_utils.py, Σ p·log p − Σ p·log q, against [responses, r, 0, …], which sums to 1 + r.
  let want = 0;
  picked.forEach((row, i) => {
    const logits = model.lastLogits(examples[i]!.ids);
    const max = Math.max(...logits);
    const letters = spaceIds.map((id) => Math.exp(logits[id]! - max));
    const z = letters.reduce((a, b) => a + b, 0);
    const target = [...row.responses, row.refusal_rate, ...new Array(10 - row.options.length).fill(0)];
    t.true(Math.abs(target.reduce((a, b) => a + b, 0) - (1 + row.refusal_rate)) < 1e-12);
    t.deepEqual([...examples[i]!.target], target.map(Math.fround));
    target.forEach((p, j) => {
      if (p > 0) want += p * (Math.log(p) - Math.log(letters[j]! / z));
    });
  });
  t.true(Math.abs(got - want) < 1e-4 * Math.max(1, Math.abs(want)), `engine ${got}, by hand ${want}`);
  model.dispose();
});
