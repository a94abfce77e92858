/**
 * The aggregate and split stages as the runner calls them: working directory = a project root, relative
 * dependency and output paths.
 */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { ParamValue, StageContext } from '../../runner/stage.js';
import aggregateStage from '../../stages/aggregate.js';
import splitStage from '../../stages/split.js';
import { validate } from '../../lib/schema.js';
import { readRows } from '../../survey/rows.js';
import { writeWave, type WaveSpec } from './tables.js';
import { stageContext } from '../helpers/stage-context.js';
import { tmp } from '../helpers/files.js';

const repo = path.resolve(import.meta.dirname, '../..');
const project = tmp('subpop-stages-test-');

const wavesYaml = `
sets:
  mini:
    ATP_W1: {family: atp, role: train, format: sav, source: raw/a.sav}
    ATP_W2: {family: atp, role: train, format: sav, source: raw/b.sav}
    GSS_T: {family: gss, role: eval, format: sav, source: raw/g.sav, ordinals: curated/gss.yaml}
`;

const atp = (wave: string): WaveSpec => ({
  wave,
  questions: Object.fromEntries(
    Array.from({ length: 10 }, (_, i) => [`Q${i}_${wave.slice(4)}`, { text: `Question ${i}?`, labels: [[1, 'Yes'], [2, 'No'], [99, 'Refused']] }]),
  ),
  respondents: Object.fromEntries(
    Array.from({ length: 8 }, (_, r) => [`r${r}`, { weight: 1 + r / 10, profile: { F_PARTY_FINAL: 1 + (r % 2), F_SEX: 1 + ((r >> 1) % 2) } }]),
  ),
  answers: Object.fromEntries(
    Array.from({ length: 10 }, (_, i) => [`Q${i}_${wave.slice(4)}`, Object.fromEntries(Array.from({ length: 8 }, (_, r) => [`r${r}`, 1 + ((r + i) % 2)]))]),
  ),
  valueLabels: {
    F_PARTY_FINAL: [[1, 'Republican'], [2, 'Democrat'], [3, 'Independent'], [4, 'Something else'], [99, 'Refused']],
    F_SEX: [[1, 'Male'], [2, 'Female'], [99, 'Refused']],
  },
});
const gss: WaveSpec = {
  wave: 'GSS_T',
  questions: { natenvir: { text: 'Environment?', labels: [[-98, 'do not know'], [1, 'too little'], [2, 'about right'], [3, 'too much']] } },
  respondents: { g1: { weight: 1, profile: { partyid: 0, sexnow1: 1 } }, g2: { weight: 2, profile: { partyid: 6, sexnow1: 2 } } },
  answers: { natenvir: { g1: 1, g2: 3 } },
  valueLabels: {},
};

function ctx(name: string, params: Record<string, ParamValue>, deps: string[], outs: string[]): StageContext {
  for (const o of outs) fs.mkdirSync(o, { recursive: true });
  return stageContext({ name, params, deps, outs, resources: { cpus: 2, gpus: 0, mem: 0 }, root: project });
}

const groupSets = ['vendor/subpop/data/subpopulation_metadata/demographics_22.csv', 'vendor/subpop/data/subpopulation_metadata/demographics_61.csv'];
const configDeps = ['config/waves.yaml', 'config/subpopulations.yaml', 'config/exclusions.yaml', 'survey/aggregate.sql', 'config/subpop-release.yaml', ...groupSets];
const tableDeps = ['artifacts/tables/ATP_W1/', 'artifacts/tables/ATP_W2/', 'artifacts/tables/GSS_T/'];

