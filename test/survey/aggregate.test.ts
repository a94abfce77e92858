import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { DuckDBInstance } from '@duckdb/node-api';
import { aggregate, loadExclusions, type AggregateSummary, type Exclusions, type WaveInput } from '../../survey/aggregate.js';
import { readRows, type SubpopRow } from '../../survey/rows.js';
import { groupSet, loadSubpopulations, type GroupSpec } from '../../survey/subpopulations.js';
import type { QuestionList } from '../../survey/question-lists.js';
import { writeWave, type Labels, type WaveSpec } from './tables.js';
import { tmp } from '../helpers/files.js';

const root = path.resolve(import.meta.dirname, '../..');
const subpops = loadSubpopulations(path.join(root, 'config/subpopulations.yaml'));
const exclusions = loadExclusions(path.join(root, 'config/exclusions.yaml'));

const IDEO: Labels = [[1, 'Very conservative'], [2, 'Conservative'], [3, 'Moderate'], [4, 'Liberal'], [5, 'Very liberal'], [99, 'Refused']];
const favor: Labels = [[1, 'Favor'], [2, 'Oppose'], [99, 'Refused']];

const ideology = (names: string[]): GroupSpec[] =>
  names.map((group) => ({ attribute: 'POLIDEOLOGY', group, membership: subpops.groups.POLIDEOLOGY![group]! }));

interface Run {
  dir: string;
  rows: SubpopRow[];
  summary: AggregateSummary;
}

async function run(
  waves: (WaveSpec & { family?: 'atp' | 'gss'; role?: 'train' | 'eval'; ordinals?: string; allowlist?: QuestionList })[],
  groups: GroupSpec[],
  minN = 1,
  ex: Exclusions = exclusions,
  threads = 2,
): Promise<Run> {
  const dir = tmp();
  const inputs: WaveInput[] = [];
  for (const w of waves) {
    const family = w.family ?? 'atp';
    const role = w.role ?? (family === 'gss' ? 'eval' : 'train');
    inputs.push({ id: w.wave, family, role, tables: await writeWave(path.join(dir, 'tables'), w), ordinals: w.ordinals, allowlist: w.allowlist });
  }
  const outDir = path.join(dir, 'rows');
  const summary = await aggregate({ waves: inputs, groups, exclusions: ex, minN, outDir, waveset: 'test', groupSet: 'test', threads });
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

test('population.jsonl: every question over all weighted respondents, whatever their group, against hand-computed values', async (t) => {
  const { dir, summary } = await run([w1], ideology(['Liberal']));
  const population = readRows(path.join(dir, 'rows', 'population.jsonl'));
  // Q1: r1 2.0 Favor, r2 1.0 Oppose, r3 1.0 Favor, r4 0.5 Refused, r6 1.5 Oppose (r5 has no weight): the
  // Conservatives r4, r6 and the Very liberal r3 count although the set has no group for them.
  // Answered weight 5.5: Favor 3/5.5, Oppose 2.5/5.5; refusal 0.5/6.
  const q1 = population.find((r) => r.qkey === 'Q1_W1')!;
  t.like(q1, { attribute: 'OVERALL', group: 'Overall', wave: 'ATP_W1', n_respondents: 5, weight_sum: 6 });
  t.true(near(q1.responses, [3 / 5.5, 2.5 / 5.5]));
  t.true(Math.abs(q1.refusal_rate - 0.5 / 6) < 1e-15);
  // Q2: r2 1.0 C, r3 1.0 B, r4 0.5 A (r6's 98 is no option): A 0.2, B 0.4, C 0.4.
  const q2 = population.find((r) => r.qkey === 'Q2_W1')!;
  t.true(near(q2.responses, [0.2, 0.4, 0.4]));
  t.is(q2.n_respondents, 3);
  t.is(summary.population_rows, 2);
  // The population is no group: it adds no row to rows.jsonl and nothing to the group counts.
  t.deepEqual(summary.waves[0]!.groups.map((g) => g.group), ['Liberal']);
});

test('a GSS question whose variable defines the group yields no row for that group, and is counted', async (t) => {
  const married: GroupSpec = { attribute: 'MARITAL', group: 'Married', membership: { gss: { variable: 'marital', codes: [1] } } };
  const w: WaveSpec & { family: 'gss' } = {
    wave: 'GSS_T',
    family: 'gss',
    questions: {
      marital: { text: 'Are you married?', labels: [[1, 'married'], [2, 'widowed'], [5, 'never married']] },
      happy: { text: 'Are you happy?', labels: [[1, 'very happy'], [2, 'pretty happy'], [3, 'not too happy']] },
    },
    respondents: { a: { weight: 1, profile: { marital: 1 } }, b: { weight: 1, profile: { marital: 5 } } },
    answers: { marital: { a: 1, b: 5 }, happy: { a: 1, b: 3 } },
    valueLabels: { marital: [[1, 'married'], [2, 'widowed'], [5, 'never married']] },
  };
  const { dir, rows, summary } = await run([w], [married]);
  t.deepEqual(rows.map((r) => `${r.qkey}/${r.group}`), ['happy/Married']);
  t.is(summary.defines_group, 1);
  t.like(summary.waves[0]!.groups[0]!, { rows: 1, defines_group: 1 });
  // The whole population still gets both questions.
  t.deepEqual(readRows(path.join(dir, 'rows', 'population.jsonl')).map((r) => r.qkey), ['happy', 'marital']);
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
    'ATP_W996: INCOME/Less than $30,000 skipped: no value label of F_INCOME is one of "Less than $10,000", "$10,000 to less than $20,000", "$20,000 to less than $30,000"; ' +
      'no value label of F_INCOME is one of "Less than $10,000", "10 to under $20,000", "20 to under $30,000"',
  ]);
  t.deepEqual(summary.waves[0]!.groups.map((g) => g.group), ['$100,000 or more']);
  t.is(rows.length, 0);
  t.is(summary.below_min_n, 1);
});

