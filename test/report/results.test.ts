import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { runReport } from '../../stages/report.js';
import { gapClosed, headlineMetrics, loadResults, resultsMarkdown, wdReduction } from '../../survey/report.js';
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

test('RESULTS.md: the golden file for two models, three sets and the bounds', (t) => {
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
  t.deepEqual(tableRow(md, 'WD reduction (zero-shot → fine-tuned)'), ['60.0%', '25.0%', '33.3%', '50.0%', '50.0%']);
  // 0.18/0.24, 0.05/0.15, —, 0.125/0.2, —
  t.deepEqual(tableRow(md, 'Human gap closed'), ['75.0%', '33.3%', '—', '62.5%', '—']);
  t.true(md.includes('100 bootstrap resamples (seed 42)'));
  t.is(wdReduction(0.206, 0.121)!.toFixed(3), '0.413');
  // Fine-tuning that makes things worse closes a negative share of the gap.
  t.true(Math.abs(gapClosed(0.2, 0.25, 0.05)! + 1 / 3) < 1e-15);
  t.is(gapClosed(0.05, 0.04, 0.05), null);
});

test('metrics.json holds the main table as numbers, per model and set', (t) => {
  const m = headlineMetrics(loadResults(evalRoot, boundsDir));
  t.deepEqual(Object.keys(m), ['alpha', 'beta']);
  t.deepEqual(Object.keys(m['beta']!), ['val', 'test', 'subpop_eval']);
  const close = (a: number | null | undefined, b: number) => t.true(a !== null && a !== undefined && Math.abs(a - b) < 1e-12, `${a} ≈ ${b}`);
  // alpha/val: uniform 0.28, human 0.06, zero-shot 0.3, fine-tuned 0.12 (make.py).
  close(m['alpha']!['val']!.uniform, 0.28);
  close(m['alpha']!['val']!.human, 0.06);
  close(m['alpha']!['val']!.wd_reduction, 0.18 / 0.3);
  close(m['alpha']!['val']!.human_gap_closed, 0.18 / 0.24);
  // No comparable bounds for beta/val; no respondents for the external file.
  t.like(m['beta']!['val']!, { uniform: null, human: null, human_gap_closed: null });
  t.like(m['beta']!['subpop_eval']!, { human: null, human_gap_closed: null });
});

test('report stage: RESULTS.md and a self-contained report.html; a newly evaluated model adds columns', async (t) => {
  const root = tmp('report-test-');
  const evalDir = path.join(root, 'artifacts/eval');
  fs.mkdirSync(evalDir, { recursive: true });
  fs.cpSync(path.join(evalRoot, 'alpha'), path.join(evalDir, 'alpha'), { recursive: true });
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

  fs.cpSync(path.join(evalRoot, 'beta'), path.join(evalDir, 'beta'), { recursive: true });
  const second = await run();
  t.deepEqual(tableRow(second.md, 'Method'), ['alpha (tfjs, wasm, F32): val', 'alpha (tfjs, wasm, F32): test', 'beta (llama.cpp, cpu, Q4_K_M): val', 'beta (llama.cpp, cpu, Q4_K_M): test', 'beta (llama.cpp, cpu, Q4_K_M): subpop_eval']);
  t.deepEqual(tableRow(second.md, 'Zero-shot').slice(0, 2), tableRow(first.md, 'Zero-shot'));
});

test('report with no evaluated model says how to get one; a model folder of another model is an error', async (t) => {
  const empty = tmp('report-empty-');
  t.regex(resultsMarkdown(loadResults(empty, boundsDir)), /No model has been evaluated yet: run `npx pipe run eval --model <name>`/);
  const wrong = tmp('report-wrong-');
  fs.cpSync(path.join(evalRoot, 'alpha'), path.join(wrong, 'gamma'), { recursive: true });
  t.throws(() => loadResults(wrong, boundsDir), { message: `${path.join(wrong, 'gamma', 'metrics.json')}: model "alpha" in the folder of gamma` });
  const bad = tmp('report-bad-');
  fs.mkdirSync(path.join(bad, 'alpha'));
  fs.writeFileSync(path.join(bad, 'alpha', 'metrics.json'), '{"model": "alpha"}');
  t.throws(() => loadResults(bad, boundsDir), { message: /alpha\/metrics\.json: missing key "steering"/ });
});
