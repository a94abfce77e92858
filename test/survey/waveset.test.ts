/**
 * The paper's question sets from the authors' released files: the allowlists of `--waveset subpop` (counts
 * checked against subpop-train_parsed-qkeys.json, subpop-eval_parsed-qkeys.json and opinionqa_parsed-qkeys.json),
 * and a run of ingest → aggregate → split → bounds on PSPP-made waves that carry real qkeys of those lists: a
 * training wave filtered by its allowlist and an OpinionQA wave with its curated options, including an item whose
 * "Not sure" lies outside the ordinals.
 */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { readJson } from '../../lib/json-files.js';
import { loadWaveManifest } from '../../net/waves.js';
import type { ParamValue } from '../../runner/stage.js';
import aggregateStage from '../../stages/aggregate.js';
import { runBounds } from '../../stages/bounds.js';
import splitStage from '../../stages/split.js';
import { loadExclusions, type AggregateSummary } from '../../survey/aggregate.js';
import { ingestWave } from '../../survey/ingest.js';
import { loadOrdinals } from '../../survey/ordinals.js';
import { readQuestionList, type ListFile } from '../../survey/question-lists.js';
import { readRows, type SubpopRow } from '../../survey/rows.js';
import { tmp } from '../helpers/files.js';
import { stageContext } from '../helpers/stage-context.js';

const repo = path.resolve(import.meta.dirname, '../..');
const DATA = 'vendor/subpop/data';
const TRAIN_LIST = `${DATA}/subpop-train/subpop-train_parsed-qkeys.json`;
const EVAL_LIST = `${DATA}/subpop-eval/subpop-eval_parsed-qkeys.json`;
const OPINIONQA_LIST = `${DATA}/opinionqa/opinionqa_parsed-qkeys.json`;
const OPINIONQA_ORDINALS = `${DATA}/opinionqa/processed/refined_qkey_dict.json`;

test("the subpop wave set names the authors' lists: 3,229 training qkeys over 53 waves, 133 GSS and 494 OpinionQA qkeys", (t) => {
  const set = loadWaveManifest(path.join(repo, 'config/waves.yaml')).sets.subpop!;
  const ex = loadExclusions(path.join(repo, 'config/exclusions.yaml'));
  const byRole = (role: string, evalSet?: string) => Object.entries(set).filter(([, e]) => e.role === role && e.eval_set === evalSet);
  const listed = (entries: [string, (typeof set)[string]][]) =>
    entries.map(([id, e]) => {
      const list = e.allowlist as ListFile;
      t.is(list.key, id.replace('ATP_', ''), id);
      return readQuestionList({ ...list, file: path.join(repo, list.file) }, id);
    });

  const train = byRole('train');
  t.is(train.length, 53);
  const trainLists = listed(train);
  t.is(trainLists.flat().length, 3229);
  t.is(new Set(trainLists.flat()).size, 3229);
  t.deepEqual(Object.fromEntries(train.map(([id], i) => [id, trainLists[i]!.length])), Object.fromEntries(Object.entries(JSON.parse(fs.readFileSync(path.join(repo, TRAIN_LIST), 'utf8')) as Record<string, string[]>).map(([w, q]) => [`ATP_${w}`, q.length])));
  t.like(Object.fromEntries(train.map(([id], i) => [id, trainLists[i]!.length])), { ATP_W68: 90, ATP_W129: 107, ATP_W103: 12 });
  for (const [id] of train) t.false([...(ex.waves ?? []), ...(ex.not_for_training ?? [])].includes(id), id);

  const gss = set.GSS_2022!;
  t.like(gss, { role: 'eval', questions: { file: EVAL_LIST, key: '2022' }, ordinals: `${DATA}/subpop-eval/processed/refined_qkey_dict.json` });
  t.is(readQuestionList({ file: path.join(repo, EVAL_LIST), key: '2022' }, 'GSS_2022').length, 133);

  const opinionqa = byRole('eval', 'opinionqa');
  t.deepEqual(opinionqa.map(([id]) => id), ['ATP_W26', 'ATP_W29', 'ATP_W32', 'ATP_W34', 'ATP_W36', 'ATP_W41', 'ATP_W42', 'ATP_W43', 'ATP_W45', 'ATP_W49', 'ATP_W50', 'ATP_W54', 'ATP_W82', 'ATP_W92']);
  const opinionLists = listed(opinionqa);
  t.is(new Set(opinionLists.flat()).size, 494);
  // kept out of training, and every listed qkey has curated options and ordinals
  t.deepEqual([...(ex.not_for_training ?? [])].sort(), opinionqa.map(([id]) => id).sort());
  for (const [, e] of opinionqa) t.is(e.ordinals, OPINIONQA_ORDINALS);
  const curated = loadOrdinals(path.join(repo, OPINIONQA_ORDINALS)).questions;
  t.is(curated.size, 494);
  t.deepEqual([...curated.keys()].sort(), opinionLists.flat().sort());
  const notSure = [...curated].filter(([, q]) => q.ordinal.length < q.options.length);
  t.is(notSure.length, 12);
  for (const [qkey, q] of notSure) t.deepEqual([q.options.length - q.ordinal.length, q.options.at(-1)], [1, 'Not sure'], qkey);
});

