import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { loadModel } from '../../lm/load.js';

// Fixtures and reference logits: test/fixtures/lm/make_reference.py (PyTorch, float64 Llama forward).
const fixtures = path.resolve('test/fixtures/lm');
const reference = JSON.parse(fs.readFileSync(path.join(fixtures, 'reference.json'), 'utf8')) as {
  sequences: number[][];
  models: Record<string, number[][]>;
};

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const cases: [string, string, string | undefined][] = [
  ['Llama layout, f32, single file', 'llama', undefined],
  ['Mistral layout (GQA, rope_theta 1e6), f16, two shards', 'mistral-sharded', undefined],
  ['Llama layout, bf16, tied embeddings, one KV head', 'llama-bf16', undefined],
  ['Llama + PEFT adapter (bf16, ".default" infix) merged', 'llama', 'adapter-bf16'],
];

for (const [title, model, adapter] of cases) {
  test(`last-position logits match PyTorch to 1e-4: ${title}`, async (t) => {
    const m = await loadModel(path.join(fixtures, model), { backend: process.env.LM_TEST_BACKEND ?? 'cpu', adapter: adapter && path.join(fixtures, adapter) });
    const expected = reference.models[adapter ? `${model}+${adapter}` : model];
    t.is(m.config.vocabSize, 64);
    for (const [i, seq] of reference.sequences.entries()) {
      const got = m.lastLogits(seq);
      t.is(got.length, 64);
      const diff = maxAbsDiff(got, expected[i]);
      t.true(diff < 1e-4, `sequence ${i}: max |Δ| ${diff}`);
    }
    m.dispose();
  });
}

test('the adapter changes the logits (the merge is not a no-op)', (t) => {
  t.true(maxAbsDiff(reference.models.llama[0], reference.models['llama+adapter-bf16'][0]) > 0.01);
});

test('a right-padded batch reads each row at its own position and matches the reference', async (t) => {
  const m = await loadModel(path.join(fixtures, 'mistral-sharded'), { backend: process.env.LM_TEST_BACKEND ?? 'cpu' });
  const rows = m.model.logitRows(reference.sequences);
  rows.forEach((row, i) => t.true(maxAbsDiff(row, reference.models['mistral-sharded'][i]) < 1e-4, `row ${i}`));
  m.dispose();
});
