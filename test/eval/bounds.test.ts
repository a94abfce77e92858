import test from 'ava';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runBounds } from '../../stages/bounds.js';
import { validate } from '../../lib/schema.js';
import { rowsJsonl, type SubpopRow } from '../../survey/rows.js';
import { writeWave, type Labels } from '../survey/tables.js';
import { jsonl, tmp } from '../helpers/files.js';
import { subpopRow } from '../helpers/rows.js';
import { stageContext } from '../helpers/stage-context.js';

const repo = path.resolve(import.meta.dirname, '../..');
const IDEO: Labels = [[1, 'Very conservative'], [2, 'Conservative'], [3, 'Moderate'], [4, 'Liberal'], [5, 'Very liberal'], [99, 'Refused']];

// An ATP wave: F_IDEO 4 = Liberal (r1, r2, r7; r5 has no weight), 2 = Conservative (r4, r6); r3 is
// "Very liberal", in neither group.
async function atpWave(dir: string): Promise<void> {
  await writeWave(dir, {
    wave: 'ATP_W1',
    questions: {
      Q1_W1: { text: 'Do you favor the plan?', labels: [[1, 'Favor'], [2, 'Oppose'], [99, 'Refused']] },
      Q2_W1: { text: 'Pick one', labels: [[1, 'A'], [2, 'B'], [3, 'C'], [99, 'Refused']] },
    },
    respondents: {
      r1: { weight: 2, profile: { F_IDEO: 4 } },
      r2: { weight: 1, profile: { F_IDEO: 4 } },
      r3: { weight: 1, profile: { F_IDEO: 5 } },
      r4: { weight: 0.5, profile: { F_IDEO: 2 } },
      r5: { weight: null, profile: { F_IDEO: 4 } },
      r6: { weight: 1.5, profile: { F_IDEO: 2 } },
      r7: { weight: 3, profile: { F_IDEO: 4 } },
    },
    answers: {
      Q1_W1: { r1: 1, r2: 2, r3: 1, r4: 99, r5: 1, r6: 2, r7: 1 },
      // r7's 98 has no value label and is not counted.
      Q2_W1: { r1: 3, r2: 1, r4: 1, r6: 3, r7: 98 },
    },
    valueLabels: { F_IDEO: IDEO },
  });
}

// A GSS-layout wave: polviews 1–3 = Liberal (g1, g3), 5–7 = Conservative (g2); negative codes are missing data.
async function gssWave(dir: string): Promise<void> {
  await writeWave(dir, {
    wave: 'GSS_T',
    questions: { natenvir: { text: 'Are we spending too much on the environment?', labels: [[-100, 'IAP'], [1, 'Too little'], [2, 'About right'], [3, 'Too much']] } },
    respondents: {
      g1: { weight: 1, profile: { polviews: 2 } },
      g2: { weight: 2, profile: { polviews: 6 } },
      g3: { weight: 1, profile: { polviews: 3 } },
      g4: { weight: 1, profile: { polviews: 4 } },
    },
    answers: { natenvir: { g1: 1, g2: 3, g3: 2 } },
    valueLabels: { polviews: [[1, 'Extremely liberal'], [4, 'Moderate'], [7, 'Extremely conservative']] },
  });
}

const row = (over: Partial<SubpopRow>): SubpopRow => subpopRow({ responses: [5 / 6, 1 / 6], n_respondents: 3, weight_sum: 6, ...over });

// The rows, hand-computed from the waves above.
const abc = { qkey: 'Q2_W1', question: 'Pick one', options: ['A', 'B', 'C', 'Refused'], ordinal: [1, 2, 3] };
const VAL: SubpopRow[] = [
  row({}),
  row({ group: 'Conservative', responses: [0, 1], refusal_rate: 0.25, n_respondents: 2, weight_sum: 2 }),
  row({ ...abc, responses: [1 / 3, 0, 2 / 3], n_respondents: 2, weight_sum: 3 }),
  row({ ...abc, group: 'Conservative', responses: [0.25, 0, 0.75], n_respondents: 2, weight_sum: 2 }),
];
const env = { qkey: 'natenvir', wave: 'GSS_T', question: 'Are we spending too much on the environment?', options: ['Too little', 'About right', 'Too much', 'Refused'], ordinal: [1, 2, 3] };
const TEST: SubpopRow[] = [
  row({ ...env, responses: [0.5, 0.5, 0], n_respondents: 2, weight_sum: 2 }),
  row({ ...env, group: 'Conservative', responses: [0, 0, 1], n_respondents: 1, weight_sum: 2 }),
];

