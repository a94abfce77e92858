import test from 'ava';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runTinyModel } from '../../stages/tiny-model.js';
import { runTrain } from '../../stages/train.js';
import { runEval, type EvalTimings } from '../../stages/eval.js';
import { runConvert } from '../../stages/convert.js';
import { loadModel } from '../../lm/load.js';
import { validate } from '../../lib/schema.js';
import { chooseExamples, examplePool, fewShotPrompt } from '../../survey/few-shot.js';
import { buildPrompt } from '../../survey/prompts.js';
import { wasserstein } from '../../survey/wasserstein.js';
import { jsonl, scratch, tmp } from '../helpers/files.js';
import { TINY_PARAMS, writeSplit } from '../helpers/split.js';
import { stageContext } from '../helpers/stage-context.js';

// One tiny model, trained for one epoch on the synthetic split, shared by the tests of this file.
const root = tmp();
const split = path.join(root, 'artifacts/split');
const rows = writeSplit(split);
const base = path.join(root, 'artifacts/models/tiny/base');
const adapter = path.join(root, 'artifacts/models/tiny/adapter');
const external = path.join(root, 'data/subpop_eval.jsonl');
const built = (async () => {
  await runTinyModel(stageContext({ deps: [split], outs: [base], params: TINY_PARAMS }));
  await runTrain(stageContext({ name: 'train', deps: [split, base], outs: [adapter], params: { model: 'tiny', epochs: 1, batch_size: 16, lr: 1e-2, backend: 'wasm' } }));
  // The released SubPOP layout: no wave or bookkeeping columns. Two val rows again, the second under the qkey of a
  // high-relevance question of SubPOP-Eval.
  const released = rows.val.slice(0, 2).map(({ qkey, attribute, group, question, options, ordinal, responses, refusal_rate }) => ({ qkey, attribute, group, question, options, ordinal, responses, refusal_rate }));
  released[1]!.qkey = 'satjob';
  fs.mkdirSync(path.dirname(external), { recursive: true });
  fs.writeFileSync(external, released.map((r) => JSON.stringify(r) + '\n').join(''));
})();

const evalParams = { model: 'tiny', backend: 'wasm', eval_batch_size: 4, eval_file: external, few_shot_k: 3 };
async function evaluate(out: string, params: Record<string, string | number> = evalParams, deps = [split, base, adapter]): Promise<EvalTimings> {
  await built;
  return runEval(stageContext({ name: 'eval', deps, outs: [out], params }));
}