// F_INCOME as SubPOP's conversion table spells it, Pew's other spelling being INCOME above.
const INCOME_AUTHORS: Labels = [
  [1, 'Less than $10,000'], [2, '$10,000 to less than $20,000'], [3, '$20,000 to less than $30,000'],
  [4, '$30,000 to less than $40,000'], [5, '$40,000 to less than $50,000'], [6, '$50,000 to less than $75,000'],
  [7, '$75,000 to less than $100,000'], [8, '$100,000 to less than $150,000'], [9, '$150,000 or more'], [99, 'Refused'],
];
const incomeWave = (wave: string, variable: string, labels: Labels): WaveSpec => ({
  wave,
  questions: { [`Q_${wave}`]: { text: 'q', labels: favor } },
  respondents: Object.fromEntries(labels.map(([code], i) => [`r${i}`, { weight: 1, profile: { [variable]: code } }])),
  answers: { [`Q_${wave}`]: Object.fromEntries(labels.map((_, i) => [`r${i}`, 1 + (i % 2)])) },
  valueLabels: { [variable]: labels },
});
const income5 = groupSet(subpops, 'opinionqa61').filter((g) => g.attribute === 'INCOME');

test('income groups: both F_INCOME spellings and F_INC_SDT1 give the same brackets as SubPOP', async (t) => {
  const { summary } = await run(
    [incomeWave('ATP_W4', 'F_INCOME', INCOME_AUTHORS), incomeWave('ATP_W5', 'F_INCOME', INCOME), incomeWave('ATP_W6', 'F_INC_SDT1', INC_SDT1)],
    income5,
  );
  const codes = summary.waves.map((w) => Object.fromEntries(w.groups.map((g) => [g.group, g.members.map((m) => m.code)])));
  const fIncome = { 'Less than $30,000': [1, 2, 3], '$30,000-$50,000': [4, 5], '$50,000-$75,000': [6], '$75,000-$100,000': [7], '$100,000 or more': [8, 9] };
  t.deepEqual(codes[0], fIncome);
  t.deepEqual(codes[1], fIncome);
  // SubPOP's F_INC_SDT1 $50-75k takes 70-80k.
  t.deepEqual(codes[2], { 'Less than $30,000': [1], '$30,000-$50,000': [2, 3], '$50,000-$75,000': [4, 5, 6], '$75,000-$100,000': [7, 8], '$100,000 or more': [9] });
  t.true(summary.waves.every((w) => w.skipped.length === 0));
});

