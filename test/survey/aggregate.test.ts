import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { DuckDBInstance } from '@duckdb/node-api';
import { aggregate, loadExclusions, type AggregateSummary, type Exclusions, type WaveInput } from '../../survey/aggregate.js';
import { readRows, type SubpopRow } from '../../survey/rows.js';
import { groupSet, loadSubpopulations, type GroupSpec } from '../../survey/subpopulations.js';
import { writeWave, type Labels, type WaveSpec } from './tables.js';

const root = path.resolve(import.meta.dirname, '../..');
const subpops = loadSubpopulations(path.join(root, 'config/subpopulations.yaml'));
const exclusions = loadExclusions(path.join(root, 'config/exclusions.yaml'));
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'subpop-aggregate-test-'));

const IDEO: Labels = [[1, 'Very conservative'], [2, 'Conservative'], [3, 'Moderate'], [4, 'Liberal'], [5, 'Very liberal'], [99, 'Refused']];
const favor: Labels = [[1, 'Favor'], [2, 'Oppose'], [99, 'Refused']];

const ideology = (names: string[]): GroupSpec[] =>
  names.map((group) => ({ attribute: 'POLIDEOLOGY', group, membership: subpops.groups.POLIDEOLOGY![group]! }));

interface Run {
  dir: string;
  rows: SubpopRow[];
  summary: AggregateSummary;
}

async function run(waves: (WaveSpec & { family?: 'atp' | 'gss'; ordinals?: string })[], groups: GroupSpec[], minN = 1, ex: Exclusions = exclusions): Promise<Run> {
  const dir = tmp();
  const inputs: WaveInput[] = [];
  for (const w of waves) {
    inputs.push({ id: w.wave, family: w.family ?? 'atp', tables: await writeWave(path.join(dir, 'tables'), w), ordinals: w.ordinals });
  }
  const outDir = path.join(dir, 'rows');
  const summary = await aggregate({ waves: inputs, groups, exclusions: ex, minN, outDir, waveset: 'test', groupSet: 'test', threads: 2 });
  return { dir, rows: readRows(path.join(outDir, 'rows.jsonl')), summary };
}

const find = (rows: SubpopRow[], qkey: string, group: string) => rows.find((r) => r.qkey === qkey && r.group === group);
const near = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => Math.abs(x - b[i]!) < 1e-12);

// Six respondents; F_IDEO 4 = Liberal, 5 = Very liberal, 2 = Conservative.
const w1: WaveSpec = {
  wave: 'ATP_W1',
  questions: {
    Q1_W1: { text: 'Do you favor the plan?', labels: favor },
    Q2_W1: { text: 'Pick one', labels: [[1, 'A'], [2, 'B'], [3, 'C'], [99, 'Refused']] },
  },
  respondents: {
    r1: { weight: 2.0, profile: { F_IDEO: 4 } },
    r2: { weight: 1.0, profile: { F_IDEO: 4 } },
    r3: { weight: 1.0, profile: { F_IDEO: 5 } },
    r4: { weight: 0.5, profile: { F_IDEO: 2 } },
    r5: { weight: null, profile: { F_IDEO: 4 } },
    r6: { weight: 1.5, profile: { F_IDEO: 2 } },
  },
  answers: {
    Q1_W1: { r1: 1, r2: 2, r3: 1, r4: 99, r5: 1, r6: 2 },
    // r1 did not answer; r6's 98 has no label.
    Q2_W1: { r2: 3, r3: 2, r4: 1, r5: 1, r6: 98 },
  },
  valueLabels: { F_IDEO: IDEO },
};

test('weighted shares, refusal split and missing weights, against hand-computed values', async (t) => {
  const { rows, summary } = await run([w1], ideology(['Liberal', 'Conservative']));
  // Liberal = r1 (2.0, Favor), r2 (1.0, Oppose); r5 has no weight; r3 is "Very liberal", not "Liberal".
  const lib = find(rows, 'Q1_W1', 'Liberal')!;
  t.true(near(lib.responses, [2 / 3, 1 / 3]));
  t.is(lib.refusal_rate, 0);
  t.is(lib.n_respondents, 2);
  t.is(lib.weight_sum, 3);
  t.deepEqual(lib.options, ['Favor', 'Oppose', 'Refused']);
  t.deepEqual(lib.ordinal, [1, 2]);
  t.is(lib.question, 'Do you favor the plan?');
  // Conservative = r4 (0.5, Refused), r6 (1.5, Oppose): refusal 0.5/2, responses renormalised without it.
  const con = find(rows, 'Q1_W1', 'Conservative')!;
  t.true(near(con.responses, [0, 1]));
  t.is(con.refusal_rate, 0.25);
  t.is(con.n_respondents, 2);
  t.is(con.weight_sum, 2);
  // Q2: Liberal = r2 only (r1 skipped it, r5 unweighted) → C; Conservative = r4 → A (r6's 98 is no option).
  t.true(near(find(rows, 'Q2_W1', 'Liberal')!.responses, [0, 0, 1]));
  const con2 = find(rows, 'Q2_W1', 'Conservative')!;
  t.true(near(con2.responses, [1, 0, 0]));
  t.is(con2.n_respondents, 1);
  t.is(summary.waves[0]!.uncounted_answers, 1);
  // Output order: wave, qkey, then the group set's order.
  t.deepEqual(rows.map((r) => `${r.qkey}/${r.group}`), ['Q1_W1/Liberal', 'Q1_W1/Conservative', 'Q2_W1/Liberal', 'Q2_W1/Conservative']);
});