const setup = (async () => {
  const root = tmp('bounds-test-');
  const tables = path.join(root, 'artifacts/tables');
  await atpWave(tables);
  await gssWave(tables);
  const waves = path.join(root, 'config/waves.yaml');
  fs.mkdirSync(path.dirname(waves), { recursive: true });
  fs.writeFileSync(
    waves,
    'sets:\n  t:\n    ATP_W1: {family: atp, role: train, format: sav, source: a.sav}\n    GSS_T: {family: gss, role: eval, format: sav, source: g.sav}\n',
  );
  const configs = [waves, path.join(repo, 'config/exclusions.yaml'), path.join(repo, 'config/subpopulations.yaml'), path.join(repo, 'config/high-relevance.yaml')];
  return { root, tables, configs };
})();

/** Runs the stage on a split with these val rows (the split folder's path is part of the metrics, so it is
 * the same for the same rows). */
async function bounds(val: SubpopRow[], params: Record<string, number | string>, out = path.join(tmp('bounds-out-'), 'bounds'), wavesFile?: string, cpus = 1) {
  const { root, tables, configs: [waves, ...configs] } = await setup;
  const split = path.join(root, 'splits', createHash('sha256').update(rowsJsonl(val)).digest('hex').slice(0, 12));
  fs.mkdirSync(split, { recursive: true });
  fs.writeFileSync(path.join(split, 'val.jsonl'), rowsJsonl(val));
  fs.writeFileSync(path.join(split, 'test.jsonl'), rowsJsonl(TEST));
  await runBounds(stageContext({ name: 'bounds', deps: [split, tables, wavesFile ?? waves!, ...configs], outs: [out], params, resources: { cpus, gpus: 0, mem: 0 } }));
  return { out, lines: jsonl(path.join(out, 'bounds.jsonl')), metrics: JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8')) as Record<string, any> };
}

test('bounds per row: respondents found in the tables, uniform WD by hand, human bootstrap in range', async (t) => {
  const { lines, metrics } = await bounds(VAL, { bootstrap_samples: 4000, seed: 7 });
  lines.forEach((l, i) => validate('bounds-rows', l, `bounds.jsonl:${i + 1}`));
  validate('bounds-metrics', metrics, 'metrics.json');
  t.deepEqual(lines.map((l) => [l.set, l.qkey, l.group, l.n_respondents]), [...VAL.map((r) => ['val', r.qkey, r.group, r.n_respondents]), ...TEST.map((r) => ['test', r.qkey, r.group, r.n_respondents])]);
  // Uniform: |5/6 − 1/2| = 1/3; |0 − 1/2| = 1/2; cumulative (1/3, 1/3) vs (1/3, 2/3) → (1/3)/2;
  // (1/4, 1/4) vs (1/3, 2/3) → (1/12 + 5/12)/2; (1/2, 1) vs (1/3, 2/3) → (1/6 + 1/3)/2; (0, 0) vs → (1/3 + 2/3)/2.
  const uniform = [1 / 3, 1 / 2, 1 / 6, 1 / 4, 1 / 4, 1 / 2];
  lines.forEach((l, i) => t.true(Math.abs((l.uniform as number) - uniform[i]!) < 1e-12, `row ${i}`));
  // One respondent: every resample is the full sample. Conservative on Q1: r4 refused (0.5), r6 opposed (1.5);
  // resampling both refusals (chance 1/4) gives an empty, hence uniform, sample with WD 1/2, else 0: 1/8.
  t.is(lines[5]!.human, 0);
  t.true(Math.abs((lines[1]!.human as number) - 1 / 8) < 0.015);
  for (const l of lines) t.true((l.human as number) >= 0 && (l.human as number) <= 1);
  t.like(metrics, { bootstrap: { samples: 4000, seed: 7 } });
  t.like(metrics.sets[0], { name: 'val', rows: 4, skipped_rows: 0, uniform: { rows: 4, wd_rows: 4 } });
  t.true(Math.abs(metrics.sets[0].uniform.wd - (1 / 3 + 1 / 2 + 1 / 6 + 1 / 4) / 4) < 1e-15);
  t.true(Math.abs(metrics.sets[1].human.wd - (lines[4]!.human as number) / 2) < 1e-15);
});

test('bounds are byte-identical for a seed whatever the thread count, change with the seed, and do not depend on the row order', async (t) => {
  const a = await bounds(VAL, { bootstrap_samples: 50, seed: 1 });
  const b = await bounds(VAL, { bootstrap_samples: 50, seed: 1 }, undefined, undefined, 2);
  for (const f of ['bounds.jsonl', 'metrics.json']) t.deepEqual(fs.readFileSync(path.join(a.out, f)), fs.readFileSync(path.join(b.out, f)), f);
  const c = await bounds(VAL, { bootstrap_samples: 50, seed: 2 });
  t.notDeepEqual(a.lines.map((l) => l.human), c.lines.map((l) => l.human));
  t.deepEqual(a.lines.map((l) => l.uniform), c.lines.map((l) => l.uniform));
  const reversed = await bounds([...VAL].reverse(), { bootstrap_samples: 50, seed: 1 });
  t.deepEqual(reversed.lines.slice(0, 4).reverse(), a.lines.slice(0, 4));
});

test('bounds refuse rows the tables do not reproduce or groups they cannot form, naming the row, and write nothing', async (t) => {
  const out = path.join(tmp('bounds-out-'), 'bounds');
  const wrong = [...VAL];
  wrong[2] = { ...VAL[2]!, responses: [0.5, 0, 0.5] };
  await t.throwsAsync(bounds(wrong, { bootstrap_samples: 10, seed: 1 }, out), {
    message: /val\.jsonl:3: the ingested tables give POLIDEOLOGY\/Liberal on Q2_W1 \(ATP_W1\) the shares \[0\.3333333333333333,0,0\.6666666666666666\] from 2 respondents, not the row's \[0\.5,0,0\.5\]/,
  });
  await t.throwsAsync(bounds([row({ group: 'Centrist' })], { bootstrap_samples: 10, seed: 1 }, out), { message: /val\.jsonl:1: group POLIDEOLOGY\/Centrist is not defined in the subpopulations file$/ });
  await t.throwsAsync(bounds([row({ attribute: 'RELIG', group: 'Jewish' })], { bootstrap_samples: 10, seed: 1 }, out), { message: /val\.jsonl:1: group RELIG\/Jewish cannot be formed in ATP_W1: F_RELIG not present$/ });
  const curated = path.join(tmp('bounds-waves-'), 'waves.yaml');
  fs.writeFileSync(curated, fs.readFileSync((await setup).configs[0]!, 'utf8').replace('source: g.sav', 'source: g.sav, ordinals: demo/gss/ordinals.yaml'));
  await t.throwsAsync(bounds(VAL, { bootstrap_samples: 10, seed: 1 }, out, curated), { message: 'bounds: declare demo/gss/ordinals.yaml (the curated ordinals of GSS_T) under deps' });
  t.false(fs.existsSync(out));
});

test('released rows (no respondents) get the uniform bound only; high-relevance questions are also left out', async (t) => {
  // SubPOP-Train rows as the released stage writes them: no respondent counts, a wave that has no tables, one
  // with placeholder ordinals (all 1.0, no WD); `attend` is one of the authors' high-relevance questions.
  const released = (over: Partial<SubpopRow>) => row({ wave: 'SUBPOP_TRAIN', n_respondents: null, weight_sum: null, ...over });
  const val = [released({ qkey: 'attend' }), released({ qkey: 'Q9_W68', ordinal: [1, 1] })];
  const { lines, metrics } = await bounds(val, { bootstrap_samples: 10, seed: 1 });
  validate('bounds-metrics', metrics, 'metrics.json');
  t.deepEqual(lines.slice(0, 2).map((l) => [l.n_respondents, l.human]), [[null, null], [null, null]]);
  t.true(Math.abs((lines[0]!.uniform as number) - 1 / 3) < 1e-12);
  t.is(lines[1]!.uniform, null);
  t.like(metrics.sets[0], { rows: 2, human: null, uniform: { wd_rows: 1 }, high_relevance_rows: 1 });
  t.deepEqual(metrics.sets[0].without_high_relevance, { rows: 1, uniform: { rows: 1, wd_rows: 0, wd: null }, human: null });
  // The test rows, aggregated from the tables, still get their human bound.
  t.like(metrics.sets[1], { high_relevance_rows: 0, without_high_relevance: null });
  t.not(metrics.sets[1].human, null);
});