test('a label list a wave matches only in part is an error naming the wave, group, variable, missing labels and labels present', async (t) => {
  // A third spelling: only "Less than $10,000" and "$150,000 or more" are shared with the rules.
  const mixed: Labels = [[1, 'Less than $10,000'], [2, '$10,000-$19,999'], [3, '$20,000-$29,999'], [4, '$150,000 or more'], [99, 'Refused']];
  const err = await t.throwsAsync(run([incomeWave('ATP_W7', 'F_INCOME', mixed)], sexIncome.filter((g) => g.group === 'Less than $30,000')));
  t.is(
    err!.message,
    'ATP_W7: group INCOME/Less than $30,000: F_INCOME has only some of the value labels the group\'s rule lists: missing ' +
      '["Less than $10,000", "$10,000 to less than $20,000", "$20,000 to less than $30,000"] lacks "$10,000 to less than $20,000", "$20,000 to less than $30,000"; ' +
      '["Less than $10,000", "10 to under $20,000", "20 to under $30,000"] lacks "10 to under $20,000", "20 to under $30,000". ' +
      'Value labels of F_INCOME: 1 "Less than $10,000", 2 "$10,000-$19,999", 3 "$20,000-$29,999", 4 "$150,000 or more", 99 "Refused". ' +
      'Add the wave\'s spelling as another F_INCOME rule of the group.',
  );
  // One spelling only: F_INC_SDT1 without its 70-80k bracket.
  const sdt1 = INC_SDT1.filter(([c]) => c !== 6);
  await t.throwsAsync(run([incomeWave('ATP_W8', 'F_INC_SDT1', sdt1)], income5), {
    message: /^ATP_W8: group INCOME\/\$50,000-\$75,000: F_INC_SDT1 has only some of the value labels the group's rule lists: missing "\$70,000 to less than \$80,000"\. Value labels of F_INC_SDT1: 1 "Less than \$30,000", /,
  });
});

const MISSING: Labels = [[-100, 'inapplicable'], [-99, 'no answer'], [-98, 'do not know/cannot choose'], [-97, 'skipped on web']];
const YESNO: Labels = [[1, 'yes'], [2, 'no']];
const gss: WaveSpec & { family: 'gss' } = {
  wave: 'GSS_T',
  family: 'gss',
  questions: {
    natenvir: { text: 'Are we spending too much, too little, or about the right amount on improving the environment?', labels: [...MISSING, [1, 'too little'], [2, 'about right'], [3, 'too much']] },
    owngun: { text: 'Do you happen to have in your home any guns?', labels: [...MISSING, [1, 'yes'], [2, 'no'], [3, 'refused']] },
    trust: { text: 'Can people be trusted?', labels: [...MISSING, [1, 'can trust'], [2, "can't be too careful"], [3, 'depends']] },
    // ten answer options + "Refused" = eleven letters
    natbig: { text: 'Ten options', labels: Array.from({ length: 10 }, (_, i): [number, string] => [i + 1, `option ${i + 1}`]) },
  },
  respondents: {
    g1: { weight: 1, profile: { region: 1, raceacs4: 1, raceacs5: 2 } },
    g2: { weight: 3, profile: { region: 2, raceacs4: 2, raceacs5: 1 } },
    g3: { weight: 2, profile: { region: 5, raceacs4: 1, raceacs5: 1 } },
    g4: { weight: 1, profile: { region: 9, raceacs4: 2, raceacs5: 2 } },
  },
  answers: {
    natenvir: { g1: 1, g2: 3, g3: 2, g4: 1 },
    owngun: { g1: 1, g2: 3, g3: 2 },
    trust: { g1: 1, g2: 2, g3: 3 },
    natbig: { g1: 1 },
  },
  valueLabels: { region: [[1, 'new england'], [2, 'middle atlantic'], [5, 'south atlantic'], [9, 'pacific']], raceacs4: YESNO, raceacs5: YESNO },
};
const gssGroups = groupSet(subpops, 'opinionqa61').filter((g) =>
  ['CREGION/Northeast', 'CREGION/West', 'RACE/Asian', 'SEX/Male', 'MARITAL/Living with a partner'].includes(`${g.attribute}/${g.group}`),
);