test('min_n drops rows and counts them; a group that only refused yields no row', async (t) => {
  const w: WaveSpec = {
    ...w1,
    answers: { ...w1.answers, Q1_W1: { r1: 1, r2: 2, r3: 1, r4: 99, r6: 99 } },
  };
  const { rows, summary } = await run([w], ideology(['Liberal', 'Conservative']), 2);
  // Q1: Conservative refused entirely (r4, r6); Q2: each group has a single respondent (< 2).
  t.deepEqual(rows.map((r) => `${r.qkey}/${r.group}`), ['Q1_W1/Liberal']);
  t.is(summary.rows, 1);
  t.is(summary.below_min_n, 2);
  t.is(summary.all_refused, 1);
  const con = summary.waves[0]!.groups.find((g) => g.group === 'Conservative')!;
  t.like(con, { rows: 0, below_min_n: 1, all_refused: 1 });
});

test('prefix label vs exact label list; matching ignores case', async (t) => {
  const groups: GroupSpec[] = [
    { attribute: 'POLIDEOLOGY', group: 'Liberal', membership: { atp: { variable: 'F_IDEO', label: 'LIBERAL' } } },
    { attribute: 'POLIDEOLOGY', group: 'Any liberal', membership: { atp: { variable: 'F_IDEO', labels: ['liberal', 'VERY LIBERAL'] } } },
    // a prefix takes only the first label (code order) that starts with it
    { attribute: 'POLIDEOLOGY', group: 'Very', membership: { atp: { variable: 'F_IDEO', label: 'very' } } },
  ];
  const { rows, summary } = await run([w1], groups);
  const members = Object.fromEntries(summary.waves[0]!.groups.map((g) => [g.group, g.members.map((m) => m.code)]));
  t.deepEqual(members, { Liberal: [4], 'Any liberal': [4, 5], Very: [1] });
  // Any liberal = r1 (2, Favor), r2 (1, Oppose), r3 (1, Favor): Favor 3/4
  t.true(near(find(rows, 'Q1_W1', 'Any liberal')!.responses, [0.75, 0.25]));
  t.is(find(rows, 'Q1_W1', 'Very'), undefined);
  t.is(summary.waves[0]!.groups.find((g) => g.group === 'Very')!.below_min_n, 2);
});

const SEX: Labels = [[1, 'Male'], [2, 'Female'], [99, 'Refused']];
const GENDER: Labels = [[1, 'A man'], [2, 'A woman'], [3, 'In some other way'], [99, 'Refused']];
const INC_SDT1: Labels = [
  [1, 'Less than $30,000'], [2, '$30,000 to less than $40,000'], [3, '$40,000 to less than $50,000'],
  [4, '$50,000 to less than $60,000'], [5, '$60,000 to less than $70,000'], [6, '$70,000 to less than $80,000'],
  [7, '$80,000 to less than $90,000'], [8, '$90,000 to less than $100,000'], [9, '$100,000 or more'], [99, 'Refused'],
];
const INCOME: Labels = [
  [1, 'Less than $10,000'], [2, '10 to under $20,000'], [3, '20 to under $30,000'], [4, '30 to under $40,000'],
  [5, '40 to under $50,000'], [6, '50 to under $75,000'], [7, '75 to under $100,000'], [8, '100 to under $150,000'],
  [9, '$150,000 or more'], [99, 'Refused'],
];
const sexIncome = groupSet(subpops, 'subpop22').filter((g) => g.attribute === 'SEX' || g.attribute === 'INCOME');

