import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { DuckDBInstance } from '@duckdb/node-api';
import { validate } from '../../lib/schema.js';
import type { WaveEntry } from '../../net/waves.js';
import { ingestWave, type IngestSummary } from '../../survey/ingest.js';
import { aggregate, loadExclusions, type WaveInput } from '../../survey/aggregate.js';
import { rowRespondents } from '../../survey/bootstrap-members.js';
import { weightedCounts } from '../../survey/bootstrap.js';
import { readRows, type SubpopRow } from '../../survey/rows.js';
import { loadSubpopulations, type GroupSpec } from '../../survey/subpopulations.js';
import ingestStage from '../../stages/ingest.js';
import type { StageContext } from '../../runner/stage.js';
import { stageContext } from '../helpers/stage-context.js';
import { tmp as scratch } from '../helpers/files.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'ingest', 'raw');
const ATP: WaveEntry = { family: 'atp', role: 'train', format: 'sav', source: 'ATP W92.sav' };
const GSS: WaveEntry = {
  family: 'gss',
  role: 'eval',
  format: 'sav',
  source: 'GSS2022.sav',
  questions: ['natenvir', 'cappun'],
  profile: ['region', 'polviews', 'income16'],
};

const tmp = scratch('ingest-test-');
let counter = 0;
const outDir = (): string => path.join(tmp, `out-${++counter}`);

async function table(dir: string, name: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const file = path.join(dir, `${name}.parquet`).replaceAll("'", "''");
  const rows = (await conn.runAndReadAll(`SELECT * FROM read_parquet('${file}')`)).getRowObjectsJS();
  conn.closeSync();
  db.closeSync();
  return rows as Record<string, unknown>[];
}

/** Rows as compact tuples of the listed columns. */
const pick = (rows: Record<string, unknown>[], cols: string[]): unknown[][] => rows.map((r) => cols.map((c) => r[c]));