test('GSS: code sets, any_of race flags, missing-code labels, "refused" option, skipped groups', async (t) => {
  const { rows, summary } = await run([gss], gssGroups);
  const s = summary.waves[0]!;
  t.deepEqual(s.skipped.map((x) => x.message), ['GSS_T: SEX/Male skipped: sexnow1 not present', 'GSS_T: MARITAL/Living with a partner skipped: no gss rule']);
  t.deepEqual(s.groups.find((g) => g.group === 'Asian')!.members.map((m) => m.variable), ['raceacs4', 'raceacs5']);
  t.deepEqual(s.excluded_questions, [{ qkey: 'natbig', reason: '11 options, more than 10' }]);
  // Asian = g1 (1), g2 (3), g3 (2, both flags, counted once)
  const asian = find(rows, 'natenvir', 'Asian')!;
  t.deepEqual(asian.options, ['too little', 'about right', 'too much', 'Refused']);
  t.true(near(asian.responses, [1 / 6, 2 / 6, 3 / 6]));
  t.is(asian.n_respondents, 3);
  t.is(asian.refusal_rate, 0);
  // Northeast = region 1, 2 = g1, g2
  t.true(near(find(rows, 'natenvir', 'Northeast')!.responses, [0.25, 0, 0.75]));
  // West = region 8, 9 (Mountain, Pacific) = g4
  t.true(near(find(rows, 'natenvir', 'West')!.responses, [1, 0, 0]));
  // owngun's "refused" is the refusal: Asian 3/6 refused, yes 1 / no 2 among the rest
  const gun = find(rows, 'owngun', 'Asian')!;
  t.deepEqual(gun.options, ['yes', 'no', 'Refused']);
  t.is(gun.refusal_rate, 0.5);
  t.true(near(gun.responses, [1 / 3, 2 / 3]));
  t.is(find(rows, 'owngun', 'Northeast')!.refusal_rate, 0.75);
});

function writeJson(data: unknown): string {
  const file = path.join(tmp(), 'refined_qkey_dict.json');
  fs.writeFileSync(file, JSON.stringify(data));
  return file;
}

test("curated ordinals in the authors' refined_qkey_dict.json form", async (t) => {
  const file = writeJson({
    natenvir: { original_qbody: 'x', refined_qbody: 'Spending on the environment?', option_list: ['Too little', 'About right', 'Too much', 'Refused'], ordinal: [1, 2, 3] },
    // reworded options: matched by position in code order
    trust: { refined_qbody: 'Can most people be trusted?', option_list: ['Can trust', 'Cannot trust', 'Depends', 'Refused'], ordinal: [1, 2, 1.5] },
    // a subset of the labels, by text: answers "other" and "didn't vote" are not counted
    pres16: { refined_qbody: 'Who did you vote for?', option_list: ['Clinton', 'Trump', 'Refused'], ordinal: [1, 2] },
    spkath: { refined_qbody: 'Not in this wave', option_list: ['Yes', 'No', 'Refused'], ordinal: [1, 2] },
  });
  const wave = {
    ...gss,
    questions: { ...gss.questions, pres16: { text: 'Vote 2016', labels: [...MISSING, [1, 'clinton'], [2, 'trump'], [3, 'other'], [4, "didn't vote"]] as Labels } },
    answers: { ...gss.answers, pres16: { g1: 1, g2: 2, g3: 3, g4: 4 } },
    ordinals: file,
  };
  const groups = gssGroups.filter((g) => g.group === 'Asian');
  const { rows, summary } = await run([wave], groups);
  const env = find(rows, 'natenvir', 'Asian')!;
  t.is(env.question, 'Spending on the environment?');
  t.deepEqual(env.options, ['Too little', 'About right', 'Too much', 'Refused']);
  t.deepEqual(env.ordinal, [1, 2, 3]);
  t.true(near(env.responses, [1 / 6, 2 / 6, 3 / 6]));
  const trust = find(rows, 'trust', 'Asian')!;
  t.deepEqual(trust.options, ['Can trust', 'Cannot trust', 'Depends', 'Refused']);
  t.deepEqual(trust.ordinal, [1, 2, 1.5]);
  t.true(near(trust.responses, [1 / 6, 3 / 6, 2 / 6]));
  // Asian = g1 (Clinton, 1), g2 (Trump, 3); g3's "other" is not counted
  t.like(find(rows, 'pres16', 'Asian'), { options: ['Clinton', 'Trump', 'Refused'], n_respondents: 2, responses: [0.25, 0.75] });
  // owngun is not curated: value labels and positions
  t.like(find(rows, 'owngun', 'Asian'), { question: gss.questions.owngun!.text, options: ['yes', 'no', 'Refused'], ordinal: [1, 2] });
  t.deepEqual(summary.waves[0]!.ordinals, {
    file,
    matched_by_text: 2,
    matched_by_position: ['trust'],
    without_curated: ['owngun'],
    unused_curated: ['spkath'],
    unused_labels: [{ qkey: 'pres16', labels: ['other', "didn't vote"] }],
    counted_as_refusal: [],
  });
  // g3's and g4's pres16 answers; natbig's answer does not count: the question is excluded
  t.is(summary.waves[0]!.uncounted_answers, 2);
});

