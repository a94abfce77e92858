import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { runReport } from '../../stages/report.js';
import { columns, gapClosed, headlineMetrics, loadResults, resultsMarkdown, undefinedWdNote, wdReduction } from '../../survey/report.js';
import { tmp } from '../helpers/files.js';
import { stageContext } from '../helpers/stage-context.js';

// Hand-made metrics (test/fixtures/eval/report/make.py) and the RESULTS.md they give, checked by hand.
const fixtures = path.resolve(import.meta.dirname, '../fixtures/eval/report');
const evalRoot = path.join(fixtures, 'eval');
const boundsDir = path.join(fixtures, 'bounds');

const tableRow = (md: string, label: string): string[] => {
  const line = md.split('\n').find((l) => l.startsWith(`| ${label} |`));
  if (!line) throw new Error(`no row "${label}"`);
  return line.split(' | ').slice(1).map((c) => c.replace(/ \|$/, ''));
};

test('RESULTS.md: the golden file for two models, one in two steering styles, three sets and the bounds', (t) => {
  t.is(resultsMarkdown(loadResults(evalRoot, boundsDir)), fs.readFileSync(path.join(fixtures, 'RESULTS.md'), 'utf8'));
});

test('RESULTS.md: Table 1 cells against hand-computed values', (t) => {
  const md = resultsMarkdown(loadResults(evalRoot, boundsDir));
  // Each column names the engine, backend and quantisation the model was read with.
  t.deepEqual(tableRow(md, 'Method'), ['alpha (tfjs, wasm, F32): val', 'alpha (tfjs, wasm, F32): test', 'beta (llama.cpp, cpu, Q4_K_M): val', 'beta (llama.cpp, cpu, Q4_K_M): test', 'beta (llama.cpp, cpu, Q4_K_M): subpop_eval']);
  // beta's val set has 10 rows, the bounds' 8: not comparable, so no bounds there; subpop_eval has no respondents.
  t.deepEqual(tableRow(md, 'Uniform (upper bound)'), ['0.280', '0.250', '—', '0.250', '0.208']);
  t.deepEqual(tableRow(md, 'Human (bootstrap, lower bound)'), ['0.060', '0.050', '—', '0.050', '—']);
  // (0.3 − 0.12)/0.3, (0.2 − 0.15)/0.2, (0.3 − 0.2)/0.3, (0.25 − 0.125)/0.25, (0.2 − 0.1)/0.2
  t.deepEqual(tableRow(md, 'WD reduction, zero-shot → fine-tuned (QA)'), ['60.0%', '25.0%', '33.3%', '50.0%', '50.0%']);
  // 0.18/0.24, 0.05/0.15, —, 0.125/0.2, —
  t.deepEqual(tableRow(md, 'Human gap closed (QA)'), ['75.0%', '33.3%', '—', '62.5%', '—']);
  // Only alpha has a few-shot run and a BIO evaluation: one block of rows per style.
  t.deepEqual(tableRow(md, 'Few-shot (QA)'), ['0.250', '0.220', '—', '—', '—']);
  // (0.32 − 0.14)/0.32, (0.24 − 0.16)/0.24; the gap: 0.18/0.26, 0.08/0.19
  t.deepEqual(tableRow(md, 'WD reduction, zero-shot → fine-tuned (BIO)'), ['56.3%', '33.3%', '—', '—', '—']);
  t.deepEqual(tableRow(md, 'Human gap closed (BIO)'), ['69.2%', '42.1%', '—', '—', '—']);
  const labels = md.split('## Without')[0]!.split('\n').filter((l) => l.startsWith('| ')).map((l) => l.split(' | ')[0]!.slice(2));
  t.deepEqual(labels.slice(3, 13), [
    'Zero-shot (QA)', 'Few-shot (QA)', 'Fine-tuned (QA)', 'WD reduction, zero-shot → fine-tuned (QA)', 'Human gap closed (QA)',
    'Zero-shot (BIO)', 'Few-shot (BIO)', 'Fine-tuned (BIO)', 'WD reduction, zero-shot → fine-tuned (BIO)', 'Human gap closed (BIO)',
  ]);
  // Without the high-relevance questions: only the sets that have some; bounds too.
  const without = md.split('## Without the high-relevance questions')[1]!.split('## Files scored')[0]!;
  t.deepEqual(tableRow(without, 'Method'), ['alpha (tfjs, wasm, F32): test', 'beta (llama.cpp, cpu, Q4_K_M): test', 'beta (llama.cpp, cpu, Q4_K_M): subpop_eval']);
  t.deepEqual(tableRow(without, 'Rows kept'), ['8 of 10', '8 of 10', '4 of 6']);
  t.deepEqual(tableRow(without, 'Uniform (upper bound)'), ['0.260', '0.260', '0.209']);
  t.deepEqual(tableRow(without, 'Fine-tuned (QA)'), ['0.160', '0.130', '0.120']);
  // The released file that was scored, with its hash.
  t.true(md.includes(`- subpop_eval: subpop_eval.jsonl from data/subpop_eval.jsonl, sha256 ${'ab'.repeat(32)}`));
  t.true(md.includes('100 bootstrap resamples (seed 42)'));
  t.is(wdReduction(0.206, 0.121)!.toFixed(3), '0.413');
  // Fine-tuning that makes things worse closes a negative share of the gap.
  t.true(Math.abs(gapClosed(0.2, 0.25, 0.05)! + 1 / 3) < 1e-15);
  t.is(gapClosed(0.05, 0.04, 0.05), null);
});

