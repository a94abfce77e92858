import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { convertAdapter } from '../../lm/gguf/adapter.js';
import { convertModel, type Quant } from '../../lm/gguf/convert.js';
import { tokenizerVocabulary } from '../../lm/gguf/vocab.js';
import { loadLlamaCpp, type LlamaCppModel } from '../../lm/llamacpp/engine.js';
import { loadModel } from '../../lm/load.js';
import { PromptEncoder } from '../../lm/prompt-encoder.js';
import { wasserstein } from '../../survey/wasserstein.js';
import { tmp } from '../helpers/files.js';
import { writeRandomAdapter, writeRandomModel, type RandomModelSpec } from '../helpers/hf-model.js';

// The truth for llama.cpp is our tfjs Llama, itself checked against PyTorch (test/lm/reference.test.ts): the same
// random checkpoint converted to GGUF must give the same next-token distribution.
const PROMPTS = [
  'Question: How much do you trust the news media?\nA. A lot\nB. Some\nC. Not too much\nD. Not at all\nAnswer as a choice between A.,B.,C.,D.\n\nAnswer:',
  'Question: In politics today, do you consider yourself a Republican?\nA. Republican\nB. Democrat\nAnswer: B. Democrat\n\nAnswer the following question keeping in mind your previous answers.\nQuestion: How much do you trust the news media?\nA. A lot\nB. Some\nC. Not too much\nAnswer:',
  'Answer:',
  'Question: trust? A. A lot B. Some ✅ 3...3 Answer:',
];

const SPECS: [string, RandomModelSpec][] = [
  ['Llama: MHA, rope θ 1e4, f16, one file', { modelType: 'llama', hidden: 64, intermediate: 160, layers: 2, heads: 4, kvHeads: 4, ropeTheta: 1e4, dtype: 'F16', shards: 1, seed: 1 }],
  ['Mistral: GQA 8/2, rope θ 5e5, bf16, 3 shards', { modelType: 'mistral', hidden: 128, intermediate: 224, layers: 3, heads: 8, kvHeads: 2, ropeTheta: 5e5, dtype: 'BF16', shards: 3, seed: 2 }],
];