test('OpinionQA: curated options past the ordinals ("Not sure") are shown but count like the refusal', async (t) => {
  const file = writeJson({
    EVO_W1: { refined_qbody: 'Which comes closer to your view?', options: ['Humans evolved', 'Humans always existed', 'Not sure', 'Refused'], ordinal: [1, 2] },
  });
  const w: WaveSpec = {
    ...w1,
    questions: { EVO_W1: { text: 'EVO. Evolution', labels: [[1, 'Evolved over time'], [2, 'Existed in present form'], [3, 'Not sure'], [99, 'Refused']] } },
    answers: { EVO_W1: { r1: 1, r2: 3, r3: 2, r4: 2, r6: 99 } },
  };
  const { rows, summary } = await run([{ ...w, ordinals: file }], ideology(['Liberal', 'Conservative']));
  // Liberal = r1 (2.0, evolved), r2 (1.0, not sure): responses over the two ordinal options, not sure as refusal
  t.deepEqual(find(rows, 'EVO_W1', 'Liberal'), {
    qkey: 'EVO_W1', wave: 'ATP_W1', attribute: 'POLIDEOLOGY', group: 'Liberal', question: 'Which comes closer to your view?',
    options: ['Humans evolved', 'Humans always existed', 'Not sure', 'Refused'], ordinal: [1, 2], responses: [1, 0],
    refusal_rate: 1 / 3, n_respondents: 2, weight_sum: 3,
  });
  // Conservative = r4 (0.5, existed), r6 (1.5, refused)
  t.like(find(rows, 'EVO_W1', 'Conservative'), { responses: [0, 1], refusal_rate: 0.75, n_respondents: 2, weight_sum: 2 });
  t.like(summary.waves[0]!.ordinals, { matched_by_position: ['EVO_W1'], counted_as_refusal: [{ qkey: 'EVO_W1', options: ['Not sure'] }] });
});

test('curated ordinals in our YAML form (schemas/ordinals.schema.json)', async (t) => {
  const file = path.join(tmp(), 'ordinals.yaml');
  fs.writeFileSync(
    file,
    [
      'natenvir:',
      '  question: Spending on the environment?',
      '  options: {too little: 1, about right: 2, too much: 3}',
      'trust:',
      '  options:',
      '    Can Trust: 1',
      "    can't be too careful: 2",
      '    depends: 1.5',
      'owngun:',
      '  options: {"yes": 1, "no": -1}',
    ].join('\n'),
  );
  const { rows, summary } = await run([{ ...gss, ordinals: file }], gssGroups.filter((g) => g.group === 'Asian'));
  t.like(find(rows, 'natenvir', 'Asian'), { question: 'Spending on the environment?', options: ['too little', 'about right', 'too much', 'Refused'], ordinal: [1, 2, 3] });
  // matched by text, ignoring case; the curated spelling is what the row shows
  const trust = find(rows, 'trust', 'Asian')!;
  t.deepEqual(trust.options, ['Can Trust', "can't be too careful", 'depends', 'Refused']);
  t.deepEqual(trust.ordinal, [1, 2, 1.5]);
  t.is(trust.question, gss.questions.trust!.text);
  t.like(find(rows, 'owngun', 'Asian'), { ordinal: [1, -1], refusal_rate: 0.5 });
  t.like(summary.waves[0]!.ordinals, { matched_by_text: 3, matched_by_position: [], without_curated: [] });
  const bad = path.join(tmp(), 'bad.yaml');
  fs.writeFileSync(bad, 'trust:\n  options: {a: 1, b: 0}\n');
  await t.throwsAsync(run([{ ...gss, ordinals: bad }], gssGroups), { message: new RegExp(`^${bad}:2:\\d+: `) });
});

test('curated options that match neither by text nor by count are an error naming the file and question', async (t) => {
  const file = writeJson({ trust: { option_list: ['Can trust', 'Cannot trust', 'Refused'], ordinal: [1, 2] } });
  const err = await t.throwsAsync(run([{ ...gss, ordinals: file }], gssGroups));
  t.regex(err.message, new RegExp(`^${file}: trust: option "Cannot trust" matches no value label of GSS_T trust`));
  t.regex(err.message, /option counts differ \(2 vs 3\)/);
});