test('eval writes schema-valid predictions and metrics for val, test and an external file, deterministically', async (t) => {
  const [a, b] = [path.join(tmp(), 'tiny'), path.join(tmp(), 'tiny')];
  const timings = await evaluate(a);
  await evaluate(b);
  t.deepEqual(fs.readdirSync(a).sort(), ['losses.jsonl', 'metrics.json', 'predictions.jsonl']);
  for (const f of fs.readdirSync(a)) t.deepEqual(fs.readFileSync(path.join(a, f)), fs.readFileSync(path.join(b, f)), f);
  const ma = JSON.parse(fs.readFileSync(path.join(a, 'metrics.json'), 'utf8'));
  validate('eval-metrics', ma, 'metrics.json');
  t.like(ma, { engine: 'tfjs', backend: 'wasm', quantisation: 'F32' });
  // 22 + 22 + 2 rows; identical prompts (the external rows repeat val rows) are read once.
  t.is(ma.prompts, 22 + 22);
  // The timings are returned (and logged) rather than written.
  t.true(timings.zero_shot!.rowsPerSecond > 0 && timings.few_shot!.rowsPerSecond > 0 && timings.fine_tuned!.rowsPerSecond > 0);
  // Few-shot by default: three examples asked, two available (each group has two training questions).
  t.like(ma.few_shot, { k: 3, seed: 42 });
  t.true(ma.few_shot.prompts >= 44);
  t.deepEqual(
    ma.sets.map((s: { name: string; rows: number; skipped_rows: number }) => [s.name, s.rows, s.skipped_rows]),
    [['val', 22, 0], ['test', 22, 0], ['subpop_eval', 2, 0]],
  );
  t.is(fs.readFileSync(path.join(a, 'losses.jsonl'), 'utf8'), fs.readFileSync(path.join(adapter, 'losses.jsonl'), 'utf8'));
  // The external file is named with its sha256; the split sets, aggregated here, have no released sources.
  t.deepEqual(ma.sets.map((s: { sources: unknown[] }) => s.sources.length), [0, 0, 1]);
  t.deepEqual(ma.sets[2].sources[0], { file: 'subpop_eval.jsonl', location: external, sha256: createHash('sha256').update(fs.readFileSync(external)).digest('hex') });

  const lines = jsonl(path.join(a, 'predictions.jsonl'));
  lines.forEach((l, i) => validate('predictions', l, `predictions.jsonl:${i + 1}`));
  t.is(lines.length, 46);
  t.deepEqual([...new Set(lines.map((l) => l.set))], ['val', 'test', 'subpop_eval']);
  t.like(lines[0], { set: 'val', qkey: rows.val[0]!.qkey, wave: rows.val[0]!.wave, group: rows.val[0]!.group, human: rows.val[0]!.responses });
  t.is(lines[44]!.wave, null);
  // The external copy of a val row gets the same prediction.
  t.deepEqual(lines[44]!.zero_shot, lines[0]!.zero_shot);
  // Fine-tuning changed the predictions.
  t.notDeepEqual(lines[0]!.zero_shot, lines[0]!.fine_tuned);
  // The test row with all-equal ordinals has no WD, and the set's WD mean skips it.
  const test = ma.sets[1];
  t.is((lines[23]!.zero_shot as { wd: number | null }).wd, null);
  t.is(test.zero_shot.wd_rows, 21);
  const wds = lines.slice(22, 44).map((l) => (l.zero_shot as { wd: number | null }).wd).filter((w): w is number => w !== null);
  t.true(Math.abs(test.zero_shot.wd - wds.reduce((x, y) => x + y, 0) / wds.length) < 1e-15);
  // Every set is also scored without the high-relevance questions: here one external row (satjob).
  t.deepEqual(ma.sets.map((s: { high_relevance_rows: number }) => s.high_relevance_rows), [0, 0, 1]);
  t.is(ma.sets[0].without_high_relevance, null);
  const without = ma.sets[2].without_high_relevance;
  t.is(without.rows, 1);
  for (const run of ['zero_shot', 'few_shot', 'fine_tuned'] as const) t.is(without[run].wd, (lines[44]![run] as { wd: number }).wd, run);
});

test('few_shot_k 0 leaves the few-shot run out', async (t) => {
  const out = path.join(scratch(t), 'tiny');
  const timings = await evaluate(out, { ...evalParams, eval_file: '', few_shot_k: 0 });
  const m = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
  validate('eval-metrics', m, 'metrics.json');
  t.is(m.few_shot, null);
  t.false('few_shot' in m.sets[0]);
  t.false('few_shot' in jsonl(path.join(out, 'predictions.jsonl'))[0]!);
  t.is(timings.few_shot, undefined);
});

/** The readout worked out by hand from the model's logits: each of the first n letters' bare and " X" tokens
 * summed, renormalised, and the raw mass of those tokens in the full softmax. */
function letterShares(m: Awaited<ReturnType<typeof loadModel>>, prompt: string, n: number): { shares: number[]; mass: number } {
  const logits = m.lastLogits(m.promptIds(prompt));
  let z = 0;
  for (const v of logits) z += Math.exp(v);
  const letters = [...'ABCDEFGHIJ'.slice(0, n)].map((l) => {
    const { bare, space } = m.tokenizer.letterTokens(l);
    return Math.exp(logits[bare!]!) + Math.exp(logits[space]!);
  });
  const total = letters.reduce((x, y) => x + y, 0);
  return { shares: letters.map((x) => x / total), mass: total / z };
}