test('label fallbacks: F_GENDER "A man"/"A woman", F_SEX_FINAL before F_SEX, old and new income variables', async (t) => {
  const newer: WaveSpec = {
    wave: 'ATP_W2',
    questions: { Q_W2: { text: 'q', labels: favor } },
    respondents: {
      a: { weight: 1, profile: { F_GENDER: 1, F_INC_SDT1: 1 } },
      b: { weight: 1, profile: { F_GENDER: 2, F_INC_SDT1: 9 } },
      c: { weight: 1, profile: { F_GENDER: 3, F_INC_SDT1: 6 } },
    },
    answers: { Q_W2: { a: 1, b: 2, c: 2 } },
    valueLabels: { F_GENDER: GENDER, F_INC_SDT1: INC_SDT1 },
  };
  const older: WaveSpec = {
    wave: 'ATP_W3',
    questions: { Q_W3: { text: 'q', labels: favor } },
    respondents: {
      // F_SEX_FINAL decides where it and F_SEX disagree
      a: { weight: 1, profile: { F_SEX_FINAL: 1, F_SEX: 2, F_INCOME: 3 } },
      b: { weight: 1, profile: { F_SEX_FINAL: 2, F_SEX: 1, F_INCOME: 8 } },
      c: { weight: 1, profile: { F_SEX_FINAL: 2, F_SEX: 2, F_INCOME: 1 } },
    },
    answers: { Q_W3: { a: 1, b: 2, c: 2 } },
    valueLabels: { F_SEX_FINAL: SEX, F_SEX: SEX, F_INCOME: INCOME },
  };
  const { rows, summary } = await run([newer, older], sexIncome);
  const members = (wave: number, group: string) =>
    summary.waves[wave]!.groups.find((g) => g.group === group)!.members.map((m) => `${m.variable}=${m.code}`);
  t.deepEqual(members(0, 'Male'), ['F_GENDER=1']);
  t.deepEqual(members(0, 'Female'), ['F_GENDER=2']);
  t.deepEqual(members(0, 'Less than $30,000'), ['F_INC_SDT1=1']);
  t.deepEqual(members(0, '$100,000 or more'), ['F_INC_SDT1=9']);
  t.deepEqual(members(1, 'Male'), ['F_SEX_FINAL=1']);
  t.deepEqual(members(1, 'Less than $30,000'), ['F_INCOME=1', 'F_INCOME=2', 'F_INCOME=3']);
  t.deepEqual(members(1, '$100,000 or more'), ['F_INCOME=8', 'F_INCOME=9']);
  // W2: a (man, <30k) favours, b (woman, 100k+) opposes; c (other gender, 70-80k) is in no group
  t.deepEqual(find(rows, 'Q_W2', 'Male')!.responses, [1, 0]);
  t.deepEqual(find(rows, 'Q_W2', 'Female')!.responses, [0, 1]);
  t.deepEqual(find(rows, 'Q_W2', '$100,000 or more')!.responses, [0, 1]);
  // W3: Male = a only (F_SEX_FINAL), Female = b, c; <30k = a (code 3) and c (code 1)
  t.deepEqual(find(rows, 'Q_W3', 'Male')!.responses, [1, 0]);
  t.deepEqual(find(rows, 'Q_W3', 'Female')!.n_respondents, 2);
  t.deepEqual(find(rows, 'Q_W3', 'Less than $30,000')!.responses, [0.5, 0.5]);
});

test('a group that cannot be formed in a wave is skipped and reported', async (t) => {
  const anes: WaveSpec = {
    wave: 'ATP_W996',
    questions: { Q_W996: { text: 'q', labels: favor } },
    respondents: { a: { weight: 1, profile: { F_INCOME: 1 } } },
    answers: { Q_W996: { a: 1 } },
    valueLabels: { F_INCOME: INCOME.filter(([c]) => c > 3) },
  };
  const { rows, summary } = await run([anes], sexIncome);
  const skipped = summary.waves[0]!.skipped.map((s) => s.message);
  t.deepEqual(skipped, [
    'ATP_W996: SEX/Male skipped: none of F_SEX_FINAL, F_SEX, F_GENDER present',
    'ATP_W996: SEX/Female skipped: none of F_SEX_FINAL, F_SEX, F_GENDER present',
    'ATP_W996: INCOME/Less than $30,000 skipped: no value label of F_INCOME is one of "Less than $10,000", "10 to under $20,000", "20 to under $30,000"',
  ]);
  t.deepEqual(summary.waves[0]!.groups.map((g) => g.group), ['$100,000 or more']);
  t.is(rows.length, 0);
  t.is(summary.below_min_n, 1);
});