test('a malformed refined_qkey_dict.json is an error naming the file and key', async (t) => {
  const noRefused = writeJson({ trust: { option_list: ['Can trust', 'Cannot trust'], ordinal: [1, 2] } });
  await t.throwsAsync(run([{ ...gss, ordinals: noRefused }], gssGroups), { message: `${noRefused}: trust: the option list must end with "Refused" (ends with "Cannot trust")` });
  const long = writeJson({ trust: { option_list: ['A', 'B', 'C', 'Refused'], ordinal: [1, 2, 3, 4] } });
  await t.throwsAsync(run([{ ...gss, ordinals: long }], gssGroups), { message: `${long}: trust: 4 ordinals for 3 options before "Refused" (at least 2, at most one each)` });
  const one = writeJson({ trust: { option_list: ['A', 'B', 'C', 'Refused'], ordinal: [1] } });
  await t.throwsAsync(run([{ ...gss, ordinals: one }], gssGroups), { message: `${one}: trust: 1 ordinals for 3 options before "Refused" (at least 2, at most one each)` });
  const untyped = writeJson({ trust: { option_list: ['A', 'Refused'], ordinal: ['1'] } });
  await t.throwsAsync(run([{ ...gss, ordinals: untyped }], gssGroups), { message: new RegExp(`^${untyped}: trust.ordinal.0 must be number`) });
});

test('exclusions: waves, qkey prefixes (ignoring case), listed qkeys, too few options', async (t) => {
  const w: WaveSpec = {
    ...w1,
    questions: { ...w1.questions, PARTYLN_W1: { text: 'Lean', labels: favor }, ONE_W1: { text: 'One option', labels: [[1, 'Yes'], [99, 'Refused']] } },
    answers: { ...w1.answers, PARTYLN_W1: { r1: 1 }, ONE_W1: { r1: 1 } },
  };
  const ex: Exclusions = { ...exclusions, waves: ['ATP_W9'], qkeys: ['Q2_W1'] };
  const { rows, summary } = await run([w, { ...w1, wave: 'ATP_W9' }], ideology(['Liberal']), 1, ex);
  t.deepEqual(summary.excluded_waves, [{ wave: 'ATP_W9', reason: 'listed in waves' }]);
  t.deepEqual(summary.waves.map((x) => x.wave), ['ATP_W1']);
  t.deepEqual(summary.waves[0]!.excluded_questions, [
    { qkey: 'ONE_W1', reason: '1 answer option' },
    { qkey: 'PARTYLN_W1', reason: 'qkey prefix "partyln"' },
    { qkey: 'Q2_W1', reason: 'listed in qkeys' },
  ]);
  t.deepEqual([...new Set(rows.map((r) => r.qkey))], ['Q1_W1']);
});

test('waves not for training are left out as training waves and kept as evaluation waves; qkeys_files list questions to leave out', async (t) => {
  const dir = tmp();
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const errors = path.join(dir, 'error_qkeys_list.json');
  fs.writeFileSync(errors, JSON.stringify(['Q2_W1', 'NOT_IN_ANY_WAVE']));
  const ex: Exclusions = { ...exclusions, not_for_training: ['ATP_W1', 'ATP_W2'], qkeys_files: [errors] };
  const { rows, summary } = await run([w1, { ...w1, wave: 'ATP_W2', role: 'eval' }], ideology(['Liberal']), 1, ex);
  t.deepEqual(summary.excluded_waves, [{ wave: 'ATP_W1', reason: 'a training wave listed in not_for_training' }]);
  t.deepEqual(summary.waves.map((w) => w.wave), ['ATP_W2']);
  t.deepEqual(summary.waves[0]!.excluded_questions, [{ qkey: 'Q2_W1', reason: `listed in ${errors}` }]);
  t.deepEqual(rows.map((r) => `${r.wave}/${r.qkey}`), ['ATP_W2/Q1_W1']);
  fs.writeFileSync(errors, JSON.stringify({ Q2_W1: 1 }));
  await t.throwsAsync(run([w1], ideology(['Liberal']), 1, ex), { message: `exclusions: qkeys_files: ${errors}: expected a non-empty list of question keys` });
});