test('eval readout: both letter spellings summed over the first len(ordinal) letters, renormalised, with the raw letter mass', async (t) => {
  const out = path.join(tmp(), 'tiny');
  // The model's folder as one dependency: base/ and adapter/ are found inside it.
  await evaluate(out, { ...evalParams, eval_file: '' }, [split, path.dirname(base)]);
  const lines = jsonl(path.join(out, 'predictions.jsonl'));
  const m = await loadModel(base, { backend: 'wasm' });
  // Test row 0 has four answer options, the last one non-ordinal (−1): its distribution still covers all four
  // letters (only the refusal letter E is not read); the WD then drops the −1 option.
  for (const [i, row] of [[0, rows.val[0]!], [22, rows.test[0]!], [30, rows.test[8]!]] as const) {
    const expected = letterShares(m, buildPrompt(row, row, 'QA'), row.ordinal.length);
    const got = lines[i]!.zero_shot as { distribution: number[]; letter_mass: number; wd: number };
    t.is(got.distribution.length, row.ordinal.length);
    got.distribution.forEach((p, j) => t.true(Math.abs(p - expected.shares[j]!) < 1e-5, `row ${i} letter ${j}`));
    t.true(Math.abs(got.letter_mass - expected.mass) < 1e-5);
    t.true(Math.abs(got.wd - wasserstein(row.responses, got.distribution, row.ordinal)) < 1e-12);
  }
  // The few-shot run reads its own prompt: the steering context, the group's answered training questions, the row.
  const row = rows.val[0]!;
  const prompt = fewShotPrompt(row, row, 'QA', chooseExamples(row, examplePool(rows.train), 3, 42));
  t.true(prompt.endsWith(buildPrompt(row, row, 'QA').split('keeping in mind your previous answers.\n')[1]!));
  const { shares } = letterShares(m, prompt, row.ordinal.length);
  (lines[0]!.few_shot as { distribution: number[] }).distribution.forEach((p, j) => t.true(Math.abs(p - shares[j]!) < 1e-5, `few-shot letter ${j}`));
  m.dispose();
});

test('eval of an adapter without a training curve (a released one) writes no losses.jsonl', async (t) => {
  await built;
  const released = path.join(tmp(), 'mistral-subpop');
  fs.cpSync(adapter, released, { recursive: true });
  fs.rmSync(path.join(released, 'losses.jsonl'));
  const out = path.join(tmp(), 'tiny');
  await evaluate(out, { ...evalParams, eval_file: '' }, [split, base, released]);
  t.deepEqual(fs.readdirSync(out).sort(), ['metrics.json', 'predictions.jsonl']);
});

test('eval fails before writing anything when the adapter is missing or the external file is bad', async (t) => {
  await built;
  const out = path.join(tmp(), 'tiny');
  fs.mkdirSync(out);
  await t.throwsAsync(runEval(stageContext({ name: 'eval', deps: [split, base], outs: [out], params: evalParams })), { message: /no adapter among the dependencies/ });
  const bad = path.join(tmp(), 'bad.jsonl');
  fs.writeFileSync(bad, fs.readFileSync(external, 'utf8').split('\n')[0] + '\n{"qkey": "x"}\n');
  await t.throwsAsync(runEval(stageContext({ name: 'eval', deps: [split, base, adapter], outs: [out], params: { ...evalParams, eval_file: bad } })), {
    message: new RegExp(`^${bad}:2 \\(qkey x\\): missing key "attribute"`),
  });
  // More options than letters A–J is an error in an external file (rows of the split are skipped instead).
  const first = JSON.parse(fs.readFileSync(external, 'utf8').split('\n')[0]!) as Record<string, unknown>;
  const ten = Array.from({ length: 10 }, (_, i) => `Option ${i + 1}`);
  fs.writeFileSync(bad, `${JSON.stringify({ ...first, options: [...ten, 'Refused'], ordinal: ten.map((_, i) => i + 1), responses: ten.map(() => 0.1) })}\n`);
  await t.throwsAsync(runEval(stageContext({ name: 'eval', deps: [split, base, adapter], outs: [out], params: { ...evalParams, eval_file: bad } })), {
    message: /^\S+bad\.jsonl:1 \(qkey \S+, \S+\): options has 11 entries; at most 10/,
  });
  // A downloadable model without weights fails with the registry's instructions, before anything is loaded.
  await t.throwsAsync(runEval(stageContext({ name: 'eval', env: { SUBPOP_MODELS_DIR: tmp() }, deps: [split, adapter], outs: [out], params: { ...evalParams, model: 'mistral-7b' } })), {
    message: /^model mistral-7b: weights not found in .*Download the Hugging Face repository mistralai\/Mistral-7B-v0\.1/,
  });
  t.deepEqual(fs.readdirSync(out), []);
});