/** A project folder holding what the stages read, with the two PSPP-made waves ingested. */
const project = (async () => {
  const root = tmp('subpop-waveset-');
  const copies = ['config/subpopulations.yaml', 'config/exclusions.yaml', 'config/high-relevance.yaml', 'config/subpop-release.yaml', 'survey/aggregate.sql',
    `${DATA}/subpopulation_metadata/demographics_22.csv`, TRAIN_LIST, OPINIONQA_LIST, OPINIONQA_ORDINALS];
  for (const f of copies) {
    fs.mkdirSync(path.join(root, path.dirname(f)), { recursive: true });
    fs.copyFileSync(path.join(repo, f), path.join(root, f));
  }
  const waves = [
    'sets:',
    '  mini:',
    `    ATP_W68: {family: atp, role: train, format: sav, source: a.sav, allowlist: {file: ${TRAIN_LIST}, key: W68}}`,
    `    ATP_W34: {family: atp, role: eval, eval_set: opinionqa, format: sav, source: b.sav, allowlist: {file: ${OPINIONQA_LIST}, key: W34}, ordinals: ${OPINIONQA_ORDINALS}}`,
    '',
  ].join('\n');
  fs.writeFileSync(path.join(root, 'config/waves.yaml'), waves);
  const manifest = loadWaveManifest(path.join(root, 'config/waves.yaml'));
  for (const wave of ['ATP_W68', 'ATP_W34']) {
    const inputDir = path.join(repo, 'test/fixtures/waveset/raw', wave);
    await ingestWave({ wave, entry: manifest.sets.mini![wave]!, inputDir, outDir: path.join(root, 'artifacts/tables', wave) });
  }
  return root;
})();

test.after.always(async () => fs.rmSync(await project, { recursive: true, force: true }));

const DEPS = ['config/waves.yaml', 'config/subpopulations.yaml', 'config/exclusions.yaml', 'config/subpop-release.yaml', 'survey/aggregate.sql',
  `${DATA}/subpopulation_metadata/demographics_22.csv`, TRAIN_LIST, OPINIONQA_LIST, OPINIONQA_ORDINALS, 'artifacts/tables/ATP_W68/', 'artifacts/tables/ATP_W34/'];

/** Runs a stage in the project folder (stages see paths relative to the project root). */
async function inProject<T>(body: (root: string) => Promise<T>): Promise<T> {
  const root = await project;
  const cwd = process.cwd();
  process.chdir(root);
  try {
    return await body(root);
  } finally {
    process.chdir(cwd);
  }
}