test('an allowlist keeps the listed questions (ignoring case) and reports what it found, what is missing and how many it left out', async (t) => {
  const dir = tmp();
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const lists = path.join(dir, 'parsed-qkeys.json');
  fs.writeFileSync(lists, JSON.stringify({ W1: ['q2_w1', 'GONE_W1'], W2: ['Q1_W1'] }));
  const listed = { ...w1, allowlist: { file: lists, key: 'W1' } };
  const { rows, summary } = await run([listed], ideology(['Liberal']));
  t.deepEqual([...new Set(rows.map((r) => r.qkey))], ['Q2_W1']);
  t.is(summary.questions, 'listed');
  t.deepEqual(summary.waves[0]!.allowlist, { source: `${lists}#W1`, listed: 2, found: 1, missing: ['GONE_W1'], unlisted: 1 });
  // questions: all keeps every question and applies no allowlist
  const inputs: WaveInput[] = [{ id: 'ATP_W1', family: 'atp', role: 'train', tables: await writeWave(path.join(dir, 'tables'), w1), allowlist: listed.allowlist }];
  const all = await aggregate({ waves: inputs, groups: ideology(['Liberal']), exclusions, minN: 1, questions: 'all', outDir: path.join(dir, 'all'), waveset: 't', groupSet: 't' });
  t.is(all.questions, 'all');
  t.is(all.waves[0]!.allowlist, undefined);
  t.is(all.waves[0]!.questions, 2);
  await t.throwsAsync(run([{ ...w1, allowlist: { file: lists, key: 'W3' } }], ideology(['Liberal'])), { message: `ATP_W1: allowlist: ${lists}: no key "W3"` });
});

test('same input, 1 or 2 threads → byte-identical rows.jsonl, rows.parquet and summary.json; Parquet holds the JSONL rows', async (t) => {
  const waves = [w1, { ...w1, wave: 'ATP_W10' }, { ...gss, wave: 'GSS_U' }];
  const groups = groupSet(subpops, 'subpop22');
  const a = await run(waves, groups, 1, exclusions, 1);
  const b = await run(waves, groups, 1, exclusions, 2);
  for (const f of ['rows.jsonl', 'rows.parquet', 'summary.json']) {
    t.true(fs.readFileSync(path.join(a.dir, 'rows', f)).equals(fs.readFileSync(path.join(b.dir, 'rows', f))), f);
  }
  t.true(a.rows.length > 10);
  // wave order follows the input list (W1 before W10, then GSS), then qkey, then the set's group order
  t.deepEqual([...new Set(a.rows.map((r) => r.wave))], ['ATP_W1', 'ATP_W10', 'GSS_U']);
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const parquet = (await conn.runAndReadAll(`SELECT * FROM read_parquet('${path.join(a.dir, 'rows', 'rows.parquet')}')`)).getRowObjectsJS();
  conn.closeSync();
  instance.closeSync();
  t.deepEqual(parquet, a.rows as unknown[]);
});

test('the shipped group sets: 22 SubPOP groups and the 61-group set', (t) => {
  t.is(groupSet(subpops, subpops.default).length, 22);
  const g61 = groupSet(subpops, 'opinionqa61');
  t.is(g61.length, 61);
  t.is(new Set(g61.map((g) => g.attribute)).size, 12);
  t.throws(() => groupSet(subpops, 'nope'), { message: /no group set "nope" \(sets: subpop22, opinionqa61\)/ });
});

test('subpopulations.yaml errors point at file:line:col', (t) => {
  const file = 'subpops.yaml';
  const text = ['default: s', 'sets:', '  s:', '    SEX: [Male, Nobody]', 'groups:', '  SEX:', '    Male:', '      atp: {variable: F_SEX, label: Male}'].join('\n');
  t.throws(() => loadSubpopulations(file, text), { message: 'subpops.yaml:4:17: set s: no group "Nobody" under groups.SEX' });
  const bad = text.replace('label: Male', 'lable: Male');
  t.throws(() => loadSubpopulations(file, bad), { message: /^subpops\.yaml:8:\d+: / });
});

/** Rewrites a Parquet table with DuckDB: `select` reads it as `t` (for cells that JSON cannot express). */
async function rewriteParquet(file: string, select: string) {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  await conn.run(`CREATE TABLE t AS SELECT * FROM read_parquet('${file}'); CREATE TABLE r AS ${select}`);
  await conn.run(`COPY r TO '${file}' (FORMAT parquet)`);
  conn.closeSync();
  instance.closeSync();
}