test('ATP wave: questions, answers, respondents, profiles and value labels as in the data model', async (t) => {
  const out = outDir();
  const summary = await ingestWave({ wave: 'ATP_W92', entry: ATP, inputDir: path.join(fixtures, 'ATP_W92'), outDir: out });

  // _W92 questions with value labels only: not OLDQ_W91 (other wave), NOLAB_W92 (no labels), OPEN_W92 (string),
  // and not the special weight WEIGHT_W91_W92 although it ends in _W92 and has a label.
  const questions = await table(out, 'questions');
  t.deepEqual(pick(questions, ['wave', 'qkey', 'text', 'options', 'codes', 'user_missing_codes', 'refusal_code']), [
    // 98 "Don't know" is declared user-missing: still an option, and marked as declared.
    ['ATP_W92', 'DKQ_W92', 'Do you know?', ['Yes', 'No', "Don't know", 'Refused'], [1, 2, 98, 99], [98], 99],
    ['ATP_W92', 'ECON_a_W92', 'Rate the economy: national', ['Excellent', 'Good', 'Only fair', 'Poor', 'Refused'], [1, 2, 3, 4, 99], [], 99],
    ['ATP_W92', 'ECON_b_W92', 'Local economy rating', ['Excellent', 'Good', 'Only fair', 'Poor', 'Refused'], [1, 2, 3, 4, 99], [], 99],
    ['ATP_W92', 'FORMQ_W92', null, ['Yes', 'No', 'Refused'], [1, 2, 99], [], 99],
    ['ATP_W92', 'SATIS_W92', 'All in all, are you satisfied with the way things are going?', ['Satisfied', 'Dissatisfied', 'Refused'], [1, 2, 99], [], 99],
  ]);

  const answers = await table(out, 'answers');
  const of = (qkey: string) => pick(answers.filter((a) => a.qkey === qkey), ['respondent', 'code']);
  t.deepEqual(of('DKQ_W92'), [['1001', 1], ['1002', 2], ['1003', 98], ['1004', 99], ['1005', 1], ['1006', 2], ['1007', 98], ['1008', 1]]);
  t.deepEqual(of('FORMQ_W92'), [['1001', 1], ['1003', 2], ['1005', 1], ['1007', 2]]);
  t.deepEqual(of('ECON_b_W92'), [['1001', 2], ['1002', 3], ['1003', 4], ['1004', 1], ['1005', 99], ['1007', 2], ['1008', 3]]);
  t.deepEqual(of('SATIS_W92').map((r) => r[1]), [1, 2, 99, 1, 2, 1, 99, 2]);
  t.is(answers.length, 8 + 4 + 7 + 8 + 8);
  t.true(answers.every((a) => a.wave === 'ATP_W92'));

  t.deepEqual(pick(await table(out, 'respondents'), ['respondent', 'weight']), [
    ['1001', 1.5], ['1002', 0.5], ['1003', 2], ['1004', 1], ['1005', null], ['1006', 0.25], ['1007', 1.25], ['1008', 3],
  ]);

  const profiles = await table(out, 'profiles');
  t.deepEqual(pick(profiles.filter((p) => p.variable === 'F_IDEO'), ['respondent', 'code', 'label']), [
    ['1001', 1, 'Very conservative'], ['1002', 2, 'Conservative'], ['1003', 3, 'Moderate'], ['1005', 5, 'Very liberal'],
    ['1006', 99, 'Refused'], ['1007', 1, 'Very conservative'], ['1008', 2, 'Conservative'],
  ]);
  t.deepEqual(pick(profiles.filter((p) => p.variable === 'F_CREGION'), ['code', 'label']), [[1, null], [2, null], [3, null], [4, null], [1, null], [2, null], [3, null], [4, null]]);
  t.deepEqual([...new Set(profiles.map((p) => p.variable))], ['F_AGECAT', 'F_CREGION', 'F_IDEO']);
  t.is(profiles.length, 8 + 8 + 7);

  const labels = await table(out, 'value_labels');
  t.deepEqual(pick(labels.filter((l) => l.variable === 'F_AGECAT'), ['code', 'label']), [[1, '18-29'], [2, '30-49'], [3, '50-64'], [4, '65+'], [99, 'Refused']]);
  t.is(labels.length, 5 + 6);

  const written = JSON.parse(fs.readFileSync(path.join(out, 'ingest.json'), 'utf8'));
  t.deepEqual(validate<IngestSummary>('ingest', written, 'ingest.json'), summary);
  t.deepEqual(summary, {
    wave: 'ATP_W92',
    family: 'atp',
    file: 'ATP W92.sav',
    respondents: 8,
    questions: 5,
    answers: 35,
    user_missing_answers: 2,
    unlabelled_missing_cells: 0,
    respondent_variable: 'QKEY',
    weight_variable: 'WEIGHT_W92',
    missing_weights: 1,
    profile_variables: ['F_AGECAT', 'F_IDEO', 'F_CREGION'],
    profile_missing: [],
  });
  t.deepEqual(fs.readdirSync(out).sort(), ['answers.parquet', 'ingest.json', 'profiles.parquet', 'questions.parquet', 'respondents.parquet', 'value_labels.parquet']);
});

test('the same wave gives byte-identical outputs', async (t) => {
  const [a, b] = [outDir(), outDir()];
  await ingestWave({ wave: 'ATP_W92', entry: ATP, inputDir: path.join(fixtures, 'ATP_W92'), outDir: a });
  await ingestWave({ wave: 'ATP_W92', entry: ATP, inputDir: path.join(fixtures, 'ATP_W92'), outDir: b, threads: 2 });
  for (const f of fs.readdirSync(a)) t.true(fs.readFileSync(path.join(a, f)).equals(fs.readFileSync(path.join(b, f))), f);
});

test('a wave file without its weight or respondent id is an error naming the wave and the file', async (t) => {
  for (const [dir, missing] of [['ATP_W92-noweight', 'weight variable WEIGHT_W92'], ['ATP_W92-noid', 'respondent id variable QKEY']]) {
    const out = outDir();
    const file = path.join(fixtures, dir, 'ATP W92.sav');
    await t.throwsAsync(ingestWave({ wave: 'ATP_W92', entry: ATP, inputDir: path.join(fixtures, dir), outDir: out }), {
      message: `ATP_W92: ${file}: no ${missing}`,
    });
    t.false(fs.existsSync(out), 'nothing is written');
  }
});