async function aggregateRun(params: Record<string, ParamValue>, out: string): Promise<{ rows: SubpopRow[]; summary: AggregateSummary }> {
  return inProject(async (root) => {
    fs.mkdirSync(out, { recursive: true });
    await aggregateStage.run(stageContext({ name: 'aggregate', params: { waveset: 'mini', min_n: 1, ...params }, deps: DEPS, outs: [`${out}/`], root }));
    return { rows: readRows(path.join(out, 'rows.jsonl')), summary: readJson<AggregateSummary>(path.join(out, 'summary.json'), 'aggregate-summary') };
  });
}

const find = (rows: SubpopRow[], qkey: string, group: string) => rows.find((r) => r.qkey === qkey && r.group === group);
const near = (a: number, b: number) => Math.abs(a - b) < 1e-12;

test.serial('a training wave keeps its allowlisted questions; the summary says how many were found and lists the missing ones', async (t) => {
  const { rows, summary } = await aggregateRun({ groups: 'subpop22' }, 'artifacts/rows');
  const w68 = summary.waves.find((w) => w.wave === 'ATP_W68')!;
  const list = readQuestionList({ file: path.join(repo, TRAIN_LIST), key: 'W68' }, 'W68');
  t.deepEqual(w68.allowlist, {
    source: `${TRAIN_LIST}#W68`,
    listed: 90,
    found: 2,
    missing: list.filter((q) => q !== 'BLM_W68' && q !== 'CAMPNII_W68'),
    unlisted: 2, // NOTLISTED_W68 and FORM_W68
  });
  t.deepEqual([...new Set(rows.filter((r) => r.wave === 'ATP_W68').map((r) => r.qkey))], ['BLM_W68', 'CAMPNII_W68']);
  // Liberal = QKEY 1 (1.0, support strongly), 2 (2.0, somewhat), 5 (1.0, somewhat oppose)
  const blm = find(rows, 'BLM_W68', 'Liberal')!;
  t.deepEqual(blm.responses, [0.25, 0.5, 0.25, 0]);
  t.like(blm, { refusal_rate: 0, n_respondents: 3, weight_sum: 4, options: ['Strongly support', 'Somewhat support', 'Somewhat oppose', 'Strongly oppose', 'Refused'] });
  // Conservative = 3 (1.5, Yes), 4 (0.5, No), 6 (2.5, Refused)
  const camp = find(rows, 'CAMPNII_W68', 'Conservative')!;
  t.deepEqual(camp.responses, [0.75, 0.25]);
  t.true(near(camp.refusal_rate, 2.5 / 4.5));

  const all = await aggregateRun({ groups: 'subpop22', questions: 'all' }, 'artifacts/rows-all');
  t.is(all.summary.questions, 'all');
  t.is(all.summary.waves.find((w) => w.wave === 'ATP_W68')!.allowlist, undefined);
  t.deepEqual([...new Set(all.rows.filter((r) => r.wave === 'ATP_W68').map((r) => r.qkey))], ['BLM_W68', 'CAMPNII_W68', 'NOTLISTED_W68']);
  t.deepEqual(all.summary.waves.find((w) => w.wave === 'ATP_W68')!.excluded_questions, [{ qkey: 'FORM_W68', reason: 'qkey prefix "FORM_W"' }]);
});

