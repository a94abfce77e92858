import test from 'ava';
import fs from 'node:fs';
import type { SubpopRow } from '../../survey/rows.js';
import { numpyShuffle, pythonRound } from '../../survey/numpy-legacy.js';
import { assignQuestionsNumpy, splitRows, type Role } from '../../survey/split.js';
import { subpopRow } from '../helpers/rows.js';

interface Case {
  name: string;
  qkeys: string[] | string;
  seed: number;
  train_ratio: number;
  order: number[];
  train_end: number;
  val_end: number;
}

// Made by numpy itself (test/fixtures/survey/numpy_split.py), following the authors' prepare_finetuning_data.py.
const cases = fs
  .readFileSync('test/fixtures/survey/numpy-split.jsonl', 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Case);
const qkeysOf = (c: Case): string[] =>
  typeof c.qkeys === 'string' ? Object.values(JSON.parse(fs.readFileSync(c.qkeys, 'utf8')) as Record<string, string[]>).flat() : c.qkeys;

test("numpy's legacy seeded shuffle and Python's round, bit for bit", (t) => {
  for (const c of cases) {
    const qkeys = qkeysOf(c);
    t.deepEqual(numpyShuffle(qkeys, c.seed), c.order.map((i) => qkeys[i]!), c.name);
  }
  t.deepEqual([0.5, 1.5, 2.5, 4.5, 13.5, 2906.1, 322.9].map(pythonRound), [0, 2, 2, 4, 14, 2906, 323]);
  t.throws(() => numpyShuffle([1], -1), { message: /numpy seeds lie in \[0, 2\*\*32 - 1\]/ });
});

test("the authors' split of SubPOP-Train's 3,229 qkeys is 2,906 / 323, question for question as numpy makes it", (t) => {
  for (const c of cases) {
    const qkeys = qkeysOf(c);
    const got = assignQuestionsNumpy(qkeys, c.seed, c.train_ratio);
    const want = new Map(c.order.map((i, pos) => [qkeys[i]!, pos < c.train_end ? 'train' : pos < c.val_end ? 'val' : 'test']));
    t.deepEqual(got, want, c.name);
  }
  const subpop = assignQuestionsNumpy(qkeysOf(cases[0]!), 42, 0.9);
  t.is(subpop.size, 3229);
  t.deepEqual([...subpop.values()].filter((s) => s === 'train').length, 2906);
  t.deepEqual([...subpop.values()].filter((s) => s === 'val').length, 323);
});

test('splitRows with the numpy shuffle follows the order in which the rows name their questions', (t) => {
  const roles = new Map<string, Role>([['SUBPOP_TRAIN', 'train'], ['SUBPOP_EVAL', 'eval']]);
  const qkeys = Array.from({ length: 10 }, (_, i) => `Q${i}`);
  const rowsOf = (order: string[]): SubpopRow[] => [
    ...order.flatMap((qkey) => ['Democrat', 'Republican'].map((group) => subpopRow({ qkey, wave: 'SUBPOP_TRAIN', attribute: 'POLPARTY', group, n_respondents: null, weight_sum: null }))),
    subpopRow({ qkey: 'natenvir', wave: 'SUBPOP_EVAL', attribute: 'POLPARTY', group: 'Democrat', n_respondents: null, weight_sum: null }),
  ];
  const split = (order: string[]) => splitRows(rowsOf(order), { seed: 42, trainRatio: 0.9, roles, shuffle: 'numpy' });
  const inOrder = split(qkeys);
  // numpy's shuffle of Q0..Q9 with seed 42 is 8, 1, 5, 0, 7, 2, 9, 4, 3, 6: the last one is validation.
  t.deepEqual([...new Set(inOrder.rows.val.map((r) => r.qkey))], ['Q6']);
  t.deepEqual(inOrder.rows.test.map((r) => r.qkey), ['natenvir']);
  t.like(inOrder.manifest, { shuffle: 'numpy', questions: { train: 9, val: 1, test: 1 } });
  // The same rows in another order shuffle differently (the canonical shuffle would not care).
  const reversed = split([...qkeys].reverse());
  t.deepEqual([...new Set(reversed.rows.val.map((r) => r.qkey))], ['Q3']);
});
