import test from 'ava';
import { validate } from '../../lib/schema.js';
import type { SubpopRow } from '../../survey/rows.js';
import { assignQuestions, splitRows, SPLITS, type Role, type SplitOptions } from '../../survey/split.js';
import { subpopRow } from '../helpers/rows.js';

const row = (wave: string, qkey: string, attribute: string, group: string): SubpopRow =>
  subpopRow({ qkey, wave, attribute, group, question: `${qkey}?`, options: ['Yes', 'No', 'Refused'], n_respondents: 10, weight_sum: 10 });

const GROUPS: [string, string][] = [['POLPARTY', 'Democrat'], ['POLPARTY', 'Republican'], ['RELIG', 'Hindu'], ['EDUCATION', 'College graduate/some postgrad']];
const roles = new Map<string, Role>([['ATP_W1', 'train'], ['ATP_W2', 'train'], ['ATP_W3', 'train'], ['GSS', 'eval']]);
const rows: SubpopRow[] = [
  ...['ATP_W1', 'ATP_W2', 'ATP_W3'].flatMap((w) =>
    Array.from({ length: 20 }, (_, i) => `Q${i}_${w.slice(4)}`).flatMap((q) => GROUPS.map(([a, g]) => row(w, q, a, g))),
  ),
  ...['natenvir', 'trust', 'owngun'].flatMap((q) => GROUPS.map(([a, g]) => row('GSS', q, a, g))),
];
const base: SplitOptions = { seed: 42, trainRatio: 0.9, roles };