test('metrics.json holds the main table as numbers, per model and style and set', (t) => {
  const m = headlineMetrics(loadResults(evalRoot, boundsDir));
  t.deepEqual(Object.keys(m), ['alpha-QA', 'alpha-BIO', 'beta-QA']);
  t.deepEqual(Object.keys(m['beta-QA']!), ['val', 'test', 'subpop_eval']);
  t.like(m['alpha-BIO']!['val']!, { zero_shot: 0.32, few_shot: 0.27, fine_tuned: 0.14 });
  t.is(m['beta-QA']!['val']!.few_shot, null);
  const close = (a: number | null | undefined, b: number) => t.true(a !== null && a !== undefined && Math.abs(a - b) < 1e-12, `${a} ≈ ${b}`);
  // alpha/val: uniform 0.28, human 0.06, zero-shot 0.3, fine-tuned 0.12 (make.py).
  close(m['alpha-QA']!['val']!.uniform, 0.28);
  close(m['alpha-QA']!['val']!.human, 0.06);
  close(m['alpha-QA']!['val']!.wd_reduction, 0.18 / 0.3);
  close(m['alpha-QA']!['val']!.human_gap_closed, 0.18 / 0.24);
  // No comparable bounds for beta/val; no respondents for the external file.
  t.like(m['beta-QA']!['val']!, { uniform: null, human: null, human_gap_closed: null });
  t.like(m['beta-QA']!['subpop_eval']!, { human: null, human_gap_closed: null });
});

