/** ANES 1996 as ATP wave W996: the committed file against rows of anes96.csv mapped by hand (demo/README.md). */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { packageRoot } from '../../lib/paths.js';
import { parseAnes } from '../../demo/anes.js';
import { readSavTable } from './read.js';

const csv = path.join(packageRoot, 'demo', 'anes', 'source', 'anes96.csv');
const wave = readSavTable(path.join(packageRoot, 'demo', 'anes', 'ATP W996.sav'));

/**
 * Rows (1-based, = QKEY) with the CSV line they come from and the expected codes and labels, worked out by hand
 * from the mapping tables in demo/README.md.
 */
const rows = [
  // popul TVnews selfLR ClinLR DoleLR PID age educ income vote = 0 7 7 1 6 6 36 3 1 1
  { qkey: 1, vote: 2, ClinLR: 1, DoleLR: 6, selfLR: 7, TVnews: 8, age: '30-49', educ: 'High school graduate',
    party: 'Republican', partysum: 'Rep/Lean Rep', ideo: 'Very conservative', income: 'Less than $10,000' },
  // 190 1 3 3 5 1 20 4 1 0
  { qkey: 2, vote: 1, ClinLR: 3, DoleLR: 5, selfLR: 3, TVnews: 2, age: '18-29', educ: 'Some college, no degree',
    party: 'Democrat', partysum: 'Dem/Lean Dem', ideo: 'Liberal', income: 'Less than $10,000' },
  // 1000 7 5 7 4 0 74 1 1 0
  { qkey: 15, vote: 1, ClinLR: 7, DoleLR: 4, selfLR: 5, TVnews: 8, age: '65+', educ: 'Less than high school',
    party: 'Democrat', partysum: 'Dem/Lean Dem', ideo: 'Conservative', income: 'Less than $10,000' },
  // 1 1 4 2 7 2 39 6 6 0
  { qkey: 92, vote: 1, ClinLR: 2, DoleLR: 7, selfLR: 4, TVnews: 2, age: '30-49', educ: 'Postgraduate',
    party: 'Independent', partysum: 'Dem/Lean Dem', ideo: 'Moderate', income: '10 to under $20,000' },
  // 0 0 4 6 3 3 46 5 12 0
  { qkey: 185, vote: 1, ClinLR: 6, DoleLR: 3, selfLR: 4, TVnews: 1, age: '30-49', educ: 'College graduate/some post grad',
    party: 'Independent', partysum: 'DK/Refused/No lean', ideo: 'Moderate', income: '10 to under $20,000' },
  // 59 1 2 2 6 4 52 7 23 0
  { qkey: 831, vote: 1, ClinLR: 2, DoleLR: 6, selfLR: 2, TVnews: 2, age: '50-64', educ: 'Postgraduate',
    party: 'Independent', partysum: 'Rep/Lean Rep', ideo: 'Liberal', income: '75 to under $100,000' },
  // 18 5 6 1 6 5 53 7 24 1
  { qkey: 886, vote: 2, ClinLR: 1, DoleLR: 6, selfLR: 6, TVnews: 6, age: '50-64', educ: 'Postgraduate',
    party: 'Republican', partysum: 'Rep/Lean Rep', ideo: 'Conservative', income: '100 to under $150,000' },
];

test('rows of ATP W996 carry the hand-mapped codes of anes96.csv', async (t) => {
  const w = await wave;
  const at = (qkey: number) => Array.from(w.values('QKEY')).indexOf(qkey);
  for (const r of rows) {
    const i = at(r.qkey);
    t.not(i, -1, `QKEY ${r.qkey}`);
    const code = (name: string) => w.values(name)[i];
    const label = (name: string) => w.labels(name)[i];
    t.is(code('vote_W996'), r.vote, `row ${r.qkey} vote`);
    t.is(code('ClinLR_W996'), r.ClinLR, `row ${r.qkey} ClinLR`);
    t.is(code('DoleLR_W996'), r.DoleLR, `row ${r.qkey} DoleLR`);
    t.is(code('selfLR_W996'), r.selfLR, `row ${r.qkey} selfLR`);
    t.is(code('TVnews_W996'), r.TVnews, `row ${r.qkey} TVnews`);
    t.is(label('F_AGECAT'), r.age, `row ${r.qkey} F_AGECAT`);
    t.is(label('F_EDUCCAT2'), r.educ, `row ${r.qkey} F_EDUCCAT2`);
    t.is(label('F_PARTY_FINAL'), r.party, `row ${r.qkey} F_PARTY_FINAL`);
    t.is(label('F_PARTYSUM_FINAL'), r.partysum, `row ${r.qkey} F_PARTYSUM_FINAL`);
    t.is(label('F_IDEO'), r.ideo, `row ${r.qkey} F_IDEO`);
    t.is(label('F_INCOME'), r.income, `row ${r.qkey} F_INCOME`);
    t.is(code('WEIGHT_W996'), 1);
  }
  t.is(w.labels('vote_W996')[at(1)], 'Bob Dole');
  t.is(w.labels('TVnews_W996')[at(185)], 'None');
});

test('ATP W996 keeps every row, in order, and has no sex, race, region or religion', async (t) => {
  const w = await wave;
  const source = parseAnes(fs.readFileSync(csv, 'utf8'), csv);
  t.is(source.length, 944);
  t.deepEqual(Array.from(w.values('QKEY')), source.map((_, i) => i + 1));
  t.deepEqual(Array.from(w.values('ClinLR_W996')), source.map((r) => r.ClinLR));
  // Whole-column counts, straight from the CSV codes: Democrats are PID 0-1, Republicans PID 5-6.
  const parties = w.labels('F_PARTY_FINAL');
  t.is(parties.filter((p) => p === 'Democrat').length, source.filter((r) => r.PID <= 1).length);
  t.is(parties.filter((p) => p === 'Republican').length, source.filter((r) => r.PID >= 5).length);
  for (const absent of ['F_SEX', 'F_GENDER', 'F_RACETHNMOD', 'F_CREGION', 'F_RELIG']) t.false(w.has(absent), absent);
  for (const q of ['vote', 'ClinLR', 'DoleLR', 'selfLR', 'TVnews']) {
    const v = w.variable(`${q}_W996`);
    t.true(v.label?.startsWith(`${q}. `), `${q} label`);
    t.deepEqual(v.valueLabels.at(-1), { value: 99, label: 'Refused' }, `${q} ends with Refused`);
  }
});

test('parseAnes names the file, line and column of a bad value', (t) => {
  const header = "'popul'\t'TVnews'\t'selfLR'\t'ClinLR'\t'DoleLR'\t'PID'\t'age'\t'educ'\t'income'\t'vote'\n";
  t.is(parseAnes(`${header}0\t7\t7\t1\t6\t6\t36\t3\t1\t1\n`, 'a.csv').length, 1);
  t.throws(() => parseAnes(`${header}0\t7\t7\t1\t6\t6\t36\t3\t1\t1\n190\t1\t3\t9\t5\t1\t20\t4\t1\t0\n`, 'a.csv'), {
    message: 'a.csv:3:9: ClinLR must be an integer in 1..7, found "9"',
  });
  t.throws(() => parseAnes(`${header}0\t7\n`, 'a.csv'), { message: 'a.csv:2:1: expected 10 fields, found 2' });
  t.throws(() => parseAnes("'popul'\t'age'\n", 'a.csv'), { message: /^a\.csv:1:1: expected columns popul, TVnews/ });
});