test.serial('an OpinionQA wave: curated texts and options, "Not sure" scored like the refusal, its own evaluation set with human bounds', async (t) => {
  const { rows, summary } = await aggregateRun({ groups: 'subpop22' }, 'artifacts/rows');
  const w34 = summary.waves.find((w) => w.wave === 'ATP_W34')!;
  t.like(w34.allowlist, { listed: 16, found: 2, unlisted: 1 });
  t.like(w34.ordinals, { matched_by_text: 2, matched_by_position: [], counted_as_refusal: [{ qkey: 'EVOBIOA_W34', options: ['Not sure'] }] });
  t.false(w34.ordinals!.unused_curated.some((q) => !q.endsWith('_W34')));

  // Liberal = QKEY 1 (1.0, evolved), 2 (2.0, not sure), 5 (1.0, evolved); 8 has no weight, 7 is very liberal.
  const evoLiberal = find(rows, 'EVOBIOA_W34', 'Liberal')!;
  t.deepEqual(evoLiberal, {
    qkey: 'EVOBIOA_W34',
    wave: 'ATP_W34',
    attribute: 'POLIDEOLOGY',
    group: 'Liberal',
    question: 'From what you have heard or read, which of these statements about the development of human life on Earth comes closest to what most biological scientists say?',
    options: ['Humans have evolved over time due to processes such as natural selection', 'Humans have existed in their present form since the beginning of time', 'Not sure', 'Refused'],
    ordinal: [1, 2],
    responses: [1, 0],
    refusal_rate: 0.5,
    n_respondents: 3,
    weight_sum: 4,
  });
  // Conservative = 3 (1.5, existed), 4 (0.5, refused), 6 (2.5, existed)
  const evoConservative = find(rows, 'EVOBIOA_W34', 'Conservative')!;
  t.deepEqual(evoConservative.responses, [0, 1]);
  t.true(near(evoConservative.refusal_rate, 0.5 / 4.5));
  // EAT1: Liberal = 1 (1.0, all), 2 (2.0, more than half), 5 (1.0, about half); Conservative = 3 (1.5, never), 6 (2.5, refused)
  t.deepEqual(find(rows, 'EAT1_W34', 'Liberal')!.responses, [0.25, 0.5, 0.25, 0, 0]);
  t.like(find(rows, 'EAT1_W34', 'Conservative'), { responses: [0, 0, 0, 0, 1], refusal_rate: 0.625, n_respondents: 2 });

  await inProject(async (root) => {
    fs.mkdirSync('artifacts/split', { recursive: true });
    await splitStage.run(stageContext({ name: 'split', params: { waveset: 'mini', seed: 42 }, deps: ['artifacts/rows/', 'config/waves.yaml'], outs: ['artifacts/split/'], root }));
    t.deepEqual(readRows('artifacts/split/test.jsonl'), []);
    const opinionqa = readRows('artifacts/split/opinionqa.jsonl');
    t.deepEqual(opinionqa, rows.filter((r) => r.wave === 'ATP_W34').sort((a, b) => (a.qkey + a.group < b.qkey + b.group ? -1 : 1)));
    t.deepEqual(readJson<{ eval_sets: string[] }>('artifacts/split/manifest.json', 'split-manifest').eval_sets, ['opinionqa']);

    // The bootstrap finds the same respondents (it checks their shares against every row) and scores the set.
    const bounds = stageContext({
      name: 'bounds',
      params: { bootstrap_samples: 20, seed: 1 },
      deps: ['artifacts/split/', 'artifacts/tables/', 'config/waves.yaml', 'config/exclusions.yaml', 'config/subpopulations.yaml', 'config/high-relevance.yaml', 'config/subpop-release.yaml', OPINIONQA_ORDINALS],
      outs: ['artifacts/bounds/'],
      root,
    });
    await runBounds(bounds);
    const metrics = readJson<{ sets: { name: string; rows: number; human: unknown }[] }>('artifacts/bounds/metrics.json', 'bounds-metrics');
    // val and test are empty here: no respondents, so no human bound.
    t.deepEqual(metrics.sets.map((s) => [s.name, s.rows, s.human !== null]), [['val', 0, false], ['test', 0, false], ['opinionqa', opinionqa.length, true]]);
  });
});

test.serial('an OpinionQA wave listed for training is left out with the reason', async (t) => {
  const root = await project;
  const file = path.join(root, 'config/waves.yaml');
  const text = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, text.replace('role: eval, eval_set: opinionqa,', 'role: train,'));
  try {
    const { summary } = await aggregateRun({ groups: 'subpop22' }, 'artifacts/rows-train');
    t.deepEqual(summary.excluded_waves, [{ wave: 'ATP_W34', reason: 'a training wave listed in not_for_training' }]);
  } finally {
    fs.writeFileSync(file, text);
  }
});