/** Deterministic shuffle for the test's own reordering (an LCG, independent of the code under test). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const qkeysOf = (rs: SubpopRow[]) => new Set(rs.map((r) => r.qkey));

test('the question assignment depends only on the seed and the set of qkeys', (t) => {
  const qkeys = Array.from({ length: 3229 }, (_, i) => `Q${i}_W${68 + (i % 53)}`);
  const a = assignQuestions(qkeys, 42, 0.9);
  const b = assignQuestions([...shuffled(qkeys, 7), ...qkeys.slice(0, 100)], 42, 0.9);
  t.deepEqual([...a.entries()].sort(), [...b.entries()].sort());
  // SubPOP's counts for its 3,229 questions: round(0.9 N) / rest
  const train = [...a.values()].filter((v) => v === 'train').length;
  t.is(train, 2906);
  t.is(a.size - train, 323);
  const other = assignQuestions(qkeys, 43, 0.9);
  t.true([...a.keys()].some((q) => a.get(q) !== other.get(q)));
});

test('the shuffle is not biased: over 2,000 seeds every question is in train about 90% of the time', (t) => {
  const qkeys = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J'];
  const inTrain = new Map(qkeys.map((q) => [q, 0]));
  for (let seed = 0; seed < 2000; seed++) {
    for (const [q, s] of assignQuestions(qkeys, seed, 0.9)) if (s === 'train') inTrain.set(q, inTrain.get(q)! + 1);
  }
  // 9 of 10 go to train: expected 1,800 per question, sd ≈ 13
  for (const [q, n] of inTrain) t.true(n > 1730 && n < 1870, `${q}: ${n}`);
});

test('same seed → the same split whatever the input row order; each split is sorted', (t) => {
  const a = splitRows(rows, base);
  const b = splitRows(shuffled(rows, 12345), base);
  t.deepEqual(a, b);
  for (const s of SPLITS) {
    const keys = a.rows[s].map((r) => [r.qkey, r.wave, r.attribute, r.group].join('\u0000'));
    t.deepEqual(keys, [...keys].sort());
  }
  validate('split-manifest', a.manifest, 'manifest');
});

test('questions are disjoint across splits; the evaluation survey is all test', (t) => {
  const { rows: out, manifest } = splitRows(rows, base);
  const [train, val, test_] = [qkeysOf(out.train), qkeysOf(out.val), qkeysOf(out.test)];
  t.is([...train].filter((q) => val.has(q) || test_.has(q)).length, 0);
  t.is([...val].filter((q) => test_.has(q)).length, 0);
  t.deepEqual([...test_].sort(), ['natenvir', 'owngun', 'trust']);
  // 60 training questions: 54 train, 6 val; every group row of a question goes with it
  t.is(train.size, 54);
  t.is(val.size, 6);
  t.deepEqual(manifest.rows, { train: 54 * 4, val: 6 * 4, test: 3 * 4 });
  t.deepEqual(manifest.questions, { train: 54, val: 6, test: 3 });
  t.is(manifest.test_questions_in_training, 0);
  t.like(manifest.waves.find((w) => w.wave === 'GSS'), { role: 'eval', rows: { train: 0, val: 0, test: 12 } });
});

test('held-out waves go to test whole and leave the other questions’ shuffle alone', (t) => {
  const { rows: out, manifest } = splitRows(rows, { ...base, holdoutWaves: ['ATP_W2'] });
  t.true(out.test.filter((r) => r.wave === 'ATP_W2').length === 80);
  t.false([...out.train, ...out.val].some((r) => r.wave === 'ATP_W2'));
  t.like(manifest.waves.find((w) => w.wave === 'ATP_W2'), { rows: { train: 0, val: 0, test: 80 } });
  // the train/val assignment is that of the remaining qkey set
  const expected = assignQuestions(rows.filter((r) => r.wave === 'ATP_W1' || r.wave === 'ATP_W3').map((r) => r.qkey), 42, 0.9);
  for (const r of [...out.train, ...out.val]) t.is(expected.get(r.qkey), out.train.includes(r) ? 'train' : 'val');
});

test('held-out groups and attributes: their rows go to test only; the question split stays the same', (t) => {
  const plain = splitRows(rows, base);
  const { rows: out, manifest } = splitRows(rows, { ...base, holdoutGroups: ['RELIG/Hindu', 'EDUCATION/College graduate/some postgrad'] });
  t.false([...out.train, ...out.val].some((r) => r.group === 'Hindu' || r.attribute === 'EDUCATION'));
  t.is(out.test.filter((r) => r.group === 'Hindu').length, 63);
  t.deepEqual(qkeysOf(out.train), qkeysOf(plain.rows.train));
  t.deepEqual(qkeysOf(out.val), qkeysOf(plain.rows.val));
  t.is(manifest.test_questions_in_training, 60);
  t.deepEqual(manifest.groups.find((g) => g.group === 'Hindu')!.rows, { train: 0, val: 0, test: 63 });

  const byAttribute = splitRows(rows, { ...base, holdoutAttributes: ['POLPARTY'] });
  t.false([...byAttribute.rows.train, ...byAttribute.rows.val].some((r) => r.attribute === 'POLPARTY'));
  t.is(byAttribute.rows.test.length, 12 + 60 * 2);
});

test('bad holdouts, unknown waves and duplicate rows are errors', (t) => {
  t.throws(() => splitRows(rows, { ...base, holdoutGroups: ['Hindu'] }), { message: 'holdout_groups: no rows of group "Hindu" (write ATTRIBUTE/Group)' });
  t.throws(() => splitRows(rows, { ...base, holdoutAttributes: ['AGE'] }), { message: 'holdout_attributes: no rows of attribute "AGE"' });
  t.throws(() => splitRows(rows, { ...base, holdoutWaves: ['ATP_W9'] }), { message: 'holdout_waves: "ATP_W9" is not a wave of the wave set' });
  t.throws(() => splitRows([row('ATP_W7', 'Q', 'RELIG', 'Hindu')], base, 'rows.jsonl'), { message: 'rows.jsonl: wave "ATP_W7" (qkey Q) is not in the wave set' });
  t.throws(() => splitRows([rows[0]!, rows[0]!], base, 'rows.jsonl'), { message: /^rows\.jsonl: duplicate row for Q0_W1 \/ ATP_W1 \/ POLPARTY \/ Democrat$/ });
  t.throws(() => splitRows(rows, { ...base, trainRatio: 1.5 }), { message: 'train_ratio must lie in [0, 1] (got 1.5)' });
});

test('split by stem: a question asked in several waves goes wholly to train or to validation', (t) => {
  const pew = ['ATP_W1', 'ATP_W2', 'ATP_W3'].flatMap((w) =>
    Array.from({ length: 20 }, (_, i) => `STEM${i}_${w.replace('ATP_', '')}`).flatMap((q) => GROUPS.map(([a, g]) => row(w, q, a, g))),
  );
  const stemOf = (r: SubpopRow) => r.qkey.replace(/_W\d+$/, '');
  const sidesPerStem = (out: Record<string, SubpopRow[]>) => {
    const sides = new Map<string, Set<string>>();
    for (const s of ['train', 'val'] as const) for (const r of out[s]!) (sides.get(stemOf(r)) ?? sides.set(stemOf(r), new Set()).get(stemOf(r))!).add(s);
    return [...sides.values()].map((v) => v.size);
  };
  const byStem = splitRows(pew, { ...base, by: 'stem' });
  t.true(sidesPerStem(byStem.rows).every((n) => n === 1));
  t.is(byStem.manifest.split_by, 'stem');
  t.deepEqual(byStem.manifest.questions, { train: 18 * 3, val: 2 * 3, test: 0 });
  // By qkey (SubPOP), the same stem lands on both sides: validation then partly tests recall.
  const byQuestion = splitRows(pew, base);
  t.true(sidesPerStem(byQuestion.rows).some((n) => n === 2));
  t.is(byQuestion.manifest.split_by, 'question');
  validate('split-manifest', byStem.manifest, 'manifest');
});

test('an evaluation wave with an eval_set of its own forms that set; held-out training waves stay in test', (t) => {
  const opinion = ['Q1_W26', 'Q2_W26'].flatMap((q) => GROUPS.map(([a, g]) => row('ATP_W26', q, a, g)));
  const withOpinion = new Map<string, Role>([...roles, ['ATP_W26', 'eval']]);
  const evalSets = new Map([['ATP_W26', 'opinionqa'], ['GSS', 'test']]);
  const { rows: out, manifest } = splitRows([...rows, ...opinion], { ...base, roles: withOpinion, evalSets, holdoutWaves: ['ATP_W3'] });
  t.deepEqual(manifest.eval_sets, ['opinionqa']);
  t.is(out.opinionqa!.length, opinion.length);
  t.deepEqual(qkeysOf(out.opinionqa!), new Set(['Q1_W26', 'Q2_W26']));
  t.deepEqual([...new Set(out.test.map((r) => r.wave))].sort(), ['ATP_W3', 'GSS']);
  t.like(manifest, { rows: { test: 12 + 80, opinionqa: 8 }, questions: { test: 3 + 20, opinionqa: 2 } });
  t.like(manifest.waves.find((w) => w.wave === 'ATP_W26'), { rows: { train: 0, val: 0, test: 0, opinionqa: 8 } });
  validate('split-manifest', manifest, 'manifest');
  t.throws(() => splitRows(rows, { ...base, evalSets: new Map([['ATP_W1', 'opinionqa']]) }), {
    message: 'eval_set: wave "ATP_W1" names evaluation set "opinionqa" but is not an evaluation wave',
  });
  t.throws(() => splitRows(rows, { ...base, evalSets: new Map([['GSS', 'val']]) }), { message: 'eval_set: wave "GSS" may not name its evaluation set "val"' });
});
