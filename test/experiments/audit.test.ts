import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { runAudit } from '../../stages/audit.js';
import { audit, auditRows, pearson, type AuditRow } from '../../survey/audit.js';
import { tmp } from '../helpers/files.js';
import { auditRow } from '../helpers/rows.js';
import { stageContext } from '../helpers/stage-context.js';

const row = (attribute: string, group: string, zs: number, ft: number, n: number | null, distance: number | null): AuditRow => auditRow('test', attribute, group, zs, ft, n, distance);

// Five groups; Male has two rows (means: zero-shot 0.3, fine-tuned 0.1, 200 respondents, distance 0.1) and a
// row with an undefined WD, which counts nowhere.
const rows: AuditRow[] = [
  row('SEX', 'Male', 0.2, 0.1, 100, 0.05),
  row('SEX', 'Male', 0.4, 0.1, 300, 0.15),
  row('SEX', 'Male', Number.NaN, Number.NaN, 999, 0.5),
  row('SEX', 'Female', 0.3, 0.2, 50, 0.1),
  row('RACE', 'White', 0.2, 0.1, 1000, 0.02),
  row('RACE', 'Black', 0.25, 0.15, 100, 0.08),
  row('RACE', 'Asian', 0.4, 0.3, 10, 0.2),
];

const close = (t: { true: (v: boolean, m?: string) => void }, a: number | null, b: number) => t.true(a !== null && Math.abs(a - b) < 1e-12, `${a} ≈ ${b}`);

test('bias audit: group means, best/worst groups and gaps against hand-computed values', (t) => {
  const [set] = audit(rows);
  t.is(set!.name, 'test');
  t.deepEqual(set!.groups.map((g) => `${g.attribute}/${g.group}`), ['RACE/Asian', 'RACE/Black', 'RACE/White', 'SEX/Female', 'SEX/Male']);
  const male = set!.groups.find((g) => g.group === 'Male')!;
  t.is(male.rows, 2);
  close(t, male.zero_shot, 0.3);
  close(t, male.fine_tuned, 0.1);
  close(t, male.respondents, 200);
  close(t, male.distance, 0.1);

  const [race, sex] = set!.attributes;
  // RACE zero-shot: White 0.2 best, Asian 0.4 worst, gap 0.2; fine-tuned: White 0.1, Asian 0.3, gap 0.2: unchanged.
  t.like(race!, { attribute: 'RACE', groups: 3, zero_shot: { best: { group: 'White' }, worst: { group: 'Asian' } }, fine_tuned: { best: { group: 'White' }, worst: { group: 'Asian' } } });
  close(t, race!.zero_shot.gap, 0.2);
  close(t, race!.fine_tuned.gap, 0.2);
  close(t, race!.gap_change, 0);
  // SEX zero-shot: both 0.3, a tie: Female (first by name) best, Male worst, gap 0; fine-tuned: Male 0.1, Female
  // 0.2: gap 0.1, widened by 0.1.
  t.like(sex!, { attribute: 'SEX', zero_shot: { best: { group: 'Female' }, worst: { group: 'Male' } }, fine_tuned: { best: { group: 'Male' }, worst: { group: 'Female' } } });
  close(t, sex!.zero_shot.gap, 0);
  close(t, sex!.gap_change, 0.1);
});

test('bias audit: correlations of WD with log10(size) and distance, against numpy', (t) => {
  const [set] = audit(rows);
  // numpy.corrcoef over the groups (Asian, Black, White, Female, Male): log10 respondents [1, 2, 3, log10 50,
  // log10 200], distances [0.2, 0.08, 0.02, 0.1, 0.1], zero-shot [0.4, 0.25, 0.2, 0.3, 0.3], fine-tuned
  // [0.3, 0.15, 0.1, 0.2, 0.1].
  close(t, set!.correlations.zero_shot.size, -0.9129923027864298);
  close(t, set!.correlations.zero_shot.distance, 0.988297324559569);
  close(t, set!.correlations.fine_tuned.size, -0.9310901349612333);
  close(t, set!.correlations.fine_tuned.distance, 0.8760319473564395);
  t.is(pearson([1, 2], [3, 4]), null);
  t.is(pearson([1, 2, 3], [5, 5, 5]), null);
  t.is(pearson([1, 2, 3], [2, 4, 6]), 1);
});

