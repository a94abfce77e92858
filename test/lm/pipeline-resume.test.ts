import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { repo, pipe, read, startPipe, until, write } from '../runner/helpers.js';
import { tmp } from '../helpers/files.js';
import { TINY_PARAMS, writeSplit } from '../helpers/split.js';

// The real stages (tiny-model → train → eval → report) under the real `pipe` CLI: a training run killed with
// kill -9 twice and resumed ends with the bytes of an uninterrupted run — adapter, RESULTS.md and pipe.lock.

const pipeline = `params:
  model: tiny
  seed: ${TINY_PARAMS.seed}
  tiny_vocab: ${TINY_PARAMS.tiny_vocab}
  tiny_hidden: ${TINY_PARAMS.tiny_hidden}
  tiny_intermediate: ${TINY_PARAMS.tiny_intermediate}
  tiny_layers: ${TINY_PARAMS.tiny_layers}
  tiny_heads: ${TINY_PARAMS.tiny_heads}
  tiny_kv_heads: ${TINY_PARAMS.tiny_kv_heads}
  steering: QA
  lr: 0.002
  epochs: 6
  batch_size: 8
  backend: wasm
  eval_file: ''
stages:
  tiny-model:
    run: stages/tiny-model.ts
    deps: [data/split/, config/subpop-release.yaml, vendor/subpop/data/subpopulation_metadata/steering_prompts.json]
    params: [seed, tiny_vocab, tiny_hidden, tiny_intermediate, tiny_layers, tiny_heads, tiny_kv_heads]
    outs: [artifacts/models/tiny/base/]
  train:
    run: stages/train.ts
    deps: [data/split/, artifacts/models/tiny/base/, config/subpop-release.yaml, vendor/subpop/data/subpopulation_metadata/steering_prompts.json]
    params: [model, seed, steering, lr, epochs, batch_size, backend]
    checkpoint_every: 1s
    outs: [artifacts/models/tiny/adapter/]
    metrics: [artifacts/models/tiny/adapter/metrics.json]
  eval:
    run: stages/eval.ts
    deps: [data/split/, artifacts/models/tiny/base/, artifacts/models/tiny/adapter/, config/subpop-release.yaml, vendor/subpop/data/subpopulation_metadata/steering_prompts.json, config/high-relevance.yaml]
    params: [model, steering, backend, eval_file]
    outs: [artifacts/eval/tiny-QA/]
  report:
    run: stages/report.ts
    deps: [artifacts/eval/, artifacts/bounds/]
    outs: [RESULTS.md, artifacts/report/]
`;

/** A project running this repository's stage modules (linked in), on a small split, with fixture bounds. */
function project(): string {
  const dir = tmp('pipe-resume-');
  write(dir, { 'package.json': '{"type":"module"}\n', 'pipeline.yaml': pipeline });
  for (const d of ['stages', 'lm', 'lib', 'survey', 'runner', 'formats', 'net', 'config', 'schemas', 'vendor']) fs.symlinkSync(path.join(repo, d), path.join(dir, d));
  writeSplit(path.join(dir, 'data', 'split'));
  fs.cpSync(path.join(repo, 'test', 'fixtures', 'eval', 'report', 'bounds'), path.join(dir, 'artifacts', 'bounds'), { recursive: true });
  return dir;
}

const checkpointsDir = (dir: string): string => path.join(dir, '.pipe', 'checkpoints');
/** The numbered checkpoints saved so far (the store numbers them 1, 2, … per fingerprint). */
function saved(dir: string): { seq: number; at: string }[] {
  const base = checkpointsDir(dir);
  if (!fs.existsSync(base)) return [];
  return fs.readdirSync(base).flatMap((fp) =>
    fs
      .readdirSync(path.join(base, fp))
      .filter((n) => /^\d+$/.test(n) && fs.existsSync(path.join(base, fp, n, 'checkpoint.json')))
      .map((n) => ({ seq: Number(n), at: (JSON.parse(read(base, `${fp}/${n}/checkpoint.json`)) as { at: string }).at })),
  );
}

/** Starts `pipe run`, kills it with SIGKILL once checkpoint number `seq` exists, and waits for the stage to roll back. */
async function killAfterCheckpoint(dir: string, seq: number): Promise<string> {
  const run = startPipe(dir, 'run');
  let out = '';
  run.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await until(() => saved(dir).some((c) => c.seq >= seq), 120_000, `checkpoint ${seq}`);
  run.kill('SIGKILL');
  await run;
  await until(() => fs.readdirSync(path.join(dir, '.pipe', 'active')).filter((f) => !f.startsWith('.')).length === 0, 30_000, 'the stage host to roll back');
  return out;
}

const FILES = ['artifacts/models/tiny/adapter/adapter_model.safetensors', 'artifacts/models/tiny/adapter/losses.jsonl', 'artifacts/models/tiny/adapter/metrics.json', 'RESULTS.md', 'pipe.lock'];

test('kill -9 twice during training, then a rerun resumes and ends with the same adapter, RESULTS.md and pipe.lock', async (t) => {
  t.timeout(600_000);
  const [plain, killed] = [project(), project()];
  const ref = await pipe(plain, 'run');
  t.is(ref.code, 0, ref.stdout + ref.stderr);
  t.regex(ref.stdout, /train │ checkpoint saved at epoch 1\/6/);
  t.deepEqual(fs.readdirSync(checkpointsDir(plain)), [], 'a committed run leaves no checkpoint behind');

  const first = await killAfterCheckpoint(killed, 1);
  t.regex(first, /train │ checkpoint saved at /);
  t.false(fs.existsSync(path.join(killed, 'artifacts/models/tiny/adapter')), 'no adapter was published by the killed run');
  const afterFirst = saved(killed);
  t.is(afterFirst.length, 1);

  // Other params are another fingerprint: their run does not touch this checkpoint, nor resume from it.
  const other = await pipe(killed, 'run', 'train', '--lr', '0.003');
  t.is(other.code, 0, other.stdout + other.stderr);
  t.notRegex(other.stdout, /resuming/);
  t.deepEqual(saved(killed), afterFirst);
  const status = await pipe(killed, 'status', 'train');
  t.true(status.stdout.includes(`▶ train will run, resumable from ${afterFirst[0]!.at} (checkpoint `), status.stdout);
  t.regex((await pipe(killed, 'gc', '--dry-run')).stdout, /, 0 checkpoints,/, 'the current fingerprint\'s checkpoint is kept');
  t.regex((await pipe(killed, 'gc', '--dry-run', '--lr', '0.003')).stdout, /, 1 checkpoints,/, 'with other params nobody needs it');

  const second = await killAfterCheckpoint(killed, 2);
  t.true(second.includes(`train │ resuming from the checkpoint at ${afterFirst[0]!.at} (saved `), second);
  const afterSecond = saved(killed);
  t.is(afterSecond.length, 1, 'the older checkpoint was replaced');

  const last = await pipe(killed, 'run');
  t.is(last.code, 0, last.stdout + last.stderr);
  t.true(last.stdout.includes(`train │ resuming from the checkpoint at ${afterSecond[0]!.at} (saved `), last.stdout);
  for (const f of FILES) t.deepEqual(fs.readFileSync(path.join(killed, f)), fs.readFileSync(path.join(plain, f)), f);
  t.deepEqual(fs.readdirSync(checkpointsDir(killed)), []);
});
