import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { tmp } from '../helpers/files.js';
import { counted, makeProject, pipe, read, runsOf } from './helpers.js';

const perModel = `params:
  model: tiny
stages:
  train:
    cmd: ${counted('train', 'echo weights-of-${model} > artifacts/models/${model}/w.txt; echo "training ${model}"')}
    params: [model]
    outs: [artifacts/models/\${model}/]
    metrics: [artifacts/models/\${model}/metrics.json]
  eval:
    cmd: ${counted('eval', 'cp artifacts/models/${model}/w.txt out/${model}.txt')}
    deps: [artifacts/models/\${model}/]
    outs: [out/\${model}.txt]
`.replace('w.txt; echo', 'w.txt; echo \'{"loss":0.5}\' > artifacts/models/${model}/metrics.json; echo');

test('going back to a parameter set seen before restores its outputs instead of recomputing, and says so', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': perModel });
  t.is((await pipe(dir, 'run')).code, 0);
  t.is((await pipe(dir, 'run', '--model', 'big')).code, 0);
  t.deepEqual([runsOf(dir, 'train'), runsOf(dir, 'eval')], [2, 2]);
  fs.rmSync(path.join(dir, 'artifacts'), { recursive: true });

  const back = await pipe(dir, 'run', '--model', 'tiny');
  t.is(back.code, 0);
  t.regex(back.stdout, /↺ train: restored from the run cache \(ran \d{4}-\d\d-\d\d \d\d:\d\d:\d\d on .+ in .+\), not recomputed/);
  t.deepEqual([runsOf(dir, 'train'), runsOf(dir, 'eval')], [2, 2]);
  t.is(read(dir, 'artifacts/models/tiny/w.txt'), 'weights-of-tiny\n');
  t.regex(read(dir, 'pipe.lock'), /model: tiny/);

  const replay = await pipe(dir, 'run', '--model', 'tiny', '--replay');
  t.regex(replay.stdout, /train │ training tiny/, 'the stored log is replayed on request');
});

test('a corrupted cache object is detected on restore, removed, and the stage runs instead', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': perModel });
  t.is((await pipe(dir, 'run', 'train')).code, 0);
  const objects = path.join(dir, '.pipe', 'cache', 'objects');
  let corrupted = 0;
  for (const sub of fs.readdirSync(objects)) {
    for (const f of fs.readdirSync(path.join(objects, sub))) {
      const file = path.join(objects, sub, f);
      if (fs.readFileSync(file, 'utf8') === 'weights-of-tiny\n') {
        fs.chmodSync(file, 0o644);
        fs.writeFileSync(file, 'weights-of-evil\n');
        corrupted += 1;
      }
    }
  }
  t.is(corrupted, 1);
  fs.rmSync(path.join(dir, 'artifacts'), { recursive: true });
  const r = await pipe(dir, 'run', 'train');
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /cache object [0-9a-f]{64} is corrupt \(removed\); running the stage instead/);
  t.is(read(dir, 'artifacts/models/tiny/w.txt'), 'weights-of-tiny\n');
  t.is(runsOf(dir, 'train'), 2);
});

test('gc keeps what runs refer to; gc --runs forgets runs pipe.lock does not point at', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': perModel });
  await pipe(dir, 'run');
  await pipe(dir, 'run', '--model', 'big');
  const plain = await pipe(dir, 'gc');
  t.regex(plain.stdout, /removed 0 cache objects .*0 cached runs/);
  const runs = await pipe(dir, 'gc', '--runs');
  t.regex(runs.stdout, /removed [1-9]\d* cache objects .*, 2 cached runs/);
  fs.rmSync(path.join(dir, 'artifacts'), { recursive: true });
  await pipe(dir, 'run', '--model', 'tiny');
  t.is(runsOf(dir, 'train'), 3, 'tiny was forgotten, so it is computed again');
});

test('a cache directory shared between two projects lets one reuse the other\'s results', async (t) => {
  const shared = tmp('shared-cache-');
  const a = makeProject({ 'pipeline.yaml': perModel });
  const b = makeProject({ 'pipeline.yaml': perModel });
  t.is((await pipe(a, 'run', '--cache-dir', shared)).code, 0);
  const r = await pipe(b, 'run', '--cache-dir', shared);
  t.is(r.code, 0);
  t.regex(r.stdout, /↺ train: restored from the run cache/);
  t.is(runsOf(b, 'train'), 0);
  t.is(read(b, 'out/tiny.txt'), 'weights-of-tiny\n');
});

test('gc removes Slurm job scripts and all but the newest Slurm log of each stage when no cluster run is in flight', async (t) => {
  const dir = makeProject({
    'pipeline.yaml': 'stages:\n  s:\n    cmd: echo > o\n    outs: [o]\n',
    '.pipe/logs/s.slurm-3.log': 'old',
    '.pipe/logs/s.slurm-12.log': 'new',
    '.pipe/logs/s.log': 'local',
    '.pipe/slurm/s.sh': '#!/bin/bash\n',
  });
  const r = await pipe(dir, 'gc');
  t.regex(r.stdout, /, 2 Slurm leftovers/);
  t.deepEqual(fs.readdirSync(path.join(dir, '.pipe/logs')).sort(), ['s.log', 's.slurm-12.log']);
  t.deepEqual(fs.readdirSync(path.join(dir, '.pipe/slurm')), []);
});