test('bias audit: a group with rows of unknown size or distance has none; an attribute with one group has no gap', (t) => {
  const [set] = audit([row('SEX', 'Male', 0.2, 0.1, null, 0.1), row('SEX', 'Male', 0.2, 0.1, 10, null), row('AGE', '65+', 0.3, 0.2, 5, 0.1)]);
  t.like(set!.groups.find((g) => g.group === 'Male')!, { respondents: null, distance: null });
  t.deepEqual(set!.attributes, []);
});

test('audit stage: joins predictions, bounds and marginal rows by row and writes audit.json', (t) => {
  const dir = tmp('audit-stage-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (folder: string, file: string, lines: object[]) => {
    fs.mkdirSync(path.join(dir, folder), { recursive: true });
    fs.writeFileSync(path.join(dir, folder, file), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  };
  const key = (qkey: string, group: string) => ({ set: 'val', qkey, wave: 'W1', attribute: 'SEX', group });
  const prediction = (qkey: string, group: string, zs: number | null, ft: number | null) => ({
    ...key(qkey, group),
    ordinal: [1, 2],
    human: [0.5, 0.5],
    zero_shot: { distribution: [0.5, 0.5], letter_mass: 0.1, wd: zs, kl: 0 },
    fine_tuned: { distribution: [0.5, 0.5], letter_mass: 0.1, wd: ft, kl: 0 },
  });
  write('eval', 'predictions.jsonl', [prediction('q1', 'Male', 0.2, 0.1), prediction('q2', 'Male', 0.4, 0.3), prediction('q1', 'Female', 0.1, 0.05)]);
  write('bounds', 'bounds.jsonl', [
    { ...key('q1', 'Male'), n_respondents: 10, uniform: 0.3, human: 0.01 },
    { ...key('q2', 'Male'), n_respondents: 30, uniform: 0.3, human: 0.01 },
    { ...key('q1', 'Female'), n_respondents: 40, uniform: 0.3, human: 0.01 },
  ]);
  write('marginal', 'marginal.jsonl', [{ ...key('q1', 'Male'), wd: 0.1 }, { ...key('q2', 'Male'), wd: 0.3 }, { ...key('q1', 'Female'), wd: 0.05 }]);
  const out = path.join(dir, 'audit', 'tiny');
  runAudit(stageContext({ name: 'audit', params: { model: 'tiny' }, deps: ['eval', 'bounds', 'marginal'].map((d) => path.join(dir, d)), outs: [out] }));
  const result = JSON.parse(fs.readFileSync(path.join(out, 'audit.json'), 'utf8'));
  t.is(result.model, 'tiny');
  const male = result.sets[0].groups.find((g: { group: string }) => g.group === 'Male');
  close(t, male.zero_shot, 0.3);
  close(t, male.fine_tuned, 0.2);
  close(t, male.respondents, 20);
  close(t, male.distance, 0.2);
  // SEX: zero-shot gap 0.3 − 0.1 = 0.2, fine-tuned 0.2 − 0.05 = 0.15: narrowed by 0.05.
  close(t, result.sets[0].attributes[0].gap_change, -0.05);
});

test('auditRows: a prediction without bounds or marginal line gets no size or distance', (t) => {
  const [r] = auditRows([{ set: 'x', qkey: 'q', wave: null, attribute: 'A', group: 'g', zero_shot: { wd: 0.1 }, fine_tuned: { wd: null } }], new Map(), new Map());
  t.like(r!, { n_respondents: null, distance: null, zero_shot: 0.1 });
  t.true(Number.isNaN(r!.fine_tuned));
});