test('the wave folder must hold exactly one .sav/.zsav file', async (t) => {
  const dir = path.join(tmp, 'two');
  fs.mkdirSync(dir);
  fs.copyFileSync(path.join(fixtures, 'ATP_W92', 'ATP W92.sav'), path.join(dir, 'a.sav'));
  fs.copyFileSync(path.join(fixtures, 'ATP_W92', 'ATP W92.sav'), path.join(dir, 'b.zsav'));
  await t.throwsAsync(ingestWave({ wave: 'ATP_W92', entry: ATP, inputDir: dir, outDir: outDir() }), { message: /ATP_W92: .*exactly one .sav or .zsav file, found a.sav, b.zsav/ });
  await t.throwsAsync(ingestWave({ wave: 'ATP_W92', entry: ATP, inputDir: tmp + '/none', outDir: outDir() }), { message: /ATP_W92: .*none/ });
});

test('GSS wave: listed questions and profile variables; labelled negative missing codes kept and marked, unlabelled ones dropped', async (t) => {
  const out = outDir();
  const summary = await ingestWave({ wave: 'GSS_2022', entry: GSS, inputDir: path.join(fixtures, 'GSS_2022'), outDir: out });
  // The family's rules (config/exclusions.yaml) make -100..-98 missing-data codes later, in the aggregation.
  const missingLabels = ['inapplicable', 'no answer', 'do not know/cannot choose'];
  t.deepEqual(pick(await table(out, 'questions'), ['qkey', 'text', 'options', 'codes', 'user_missing_codes', 'refusal_code']), [
    ['cappun', 'Do you favor or oppose the death penalty for persons convicted of murder?', [...missingLabels, 'favor', 'oppose'], [-100, -99, -98, 1, 2], [-100, -99, -98], 2],
    ['natenvir', 'Are we spending too much, too little, or about the right amount on improving and protecting the environment?', [...missingLabels, 'too little', 'about right', 'too much'], [-100, -99, -98, 1, 2, 3], [-100, -99, -98], 3],
  ]);
  // cappun: respondent 6 is system-missing, respondent 7's -97 is declared missing and has no label.
  t.deepEqual(pick(await table(out, 'answers'), ['qkey', 'respondent', 'code']), [
    ['cappun', '1', 1], ['cappun', '2', 2], ['cappun', '3', 1], ['cappun', '4', -98], ['cappun', '5', 2],
    ['natenvir', '1', 1], ['natenvir', '2', 2], ['natenvir', '3', -100], ['natenvir', '4', 3], ['natenvir', '5', -99], ['natenvir', '6', 1], ['natenvir', '7', 2],
  ]);
  t.deepEqual(pick(await table(out, 'respondents'), ['respondent', 'weight']), [['1', 1.2], ['2', 0.8], ['3', 1], ['4', 1.5], ['5', 0.5], ['6', 2], ['7', 0.7]]);
  // Profile codes keep their user-missing values (with labels); they simply match no group.
  t.deepEqual(pick((await table(out, 'profiles')).filter((p) => p.variable === 'polviews'), ['respondent', 'code', 'label']), [
    ['1', 1, 'extremely liberal'], ['2', 4, 'moderate, middle of the road'], ['3', -99, 'no answer'], ['4', 7, 'extremely conservative'], ['5', 3, null], ['6', 5, null], ['7', 2, null],
  ]);
  t.like(summary, {
    respondent_variable: 'id',
    weight_variable: 'wtssnrps',
    answers: 12,
    user_missing_answers: 3,
    unlabelled_missing_cells: 1,
    questions: 2,
    profile_variables: ['region', 'polviews'],
    profile_missing: ['income16'],
  });
});

