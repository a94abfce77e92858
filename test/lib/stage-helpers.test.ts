import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { evalSetFiles, splitFiles } from '../../lib/split-files.js';
import { StageParams } from '../../lib/stage-params.js';
import { tmp } from '../helpers/files.js';

test('splitFiles finds the files in a split folder or as direct dependencies, and names what is missing', (t) => {
  const dir = tmp('lib-split-');
  for (const f of ['train.jsonl', 'val.jsonl']) fs.writeFileSync(path.join(dir, f), '');
  const direct = path.join(tmp('lib-split-'), 'test.jsonl');
  fs.writeFileSync(direct, '');
  t.deepEqual(splitFiles('eval', [dir, direct], ['val', 'test']), { val: path.join(dir, 'val.jsonl'), test: direct });
  t.throws(() => splitFiles('eval', [dir], ['val', 'test']), {
    message: `eval: no test.jsonl among the dependencies (${dir}); depend on the split folder artifacts/split/`,
  });
});

test('evalSetFiles adds the further evaluation sets the split manifest lists, after val and test', (t) => {
  const dir = tmp('lib-split-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const f of ['val.jsonl', 'test.jsonl', 'opinionqa.jsonl']) fs.writeFileSync(path.join(dir, f), '');
  t.deepEqual(evalSetFiles('eval', [dir]), { val: path.join(dir, 'val.jsonl'), test: path.join(dir, 'test.jsonl') });
  const counts = { train: 0, val: 0, test: 0, opinionqa: 0 };
  const manifest = { seed: 1, train_ratio: 0.9, split_by: 'question', shuffle: 'canonical', holdout: { waves: [], groups: [], attributes: [] }, eval_sets: ['opinionqa'], rows: counts, questions: counts, test_questions_in_training: 0, waves: [], groups: [] };
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  t.deepEqual(Object.entries(evalSetFiles('eval', [dir])), [
    ['val', path.join(dir, 'val.jsonl')],
    ['test', path.join(dir, 'test.jsonl')],
    ['opinionqa', path.join(dir, 'opinionqa.jsonl')],
  ]);
});

test('StageParams: defaults for absent and null params, errors naming the stage and the param', (t) => {
  const p = new StageParams('train', { epochs: 3, lr: null, steering: 'BIO', targets: 'q_proj, v_proj', seed: -1 });
  t.is(p.int('epochs', 1), 3);
  t.is(p.number('lr', 2e-4), 2e-4);
  t.is(p.string('missing', 'x'), 'x');
  t.deepEqual(p.strings('targets'), ['q_proj', 'v_proj']);
  t.throws(() => p.int('seed', 42), { message: 'train: param "seed" must be an integer ≥ 1, got -1' });
  t.is(p.int('seed', 42, -1), -1);
  t.throws(() => p.string('steering', 'QA', ['QA', 'PORTRAY']), { message: 'train: param "steering" must be one of QA, PORTRAY, got "BIO"' });
  t.throws(() => p.number('absent'), { message: 'train: param "absent" is required' });
});
