import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { runScalingSubset } from '../../stages/scaling-subset.js';
import { scalingMetrics, shareOfImprovement, type ScalingResults } from '../../survey/report/scaling.js';
import { readRows, rowsJsonl, type SubpopRow } from '../../survey/rows.js';
import { nestedSubset } from '../../survey/scaling.js';
import { assignQuestions } from '../../survey/split.js';
import { tmp } from '../helpers/files.js';
import { stageContext } from '../helpers/stage-context.js';
import { subpopRow } from '../helpers/rows.js';

const row = (qkey: string, group: string): SubpopRow => subpopRow({ qkey, wave: 'W1', attribute: 'SEX', group });
// 40 questions × 2 groups; SATIS_W1 and SATIS_W2 share a stem.
const qkeys = [...Array.from({ length: 38 }, (_, i) => `Q${String(i).padStart(2, '0')}_W1`), 'SATIS_W1', 'SATIS_W2'];
const train = qkeys.flatMap((q) => [row(q, 'Male'), row(q, 'Female')]);
const questionsOf = (rows: readonly SubpopRow[]) => new Set([...new Set(rows.map((r) => r.qkey))].sort());
const FRACTIONS = [0.1, 0.25, 0.5, 1];

test('nested subsets: every smaller fraction is inside every larger one, with all rows of its questions', (t) => {
  const subsets = FRACTIONS.map((f) => nestedSubset(train, f, 42));
  // max(1, round(f × 40)) questions: 4, 10, 20, 40.
  t.deepEqual(subsets.map((s) => s.units), [4, 10, 20, 40]);
  t.deepEqual(subsets.map((s) => s.rows.length), [8, 20, 40, 80]);
  for (let i = 1; i < subsets.length; i++) {
    const small = questionsOf(subsets[i - 1]!.rows);
    const large = questionsOf(subsets[i]!.rows);
    t.true([...small].every((q) => large.has(q)), `${FRACTIONS[i - 1]} ⊂ ${FRACTIONS[i]}`);
  }
  t.deepEqual(subsets[3]!.rows, train);
  // The order is the split's seeded shuffle of the sorted questions: the 0.1 subset is its first four.
  const order = [...assignQuestions(qkeys, 42, 4 / 40)].filter(([, side]) => side === 'train').map(([q]) => q);
  t.deepEqual([...questionsOf(subsets[0]!.rows)].sort(), order.sort());
  // A tiny fraction still keeps one question.
  t.is(nestedSubset(train, 0.001, 42).units, 1);
});

test('nested subsets are deterministic: same seed and questions in any row order → same subset; another seed → another', (t) => {
  const a = nestedSubset(train, 0.25, 7);
  const b = nestedSubset([...train].reverse(), 0.25, 7);
  t.deepEqual(questionsOf(a.rows), questionsOf(b.rows));
  t.notDeepEqual(questionsOf(nestedSubset(train, 0.25, 8).rows), questionsOf(a.rows));
  t.throws(() => nestedSubset(train, 0, 1), { message: /a training fraction must be a number in \(0, 1\], got 0/ });
  t.throws(() => nestedSubset(train, 1.5, 1), { message: /got 1\.5/ });
});

test('split_by stem: a stem asked in two waves is kept or dropped whole', (t) => {
  for (const f of [0.05, 0.1, 0.25, 0.5, 0.75]) {
    const kept = questionsOf(nestedSubset(train, f, 3, 'stem').rows);
    t.is(kept.has('SATIS_W1'), kept.has('SATIS_W2'), `fraction ${f}`);
  }
  t.is(nestedSubset(train, 1, 3, 'stem').of_units, 39);
});

test('scaling-subset stage: train.jsonl and subset.json per fraction, byte-identical between runs', (t) => {
  const dir = tmp('scaling-subset-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'split'));
  fs.writeFileSync(path.join(dir, 'split', 'train.jsonl'), rowsJsonl(train));
  const run = (out: string) => {
    runScalingSubset(stageContext({ name: 'scaling-subset@0.25', item: 0.25, params: { seed: 42, split_by: 'question' }, deps: [path.join(dir, 'split')], outs: [out] }));
    return ['train.jsonl', 'subset.json'].map((f) => fs.readFileSync(path.join(out, f), 'utf8'));
  };
  const first = run(path.join(dir, 'a'));
  t.deepEqual(run(path.join(dir, 'b')), first);
  t.deepEqual(JSON.parse(first[1]!), { fraction: 0.25, seed: 42, split_by: 'question', units: 10, of_units: 40, rows: 20, of_rows: 80 });
  t.deepEqual(readRows(path.join(dir, 'a', 'train.jsonl')), nestedSubset(train, 0.25, 42).rows);
  const bad = t.throws(() => runScalingSubset(stageContext({ name: 'scaling-subset@2', item: 2, deps: [path.join(dir, 'split')], outs: [path.join(dir, 'c')] })));
  t.regex(bad!.message, /scaling-subset@2 \(scaling_fractions\): a training fraction must be a number in \(0, 1\], got 2/);
});

test('scaling table numbers: zero-shot at 0, fine-tuned per fraction, bounds; share of the full improvement', (t) => {
  const summary = (wd: number) => ({ rows: 4, wd_rows: 4, wd, attributes: [], groups: [] });
  const metrics = (zs: number, ft: number) => ({
    model: 'tiny',
    steering: 'QA',
    adapter: 'a',
    engine: 'tfjs',
    backend: 'cpu',
    quantisation: 'F32',
    prompts: 4,
    few_shot: null,
    sets: [{ name: 'val', file: 'v', sources: [], rows: 4, skipped_rows: 0, zero_shot: summary(zs), fine_tuned: summary(ft), high_relevance_rows: 0, without_high_relevance: null }],
  });
  const s: ScalingResults = {
    model: 'tiny',
    zeroShot: metrics(0.3, 0.1),
    points: [
      { fraction: 0.25, units: 1, rows: 2, metrics: metrics(0.3, 0.15) },
      { fraction: 1, units: 4, rows: 8, metrics: metrics(0.3, 0.1) },
    ],
    bounds: { bootstrap: { samples: 10, seed: 1 }, sets: [{ name: 'val', file: 'v', rows: 4, skipped_rows: 0, uniform: summary(0.25), human: summary(0.02), high_relevance_rows: 0, without_high_relevance: null }] },
  };
  t.deepEqual(scalingMetrics(s), { val: { '0': 0.3, '0.25': 0.15, '1': 0.1, uniform: 0.25, human: 0.02 } });
  // (0.3 − 0.15) / (0.3 − 0.1) = 0.75
  t.true(Math.abs(shareOfImprovement(0.3, 0.15, 0.1)! - 0.75) < 1e-12);
  t.is(shareOfImprovement(0.1, 0.15, 0.2), null);
});