test('GSS questions from a JSON file with a key', async (t) => {
  const list = path.join(tmp, 'qkeys.json');
  fs.writeFileSync(list, JSON.stringify({ 2018: ['natenvir'], 2022: ['cappun'] }));
  const entry = { ...GSS, questions: { file: list, key: '2022' } };
  const out = outDir();
  const summary = await ingestWave({ wave: 'GSS_2022', entry, inputDir: path.join(fixtures, 'GSS_2022'), outDir: out });
  t.is(summary.questions, 1);
  t.deepEqual((await table(out, 'questions')).map((q) => q.qkey), ['cappun']);

  await t.throwsAsync(ingestWave({ wave: 'GSS_2022', entry: { ...entry, questions: { file: list, key: '2024' } }, inputDir: path.join(fixtures, 'GSS_2022'), outDir: outDir() }), {
    message: `GSS_2022: questions: ${list}: no key "2024"`,
  });
  await t.throwsAsync(ingestWave({ wave: 'GSS_2022', entry: { ...GSS, questions: ['natenvir', 'nosuch'] }, inputDir: path.join(fixtures, 'GSS_2022'), outDir: outDir() }), {
    message: /GSS_2022: .*GSS2022\.sav: no question variable\(s\) nosuch/,
  });
});

test('the ingest stage reads ctx.deps[0] and writes ctx.outs[0]', async (t) => {
  const out = outDir();
  fs.mkdirSync(out);
  const notes: unknown[] = [];
  const ctx = stageContext({
    name: 'ingest@ATP_W92',
    key: 'ATP_W92',
    item: ATP as StageContext['item'],
    deps: [path.join(fixtures, 'ATP_W92')],
    outs: [out],
    progress: (p) => notes.push(p),
  });
  await ingestStage.run(ctx);
  t.true(fs.existsSync(path.join(out, 'answers.parquet')));
  t.deepEqual(notes.at(-1), { done: 8, total: 8, unit: 'respondents' });
  await t.throwsAsync(async () => ingestStage.run({ ...ctx, item: { ...ATP, family: 'nes' } } as StageContext), { message: /family/ });
});

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