test('a matrix instance takes its model and steering style from the item', async (t) => {
  await built;
  const out = path.join(scratch(t), 'tiny-BIO');
  await runEval(stageContext({ name: 'eval@tiny-BIO', item: { model: 'tiny', steering: 'BIO' }, deps: [split, base, adapter], outs: [out], params: { backend: 'wasm', eval_batch_size: 4, few_shot_k: 0 } }));
  const m = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
  t.like(m, { model: 'tiny', steering: 'BIO' });
  // The BIO prompt, not the QA one, was read.
  const model = await loadModel(base, { backend: 'wasm' });
  const row = rows.val[0]!;
  const { shares } = letterShares(model, buildPrompt(row, row, 'BIO'), row.ordinal.length);
  (jsonl(path.join(out, 'predictions.jsonl'))[0]!.zero_shot as { distribution: number[] }).distribution.forEach((p, j) => t.true(Math.abs(p - shares[j]!) < 1e-5));
  model.dispose();
  await t.throwsAsync(runEval(stageContext({ name: 'eval@tiny-XX', item: { model: 'tiny', steering: 'XX' }, deps: [split, base, adapter], outs: [out], params: {} })), {
    message: 'eval@tiny-XX (matrix item): param "steering" must be one of QA, BIO, PORTRAY, got "XX"',
  });
});

test('eval on llama.cpp: stage convert writes the GGUF model and adapter, and the scores match tfjs', async (t) => {
  await built;
  const dir = scratch(t);
  const gguf = path.join(dir, 'gguf', 'tiny');
  await runConvert(stageContext({ name: 'convert@tiny', deps: [base, adapter], outs: [gguf], params: { model: 'tiny', engine: 'llama.cpp', quant: 'auto' } }));
  t.deepEqual(fs.readdirSync(gguf).sort(), ['adapter.gguf', 'model.gguf']);
  const [tfjs, cpp] = [path.join(dir, 'tfjs', 'tiny'), path.join(dir, 'llama.cpp', 'tiny')];
  await evaluate(tfjs);
  await evaluate(cpp, { ...evalParams, engine: 'llama.cpp' }, [split, base, adapter, gguf]);
  const m = JSON.parse(fs.readFileSync(path.join(cpp, 'metrics.json'), 'utf8'));
  t.like(m, { engine: 'llama.cpp', backend: 'cpu', quantisation: 'F32' });
  const [a, b] = [jsonl(path.join(tfjs, 'predictions.jsonl')), jsonl(path.join(cpp, 'predictions.jsonl'))];
  t.is(a.length, b.length);
  a.forEach((row, i) => {
    for (const run of ['zero_shot', 'few_shot', 'fine_tuned']) {
      const [p, q] = [(row[run] as { distribution: number[] }).distribution, (b[i]![run] as { distribution: number[] }).distribution];
      t.true(p.every((v, k) => Math.abs(v - q[k]!) < 1e-5), `row ${i} ${run}`);
    }
  });
  // Without the convert stage's folder, llama.cpp has nothing to load: a clear error.
  await t.throwsAsync(evaluate(path.join(dir, 'none', 'tiny'), { ...evalParams, engine: 'llama.cpp' }), { message: /model tiny: llama\.cpp needs the converted weights; depend on artifacts\/gguf\/tiny\/ \(stage convert\)/ });
});