function logSoftmax(logits: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let z = 0;
  for (const v of logits) z += Math.exp(v - max);
  return Float64Array.from(logits, (v) => v - max - Math.log(z));
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

async function setup(spec: RandomModelSpec, dir: string) {
  const hf = path.join(dir, 'hf');
  const config = writeRandomModel(hf, spec);
  writeRandomAdapter(path.join(dir, 'peft'), config, spec.seed + 100);
  await convertAdapter(path.join(dir, 'peft'), config, path.join(dir, 'adapter.gguf'));
  const tokenizer = (await loadModel(hf, { backend: 'cpu' })).tokenizer;
  const encoder = new PromptEncoder(tokenizer, config.bosTokenId);
  const gguf = async (quant: Quant): Promise<string> => {
    const file = path.join(dir, `model-${quant}.gguf`);
    if (!fs.existsSync(file)) await convertModel(hf, file, quant);
    return file;
  };
  const llamaCpp = async (quant: Quant, adapter: boolean): Promise<LlamaCppModel> =>
    loadLlamaCpp(await gguf(quant), config, encoder, tokenizerVocabulary(hf), { sequences: 2, ...(adapter ? { adapter: path.join(dir, 'adapter.gguf') } : {}) });
  return { hf, config, encoder, gguf, llamaCpp };
}

for (const [title, spec] of SPECS) {
  test(`llama.cpp on the converted f32 GGUF matches tfjs within 1e-3, with and without a PEFT adapter: ${title}`, async (t) => {
    const dir = tmp('llamacpp-');
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    const { hf, encoder, llamaCpp } = await setup(spec, dir);
    const ids = PROMPTS.map((p) => encoder.ids(p));
    for (const adapter of [false, true]) {
      const tf = await loadModel(hf, { backend: 'cpu', ...(adapter ? { adapter: path.join(dir, 'peft') } : {}) });
      const expected = tf.model.logitRows(ids).map(logSoftmax);
      tf.dispose();
      const cpp = await llamaCpp('f32', adapter);
      // Twice: the second pass reuses the cached prefixes of the first, and must not change the numbers.
      for (const pass of [1, 2]) {
        const got = await cpp.logProbs(ids);
        got.forEach((lp, i) => {
          const d = maxAbsDiff(lp, expected[i]!);
          t.true(d < 1e-3, `adapter ${adapter}, pass ${pass}, prompt ${i}: max |Δ log p| ${d}`);
        });
      }
      await cpp.dispose();
    }
    // The adapter matters: without the permutation of lora_B for q/k the check above fails.
    const plain = await loadModel(hf, { backend: 'cpu' });
    const tuned = await loadModel(hf, { backend: 'cpu', adapter: path.join(dir, 'peft') });
    t.true(maxAbsDiff(plain.lastLogits(ids[0]!), tuned.lastLogits(ids[0]!)) > 0.05);
    plain.dispose();
    tuned.dispose();
  });
}

test('q8_0: option distributions within 0.01 WD of f32; the readout is the lm/readout.ts letter rule', async (t) => {
  const dir = tmp('llamacpp-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const { hf, llamaCpp } = await setup(SPECS[1]![1], dir);
  const items = PROMPTS.slice(0, 2).flatMap((prompt) => [2, 3, 4].map((nOptions) => ({ prompt, nOptions })));
  const f32 = await llamaCpp('f32', true);
  const q8 = await llamaCpp('q8_0', true);
  const a = await f32.optionReadouts(items);
  const b = await q8.optionReadouts(items);
  const tf = await loadModel(hf, { backend: 'cpu', adapter: path.join(dir, 'peft') });
  const c = tf.optionReadouts(items);
  tf.dispose();
  const wds = items.map((it, i) => {
    const ordinal = Array.from({ length: it.nOptions }, (_, k) => k + 1);
    t.true(maxAbsDiff(a[i]!.distribution, c[i]!.distribution) < 1e-4, `item ${i}: f32 llama.cpp vs tfjs`);
    t.true(Math.abs(a[i]!.mass - c[i]!.mass) < 1e-5);
    return wasserstein(a[i]!.distribution, b[i]!.distribution, ordinal);
  });
  // The paper's measure is the mean WD over rows; a random model is far more sensitive to rounding than a
  // trained one, so single rows may move further.
  const mean = wds.reduce((x, y) => x + y, 0) / wds.length;
  t.true(mean < 0.01, `mean WD ${mean} (rows: ${wds.map((w) => w.toFixed(4)).join(', ')})`);
  t.true(mean > 0, 'q8_0 rounds the weights, so the distributions move a little');
  t.is(q8.quantisation, 'Q8_0');
  t.is(f32.quantisation, 'F32');
  await f32.dispose();
  await q8.dispose();
});

test("the converted GGUF, read back with node-llama-cpp's reader, has llama.cpp's tensors, hyperparameters and vocabulary", async (t) => {
  const dir = tmp('llamacpp-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const spec = SPECS[1]![1];
  const { hf, gguf } = await setup(spec, dir);
  const info = await readGgufFileInfo(await gguf('q4_0'), { logWarnings: false });
  const m = info.metadata as unknown as { general: Record<string, unknown>; llama: Record<string, unknown> & { attention: Record<string, unknown>; rope: Record<string, unknown> }; tokenizer: { ggml: Record<string, unknown> } };
  t.is(m.general.architecture, 'llama');
  t.is(m.general.file_type, 2); // MOSTLY_Q4_0
  t.like(m.llama, { block_count: 3, embedding_length: 128, feed_forward_length: 224, context_length: 4096 });
  t.like(m.llama.attention, { head_count: 8, head_count_kv: 2 });
  t.is(m.llama.rope.freq_base, 5e5);
  t.is(m.llama.rope.dimension_count, 16);
  t.is(m.tokenizer.ggml.model, 'llama');
  t.deepEqual(m.tokenizer.ggml.tokens, tokenizerVocabulary(hf).tokens);
  t.is(m.tokenizer.ggml.bos_token_id, 1);
  const tensors = new Map(info.tensorInfo!.map((ti) => [ti.name, { dims: ti.dimensions.map(Number), type: ti.ggmlType }]));
  t.is(tensors.size, 2 + 3 * 9 + 1);
  const vocab = (m.tokenizer.ggml.tokens as string[]).length;
  t.deepEqual(tensors.get('token_embd.weight'), { dims: [128, vocab], type: 2 });
  t.deepEqual(tensors.get('blk.2.attn_k.weight'), { dims: [128, 32], type: 2 });
  t.deepEqual(tensors.get('blk.0.ffn_down.weight'), { dims: [224, 128], type: 2 });
  t.deepEqual(tensors.get('blk.0.attn_norm.weight'), { dims: [128], type: 0 });
  t.deepEqual(tensors.get('output.weight'), { dims: [128, vocab], type: 8 }); // the head stays Q8_0
});

test('several sequences with prefix reuse give the same bytes as one sequence, in input order', async (t) => {
  const dir = tmp('llamacpp-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const { llamaCpp } = await setup(SPECS[0]![1], dir);
  // Prompts sharing prefixes of several lengths, in text order, as evaluation sends them.
  const prompts = PROMPTS.flatMap((p) => ['', ' Some', ' A lot', '\nB.'].map((s) => `${p.slice(0, -'Answer:'.length)}${s}\nAnswer:`)).sort();
  const items = prompts.map((prompt) => ({ prompt, nOptions: 2 }));
  const one = await llamaCpp('f32', true);
  const expected = await one.optionReadouts(items);
  await one.dispose();
  for (const sequences of [3, 4]) {
    const cpp = await loadLlamaCppWith(dir, sequences);
    t.deepEqual(await cpp.optionReadouts(items), expected, `${sequences} sequences`);
    t.true(cpp.evaluatedTokens < items.reduce((n, it) => n + it.prompt.length, 0), 'shared prefixes are not evaluated again');
    await cpp.dispose();
  }
});

async function loadLlamaCppWith(dir: string, sequences: number): Promise<LlamaCppModel> {
  const { loadGgufModel } = await import('../../lm/llamacpp/engine.js');
  return loadGgufModel(path.join(dir, 'model-f32.gguf'), path.join(dir, 'hf'), { sequences, adapter: path.join(dir, 'adapter.gguf') });
}