test('user-missing answer codes: every labelled code is an answer for ATP, a missing-data code for GSS; rows match expected.py', async (t) => {
  const atp = outDir();
  const atpSummary = await ingestWave({ wave: 'ATP_W93', entry: { ...ATP, source: 'ATP W93.sav' }, inputDir: path.join(fixtures, 'ATP_W93'), outDir: atp });
  // SATIS 10 answers (3 refusals declared missing), ECON 10 (4 in 98 THRU 99), POL 10 (3 of 98, 99; the
  // unlabelled 96 is dropped), CLIM 7 (4 system-missing cells).
  t.like(atpSummary, { answers: 37, user_missing_answers: 10, unlabelled_missing_cells: 1 });
  t.deepEqual(pick(await table(atp, 'questions'), ['qkey', 'options', 'user_missing_codes', 'refusal_code']), [
    ['CLIM_W93', ['A great deal', 'Some', 'Not too much', 'Refused'], [], 99],
    ['ECON_W93', ['Excellent', 'Good', 'Only fair', 'Poor', "Don't know", 'Refused'], [98, 99], 99],
    ['POL_W93', ['Approve', 'Disapprove', 'Not sure', "Don't know", 'Refused'], [98, 99], 99],
    ['SATIS_W93', ['Satisfied', 'Dissatisfied', 'Refused'], [99], 99],
  ]);
  const gss = outDir();
  const gssEntry: WaveEntry = { ...GSS, questions: ['natenvir', 'cappun', 'owngun'], profile: ['region', 'polviews'] };
  await ingestWave({ wave: 'GSS_2022', entry: gssEntry, inputDir: path.join(fixtures, 'GSS_2022'), outDir: gss });

  const subpops = loadSubpopulations(path.join(root, 'config/subpopulations.yaml'));
  const exclusions = loadExclusions(path.join(root, 'config/exclusions.yaml'));
  const groups: GroupSpec[] = [
    ...['Northeast', 'South'].map((group) => ({ attribute: 'CREGION', group, membership: subpops.groups.CREGION![group]! })),
    ...['Liberal', 'Conservative', 'Moderate'].map((group) => ({ attribute: 'POLIDEOLOGY', group, membership: subpops.groups.POLIDEOLOGY![group]! })),
  ];
  const waves: WaveInput[] = [
    { id: 'ATP_W93', family: 'atp', role: 'train', tables: atp },
    { id: 'GSS_2022', family: 'gss', role: 'eval', tables: gss },
  ];
  const rowsDir = outDir();
  const summary = await aggregate({ waves, groups, exclusions, minN: 1, outDir: rowsDir, waveset: 'test', groupSet: 'test' });
  const rows = readRows(path.join(rowsDir, 'rows.jsonl'));

  // Hand-computed: SATIS_W93 among liberals (F_IDEO 4; 2009 has no weight): Satisfied 1.5 + 3.0, Dissatisfied
  // 0.5, Refused 2.0 + 1.0 (declared missing); the two-option question keeps both options and its refusal.
  const satis = rows.find((r) => r.qkey === 'SATIS_W93' && r.group === 'Liberal')!;
  t.deepEqual(satis.options, ['Satisfied', 'Dissatisfied', 'Refused']);
  t.deepEqual(satis.responses, [0.9, 0.1]);
  t.is(satis.refusal_rate, 3 / 8);
  t.is(satis.n_respondents, 5);

  const expected = JSON.parse(fs.readFileSync(path.join(fixtures, '..', 'expected.json'), 'utf8')) as Record<string, Record<string, Record<string, Partial<SubpopRow>>>>;
  const want = Object.entries(expected).flatMap(([wave, qs]) =>
    Object.entries(qs).flatMap(([qkey, gs]) => Object.entries(gs).map(([name, r]) => ({ wave, qkey, name, ...r }))),
  );
  t.is(rows.length, want.length);
  for (const w of want) {
    const got = rows.find((r) => r.wave === w.wave && r.qkey === w.qkey && `${r.attribute}/${r.group}` === w.name);
    if (!got) {
      t.fail(`no row ${w.wave} ${w.qkey} ${w.name}`);
      continue;
    }
    const where = `${w.wave} ${w.qkey} ${w.name}`;
    t.deepEqual(got.options, w.options, where);
    t.is(got.n_respondents, w.n_respondents!, where);
    t.true(Math.abs(got.weight_sum! - w.weight_sum!) < 1e-12, where);
    t.true(Math.abs(got.refusal_rate - w.refusal_rate!) < 1e-12, where);
    t.true(got.responses.every((p, i) => Math.abs(p - w.responses![i]!) < 1e-12), `${where}: ${got.responses} vs ${w.responses}`);
  }
  const waveSummary = (id: string) => summary.waves.find((s) => s.wave === id)!;
  t.like(waveSummary('ATP_W93'), { uncounted_answers: 0, missing_code_answers: 0 });
  // GSS: natenvir -100, -99; cappun -98; owngun -98, -100 are the family's missing-data codes.
  t.like(waveSummary('GSS_2022'), { uncounted_answers: 0, missing_code_answers: 5 });

  // The bootstrap finds the same respondents and positions behind every row.
  const respondents = await rowRespondents(
    rows.map((r, i) => ({ ...r, where: `rows.jsonl:${i + 1}` })),
    { waves: new Map(waves.map((w) => [w.id, { family: w.family, tables: w.tables }])), rules: exclusions.families, groups: subpops.groups },
  );
  rows.forEach((r, i) => {
    const counts = weightedCounts(respondents[i]!, r.responses.length);
    const answered = counts.reduce((a, b) => a + b, 0);
    t.true(r.responses.every((p, j) => Math.abs(p - counts[j]! / answered) < 1e-12), `bootstrap members of ${r.qkey} ${r.group}`);
    t.is(respondents[i]!.positions.length, r.n_respondents!, `bootstrap members of ${r.qkey} ${r.group}`);
  });
});