test.before(async () => {
  process.chdir(project);
  for (const d of ['config', 'survey', 'curated', 'artifacts/tables', path.dirname(groupSets[0]!)]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync('config/waves.yaml', wavesYaml);
  for (const f of ['config/subpopulations.yaml', 'config/exclusions.yaml', 'survey/aggregate.sql', 'config/subpop-release.yaml', ...groupSets]) fs.copyFileSync(path.join(repo, f), f);
  fs.writeFileSync('curated/gss.yaml', 'natenvir:\n  options: {too little: 1, about right: 2, too much: 3}\n');
  for (const w of [atp('ATP_W1'), atp('ATP_W2'), gss]) await writeWave('artifacts/tables', w);
});

test.after.always(() => {
  process.chdir(repo);
  fs.rmSync(project, { recursive: true, force: true });
});

test.serial('aggregate, then split: outputs in place and valid', async (t) => {
  await aggregateStage.run(ctx('aggregate', { waveset: 'mini', groups: 'subpop22', min_n: 1 }, [...configDeps, ...tableDeps, 'curated/'], ['artifacts/rows/']));
  const rows = readRows('artifacts/rows/rows.jsonl');
  // 2 ATP waves × 10 questions × 4 groups (Republican, Democrat, Male, Female) + 1 GSS question × 4 groups
  t.is(rows.length, 2 * 10 * 4 + 4);
  const summary = JSON.parse(fs.readFileSync('artifacts/rows/summary.json', 'utf8'));
  validate('aggregate-summary', summary, 'summary.json');
  t.is(summary.groups, 'subpop22');
  t.true(fs.statSync('artifacts/rows/rows.parquet').size > 0);
  t.like(rows.find((r) => r.wave === 'GSS_T' && r.group === 'Republican'), { responses: [0, 0, 1], ordinal: [1, 2, 3] });

  await splitStage.run(ctx('split', { waveset: 'mini', seed: 42, train_ratio: 0.9, holdout_groups: [] }, ['artifacts/rows/', 'config/waves.yaml'], ['artifacts/split/']));
  const manifest = JSON.parse(fs.readFileSync('artifacts/split/manifest.json', 'utf8'));
  validate('split-manifest', manifest, 'manifest.json');
  t.deepEqual(manifest.questions, { train: 18, val: 2, test: 1 });
  const parts = ['train', 'val', 'test'].map((s) => readRows(`artifacts/split/${s}.jsonl`));
  t.is(parts.reduce((a, p) => a + p.length, 0), rows.length);
  t.true(parts[2]!.every((r) => r.wave === 'GSS_T'));
});

test.serial('aggregate names what is missing from its declared inputs', async (t) => {
  const run = async (deps: string[], params: Record<string, ParamValue> = { waveset: 'mini', min_n: 1 }) => {
    await aggregateStage.run(ctx('aggregate', params, deps, ['artifacts/rows2/']));
  };
  await t.throwsAsync(run([...configDeps, ...tableDeps]), {
    message: 'aggregate: curated ordinals of GSS_T: declare curated/gss.yaml under deps',
  });
  await t.throwsAsync(run([...configDeps, ...tableDeps.slice(1), 'curated/gss.yaml']), {
    message: 'aggregate: no tables for wave ATP_W1: declare artifacts/tables/ATP_W1/ under deps',
  });
  await t.throwsAsync(run([...configDeps, ...tableDeps, 'curated/'], { waveset: 'nope', min_n: 1 }), {
    message: 'aggregate: config/waves.yaml has no wave set "nope" (sets: mini)',
  });
  await t.throwsAsync(run([...configDeps, ...tableDeps, 'curated/'], { waveset: 'mini', min_n: 0 }), {
    message: 'aggregate: param "min_n" must be an integer ≥ 1, got 0',
  });
  await t.throwsAsync(run([...configDeps, ...tableDeps, 'curated/'], { waveset: 'mini', groups: 'g7', min_n: 1 }), {
    message: /^config\/subpopulations\.yaml: no group set "g7"/,
  });
  await t.throwsAsync(run([...configDeps.filter((d) => d !== groupSets[1]), ...tableDeps, 'curated/'], { waveset: 'mini', groups: 'opinionqa61', min_n: 1 }), {
    message: `aggregate: group set opinionqa61: declare ${groupSets[1]} under deps`,
  });
  await t.throwsAsync(run([...configDeps.filter((d) => d !== 'config/subpop-release.yaml'), ...tableDeps, 'curated/']), {
    message: `aggregate: group set subpop22 ${groupSets[0]} is a pinned release file: declare config/subpop-release.yaml under deps`,
  });
  // a group set that differs from its pin is refused, naming both hashes
  const pinned = fs.readFileSync(groupSets[0]!);
  fs.writeFileSync(groupSets[0]!, pinned.toString().replace('Hindu', 'Sikh'));
  try {
    await t.throwsAsync(run([...configDeps, ...tableDeps, 'curated/']), {
      message: new RegExp(`^${path.resolve(groupSets[0]!)}: sha256 mismatch for data/subpopulation_metadata/demographics_22\\.csv .*expected cda7cbe1924fb7c0ea1c3e9e94e1bb677b4544f091cc1808f4736ea34dbaad26, actual [0-9a-f]{64}`),
    });
  } finally {
    fs.writeFileSync(groupSets[0]!, pinned);
  }
});