test('weights that are not finite count as missing; weights too large to sum exactly are an error', async (t) => {
  // JSON has no NaN or Infinity: write them into the Parquet file afterwards.
  const dir = tmp();
  const tables = await writeWave(dir, w1);
  const file = path.join(tables, 'respondents.parquet');
  const patch = (weights: string) => rewriteParquet(file, `SELECT wave, respondent, CASE respondent ${weights} ELSE weight END AS weight FROM t`);
  const anyLiberal: GroupSpec = { attribute: 'POLIDEOLOGY', group: 'Any liberal', membership: { atp: { variable: 'F_IDEO', labels: ['Liberal', 'Very liberal'] } } };
  const aggregateW1 = () =>
    aggregate({ waves: [{ id: 'ATP_W1', family: 'atp', role: 'train', tables }], groups: [anyLiberal], exclusions, minN: 1, outDir: path.join(dir, 'rows'), waveset: 't', groupSet: 't' });
  await patch(`WHEN 'r2' THEN 'NaN'::DOUBLE WHEN 'r3' THEN 'Infinity'::DOUBLE`);
  await aggregateW1();
  // Any liberal = r1, r2, r3, r5: r2 (NaN), r3 (infinite) and r5 (NULL) count as unweighted, leaving r1 (Favor)
  t.like(find(readRows(path.join(dir, 'rows', 'rows.jsonl')), 'Q1_W1', 'Any liberal'), { n_respondents: 1, weight_sum: 2, responses: [1, 0] });
  await patch(`WHEN 'r2' THEN 2e6`);
  await t.throwsAsync(aggregateW1(), { message: `${path.resolve(file)}: weight 2000000 (wave ATP_W1) is not below 1000000, the largest the aggregation sums exactly` });
});

test('a respondent or question listed twice is an error naming the file', async (t) => {
  const dir = tmp();
  const tables = await writeWave(dir, w1);
  const aggregateW1 = () =>
    aggregate({ waves: [{ id: 'ATP_W1', family: 'atp', role: 'train', tables }], groups: ideology(['Liberal']), exclusions, minN: 1, outDir: path.join(dir, 'rows'), waveset: 't', groupSet: 't' });
  const respondents = path.join(tables, 'respondents.parquet');
  await rewriteParquet(respondents, `SELECT * FROM t UNION ALL SELECT * FROM t WHERE respondent = 'r2'`);
  await t.throwsAsync(aggregateW1(), { message: `${respondents}: respondent "r2" occurs more than once` });
  await rewriteParquet(respondents, 'SELECT DISTINCT * FROM t');
  const questions = path.join(tables, 'questions.parquet');
  await rewriteParquet(questions, `SELECT * FROM t UNION ALL SELECT * FROM t WHERE qkey = 'Q2_W1'`);
  await t.throwsAsync(aggregateW1(), { message: `${questions}: question "Q2_W1" occurs more than once` });
});

test('more groups than a 64-bit mask holds: 70 groups, each with its own row', async (t) => {
  // Group i takes F_IDEO code [4, 2, 5, 1, 3][i % 5]: Liberal, Conservative, Very liberal, and two nobody has.
  const codes = [4, 2, 5, 1, 3];
  const groups: GroupSpec[] = Array.from({ length: 70 }, (_, i) => ({
    attribute: 'IDEO',
    group: `G${i}`,
    membership: { atp: { variable: 'F_IDEO', codes: [codes[i % 5]!] } },
  }));
  const { rows, summary } = await run([w1], groups);
  // Q1_W1 (see the first test): Liberal r1 Favor 2, r2 Oppose 1; Conservative r4 Refused 0.5, r6 Oppose 1.5; Very liberal r3 Favor 1
  const expected: Record<number, number[] | undefined> = { 4: [2 / 3, 1 / 3], 2: [0, 1], 5: [1, 0] };
  for (let i = 0; i < 70; i++) {
    const want = expected[codes[i % 5]!];
    const row = find(rows, 'Q1_W1', `G${i}`);
    if (want) t.true(row !== undefined && near(row.responses, want), `G${i}`);
    else t.is(row, undefined, `G${i}`);
  }
  t.is(find(rows, 'Q1_W1', 'G66')!.refusal_rate, 0.25);
  // codes 1 and 3: 28 groups × 2 questions without respondents
  t.is(summary.below_min_n, 28 * 2);
});