test('report stage: RESULTS.md and a self-contained report.html; a newly evaluated model adds columns', async (t) => {
  const root = tmp('report-test-');
  const evalDir = path.join(root, 'artifacts/eval');
  fs.mkdirSync(evalDir, { recursive: true });
  fs.cpSync(path.join(evalRoot, 'alpha-QA'), path.join(evalDir, 'alpha-QA'), { recursive: true });
  const run = async () => {
    const outs = [path.join(root, 'RESULTS.md'), path.join(root, 'artifacts/report')];
    await runReport(stageContext({ name: 'report', deps: [evalDir, boundsDir], outs }));
    return { md: fs.readFileSync(outs[0]!, 'utf8'), html: fs.readFileSync(path.join(outs[1]!, 'report.html'), 'utf8') };
  };
  const first = await run();
  t.deepEqual(tableRow(first.md, 'Method'), ['alpha (tfjs, wasm, F32): val', 'alpha (tfjs, wasm, F32): test']);
  t.deepEqual(await run(), first);
  t.notRegex(first.html, /<script|<link|@import|url\(|src=|href=/i);
  t.is(first.html.match(/<svg /g)?.length, 4); // two group charts, the loss curve, one scatter

  fs.cpSync(path.join(evalRoot, 'beta-QA'), path.join(evalDir, 'beta-QA'), { recursive: true });
  const second = await run();
  t.deepEqual(tableRow(second.md, 'Method'), ['alpha (tfjs, wasm, F32): val', 'alpha (tfjs, wasm, F32): test', 'beta (llama.cpp, cpu, Q4_K_M): val', 'beta (llama.cpp, cpu, Q4_K_M): test', 'beta (llama.cpp, cpu, Q4_K_M): subpop_eval']);
  t.deepEqual(tableRow(second.md, 'Zero-shot (QA)').slice(0, 2), tableRow(first.md, 'Zero-shot (QA)'));
  // Another style of a model already there adds rows, not columns.
  fs.cpSync(path.join(evalRoot, 'alpha-BIO'), path.join(evalDir, 'alpha-BIO'), { recursive: true });
  const third = await run();
  t.deepEqual(tableRow(third.md, 'Method'), tableRow(second.md, 'Method'));
  t.deepEqual(tableRow(third.md, 'Zero-shot (BIO)'), ['0.320', '0.240', '—', '—', '—']);
});

test('report with no evaluated model says how to get one; a folder of another model or style is an error', async (t) => {
  const empty = tmp('report-empty-');
  t.regex(resultsMarkdown(loadResults(empty, boundsDir)), /No model has been evaluated yet: run `npx pipe run eval --model <name>`/);
  const wrong = tmp('report-wrong-');
  // A folder of the layout before steering styles (artifacts/eval/<model>/) says what to do.
  fs.cpSync(path.join(evalRoot, 'alpha-QA'), path.join(wrong, 'alpha'), { recursive: true });
  t.throws(() => loadResults(wrong, boundsDir), {
    message: `${path.join(wrong, 'alpha', 'metrics.json')}: alpha in QA steering belongs in alpha-QA/, not alpha/ (an evaluation from another layout: remove the folder)`,
  });
  const bad = tmp('report-bad-');
  fs.mkdirSync(path.join(bad, 'alpha-QA'));
  fs.writeFileSync(path.join(bad, 'alpha-QA', 'metrics.json'), '{"model": "alpha"}');
  t.throws(() => loadResults(bad, boundsDir), { message: /alpha-QA\/metrics\.json: missing key "steering"/ });
});

test('a set without any defined WD (SubPOP-Train\'s placeholder ordinals) is named, not averaged into garbage', (t) => {
  const results = loadResults(evalRoot, boundsDir);
  t.is(undefinedWdNote(columns(results)), undefined);
  // alpha's val as released SubPOP-Train rows give it: every ordinal 1.0, so no row has a WD.
  for (const m of results.models.filter((r) => r.metrics.model === 'alpha')) {
    const val = m.metrics.sets[0]!;
    for (const run of [val.zero_shot, val.few_shot!, val.fine_tuned]) Object.assign(run, { wd_rows: 0, wd: null });
  }
  const md = resultsMarkdown(results);
  t.deepEqual(tableRow(md, 'Zero-shot (QA)').slice(0, 2), ['—', '0.200']);
  t.deepEqual(tableRow(md, 'WD reduction, zero-shot → fine-tuned (QA)').slice(0, 1), ['—']);
  t.deepEqual(tableRow(md, 'Rows (with a defined WD)').slice(0, 1), ['8 (0)']);
  t.regex(md, /\*\*val\*\*: no row has a defined WD, because no row's ordinals span a range \(the authors' released SubPOP-Train file carries placeholder ordinals, all 1\.0\)/);
});
