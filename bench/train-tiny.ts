/**
 * Training throughput of the `tiny` model (forward + backward of the LoRA KL loss, plus AdamW) in tokens/s,
 * ours (tfjs) vs an equivalent PyTorch CPU loop (bench/train-tiny.py, Debian's python3-torch) on the same
 * batches and weights.
 *
 *   npx tsx bench/train-tiny.ts [--steps 30] [--batch 32] [--backend wasm] [--workers 2]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { useBackend } from '../lm/backend.js';
import { readConfig } from '../lm/config.js';
import { GradEngine, loraParamShapes, type LoraLayout } from '../lm/grad-engine.js';
import { localPool, workerPool } from '../lm/grad-pool.js';
import { LlamaModel } from '../lm/model.js';
import { letterIdGroups } from '../lm/readout.js';
import { Rng } from '../lm/random.js';
import { WeightStore } from '../lm/safetensors.js';
import { DEFAULT_TINY, writeTinyModel } from '../lm/tiny.js';
import { LETTERS, TextTokenizer } from '../lm/tokenizer.js';
import { AdamW, lengthBatches, prepare, shardsOf } from '../lm/train.js';
import { buildPrompt, STEERING_STYLES } from '../survey/prompts.js';
import { syntheticRows } from './lm-synthetic.js';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '30' },
    batch: { type: 'string', default: '32' },
    backend: { type: 'string', default: 'wasm' },
    workers: { type: 'string', default: '2' },
  },
});
const steps = Number(args.steps);
const batch = Number(args.batch);
const workers = Number(args.workers);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-train-tiny-'));
const modelDir = path.join(work, 'tiny');
const rows = syntheticRows(1);
writeTinyModel(modelDir, rows.flatMap((r) => STEERING_STYLES.map((s) => buildPrompt(r, r, s))), DEFAULT_TINY, 42);
const config = readConfig(modelDir);
const tok = TextTokenizer.load(modelDir);
const letterGroups = letterIdGroups(tok, LETTERS.length);
const { examples } = prepare(rows, ['QA'], tok, config.bosTokenId, 'bench');
// The batches of one training epoch (length-grouped, shuffled), as lm/train.ts makes them.
const batches = new Rng(1).shuffle(lengthBatches(examples, batch)).slice(0, steps).map((b) => shardsOf(b, 2));
const tokens = batches.flat().reduce((n, sh) => n + sh.tokens, 0);
const padded = batches.flat().reduce((n, sh) => n + sh.rows * sh.length, 0);

const backend = await useBackend(args.backend);
const layout: LoraLayout = { keys: Array.from({ length: config.nLayers }, (_, l) => [`${l}.q_proj`, `${l}.v_proj`]).flat(), r: 8, scale: 4, dropout: 0.05 };
const pool = workers > 1 ? await workerPool(workers, { modelDir, backend, layout, letterGroups }) : localPool(new GradEngine(LlamaModel.fromWeights(config, WeightStore.open(modelDir)), layout, letterGroups));
const rng = new Rng(2);
const params = loraParamShapes(config, layout).map(([a, b], i) => Float32Array.from({ length: a * b }, () => (i % 2 === 0 ? (rng.float() * 2 - 1) / Math.sqrt(a) : 0)));
const opt = new AdamW(params);
// One warm-up step, not timed.
await pool.grads(params, batches[0], [1, 2]);
const t0 = performance.now();
for (const [s, shards] of batches.entries()) {
  const results = await pool.grads(params, shards, [2 * s, 2 * s + 1]);
  const rowsInStep = shards.reduce((n, sh) => n + sh.rows, 0);
  const acc = results[0].grads.map((g, j) => Float64Array.from(g, (v, i) => (v + (results[1]?.grads[j][i] ?? 0)) / rowsInStep));
  opt.step(acc, 2e-4);
}
const ours = tokens / ((performance.now() - t0) / 1000);
pool.close();

const batchFile = path.join(work, 'batches.json');
fs.writeFileSync(batchFile, JSON.stringify({
  model: modelDir,
  letters: letterGroups,
  r: 8,
  alpha: 32,
  batches: batches.map((shards) => shards.flatMap((sh) => Array.from({ length: sh.rows }, (_, r) => ({
    ids: Array.from(sh.ids.subarray(r * sh.length, r * sh.length + sh.positions[r] + 1)),
    target: Array.from(sh.target.subarray(r * LETTERS.length, (r + 1) * LETTERS.length)),
  })))),
}));
const torchOut = JSON.parse(execFileSync('/usr/bin/python3', [path.resolve('bench/train-tiny.py'), batchFile], { encoding: 'utf8' })) as { tokens_per_second: number; threads: number; torch: string };

console.log(`tiny model: ${config.nLayers} layers, hidden ${config.hiddenSize}, ${config.nHeads} heads, MLP ${config.intermediateSize}, vocab ${config.vocabSize}`);
console.log(`${steps} steps of ${batch} QA prompts: ${tokens} tokens (${(tokens / steps / batch).toFixed(1)} per prompt, ${((padded / tokens - 1) * 100).toFixed(0)}% padding in our shards)`);
console.log(`ours   (tfjs ${backend}, ${pool.processes} process${pool.processes > 1 ? 'es' : ''}): ${Math.round(ours)} tokens/s`);
console.log(`PyTorch ${torchOut.torch} CPU (${torchOut.threads} threads): ${Math.round(torchOut.tokens_per_second)} tokens/s`);
console.log(`ratio ours / PyTorch: ${(ours / torchOut.tokens_per_second).toFixed(2)}`);
fs.rmSync(work, { recursive: true, force: true });
