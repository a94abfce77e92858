import test from 'ava';
import type { SubpopRow } from '../../survey/rows.js';
import type { GroupSpec } from '../../survey/subpopulations.js';
import { groupsNotFormed, unseenSplit } from '../../survey/unseen.js';
import { subpopRow } from '../helpers/rows.js';

const row = (wave: string, qkey: string, attribute: string, group: string): SubpopRow => subpopRow({ qkey, wave, attribute, group });
const spec = (attribute: string, group: string): GroupSpec => ({ attribute, group, membership: {} });
const names = (rows: readonly SubpopRow[]) => rows.map((r) => `${r.wave}/${r.qkey}/${r.attribute}/${r.group}`);

// The main split: SEX/Male and RELIG/Hindu are in the group set trained on, but RELIG/Hindu was held out
// (holdout_groups), so its rows went to test, on training questions too. Questions: T1 trained, V1 validation,
// the GSS survey's g1 test.
const main = {
  train: [row('W1', 'T1', 'SEX', 'Male')],
  val: [row('W1', 'V1', 'SEX', 'Male')],
  test: [row('GSS', 'g1', 'SEX', 'Male'), row('W1', 'T1', 'RELIG', 'Hindu'), row('W1', 'V1', 'RELIG', 'Hindu'), row('GSS', 'g1', 'RELIG', 'Hindu')],
};
// The wider set: Male (seen), AGE/18-29 (formed everywhere), MARITAL/Married (no GSS variable), MARITAL/Living
// with a partner (formed nowhere), RELIG/Hindu (held out: unseen), EDUCATION/Postgraduate (too few
// respondents: no rows).
const groups = [spec('SEX', 'Male'), spec('AGE', '18-29'), spec('MARITAL', 'Married'), spec('MARITAL', 'Living with a partner'), spec('RELIG', 'Hindu'), spec('EDUCATION', 'Postgraduate')];
const wide = [
  ...['T1', 'V1'].flatMap((q) => [row('W1', q, 'SEX', 'Male'), row('W1', q, 'AGE', '18-29'), row('W1', q, 'MARITAL', 'Married'), row('W1', q, 'RELIG', 'Hindu')]),
  row('GSS', 'g1', 'SEX', 'Male'),
  row('GSS', 'g1', 'AGE', '18-29'),
  row('GSS', 'g1', 'RELIG', 'Hindu'),
];
const summary = {
  waves: [
    { wave: 'W1', skipped: [{ attribute: 'MARITAL', group: 'Living with a partner', reason: 'no value label of F_MARITAL starts with "Living"' }] },
    {
      wave: 'GSS',
      skipped: [
        { attribute: 'MARITAL', group: 'Married', reason: 'marital not present' },
        { attribute: 'MARITAL', group: 'Living with a partner', reason: 'no gss rule' },
      ],
    },
  ],
};

test('unseen split: groups without training rows, on validation questions (val) and untrained test questions (test)', (t) => {
  const { val, test: testRows, manifest } = unseenSplit(wide, main, groups, 'opinionqa61', groupsNotFormed(summary));
  // Seen: SEX/Male only (it has train rows); Hindu was held out, so it is unseen like the groups never trained on.
  t.deepEqual(manifest.seen, ['SEX/Male']);
  t.deepEqual(names(val), ['W1/V1/AGE/18-29', 'W1/V1/MARITAL/Married', 'W1/V1/RELIG/Hindu']);
  // T1 is a training question: no unseen row on it, even for the held-out group.
  t.deepEqual(names(testRows), ['GSS/g1/AGE/18-29', 'GSS/g1/RELIG/Hindu']);
  t.deepEqual(manifest.unseen, [
    { attribute: 'AGE', group: '18-29', rows: { val: 1, test: 1 }, not_formed: [] },
    { attribute: 'MARITAL', group: 'Married', rows: { val: 1, test: 0 }, not_formed: ['GSS: marital not present'] },
    { attribute: 'RELIG', group: 'Hindu', rows: { val: 1, test: 1 }, not_formed: [] },
  ]);
  t.deepEqual(manifest.absent, [
    { attribute: 'MARITAL', group: 'Living with a partner', reason: 'not formed (W1: no value label of F_MARITAL starts with "Living"; GSS: no gss rule)' },
    { attribute: 'EDUCATION', group: 'Postgraduate', reason: 'no row with enough respondents (min_n)' },
  ]);
});

test('unseen split: a group with rows on training questions only is absent, saying so', (t) => {
  const { manifest } = unseenSplit([row('W1', 'T1', 'AGE', '65+')], main, [spec('AGE', '65+')], 'opinionqa61', new Map());
  t.deepEqual(manifest.absent, [{ attribute: 'AGE', group: '65+', reason: 'rows on training questions only' }]);
});
