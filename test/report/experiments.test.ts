/**
 * The experiments' sections of RESULTS.md and report.html (population-marginal baseline, bias audit, unseen
 * subpopulations), from hand-made inputs beside the report fixtures, with hand-computed cells; the charts are
 * checked in headless Chromium.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { runReport } from '../../stages/report.js';
import { runScaling } from '../../stages/scaling.js';
import { audit } from '../../survey/audit.js';
import { chromiumAvailable, chromiumRequired, renderPage } from '../helpers/chromium.js';
import { tmp } from '../helpers/files.js';
import { auditRow } from '../helpers/rows.js';
import { stageContext } from '../helpers/stage-context.js';

const fixtures = path.resolve(import.meta.dirname, '../fixtures/eval/report');

const means = (wd: number, rows = 2) => ({ rows, wd_rows: rows, wd });
const summary = (wd: number, rows: number, groups: [string, string, number][]) => ({
  ...means(wd, rows),
  attributes: [...new Set(groups.map(([a]) => a))].map((attribute) => ({ attribute, ...means(wd) })),
  groups: groups.map(([attribute, group, g]) => ({ attribute, group, ...means(g) })),
});

function writeJson(file: string, data: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
}

/** artifacts/ of a project with model alpha evaluated (the report fixtures) and every experiment's folder. */
function project(): { root: string; deps: string[] } {
  const root = tmp('report-experiments-');
  const a = (p: string) => path.join(root, 'artifacts', p);
  fs.cpSync(path.join(fixtures, 'eval', 'alpha-QA'), a('eval/alpha-QA'), { recursive: true });
  fs.cpSync(path.join(fixtures, 'bounds'), a('bounds'), { recursive: true });
  // alpha's fine-tuned group WDs (make.py): val Conservative 0.1, Liberal 0.1, Jewish 0.18; test 0.14, 0.14, 0.19.
  writeJson(a('marginal/metrics.json'), {
    sets: [
      { name: 'val', file: 'artifacts/split/val.jsonl', rows: 8, without_population: 0, marginal: summary(0.06, 8, [['POLIDEOLOGY', 'Conservative', 0.2], ['POLIDEOLOGY', 'Liberal', 0.05], ['RELIG', 'Jewish', 0.3]]) },
      { name: 'test', file: 'artifacts/split/test.jsonl', rows: 10, without_population: 0, marginal: summary(0.1, 10, [['POLIDEOLOGY', 'Conservative', 0.1], ['POLIDEOLOGY', 'Liberal', 0.1], ['RELIG', 'Jewish', 0.1]]) },
    ],
  });
  fs.writeFileSync(a('marginal/marginal.jsonl'), '');
  const rows = ['val', 'test'].flatMap((set) => [
    auditRow(set, 'POLIDEOLOGY', 'Conservative', 0.4, 0.1, 100, 0.2),
    auditRow(set, 'POLIDEOLOGY', 'Liberal', 0.2, 0.15, 50, 0.05),
    auditRow(set, 'RELIG', 'Jewish', 0.3, 0.2, 10, 0.3),
  ]);
  writeJson(a('audit/alpha/audit.json'), { model: 'alpha', sets: audit(rows) });
  fs.cpSync(path.join(fixtures, 'eval', 'alpha-QA'), a('unseen/eval/alpha-QA'), { recursive: true });
  fs.cpSync(path.join(fixtures, 'bounds'), a('unseen/bounds'), { recursive: true });
  writeJson(a('unseen/split/unseen.json'), {
    group_set: 'opinionqa61',
    seen: ['POLIDEOLOGY/Liberal'],
    unseen: [{ attribute: 'AGE', group: '18-29', rows: { val: 8, test: 0 }, not_formed: ['GSS: age not present'] }],
    absent: [{ attribute: 'MARITAL', group: 'Married', reason: 'not formed (W1: F_MARITAL not present)' }],
  });
  return { root, deps: ['eval', 'bounds', 'marginal', 'audit', 'unseen'].map(a) };
}

const tableRow = (md: string, label: string): string[] => {
  const line = md.split('\n').find((l) => l.startsWith(`| ${label} |`));
  if (!line) throw new Error(`no row "${label}"`);
  return line.split(' | ').slice(1).map((c) => c.replace(/ \|$/, ''));
};

async function report(t: { teardown: (fn: () => void) => void }) {
  const { root, deps } = project();
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const outs = [path.join(root, 'RESULTS.md'), path.join(root, 'artifacts/report')];
  await runReport(stageContext({ name: 'report', deps, outs }));
  return { root, md: fs.readFileSync(outs[0]!, 'utf8'), html: path.join(outs[1]!, 'report.html') };
}

test('RESULTS.md: the marginal baseline, the bias audit and the unseen groups, against hand-computed cells', async (t) => {
  const { md } = await report(t);
  t.true(md.includes('## Population-marginal baseline') && md.includes('## Bias audit') && md.includes('## Unseen subpopulations'));
  t.deepEqual(tableRow(md, 'Population marginal'), ['0.060', '0.100']);
  // zero-shot 0.3 / 0.06, 0.2 / 0.1; fine-tuned 0.12 / 0.06, 0.15 / 0.1
  t.deepEqual(tableRow(md, 'Zero-shot ÷ marginal'), ['5.00×', '2.00×']);
  t.deepEqual(tableRow(md, 'Fine-tuned ÷ marginal'), ['2.00×', '1.50×']);
  // val: Conservative 0.1 < 0.2, Jewish 0.18 < 0.3, Liberal 0.1 ≥ 0.05; test: none below 0.1
  t.deepEqual(tableRow(md, 'Groups where fine-tuned beats the marginal'), ['2 of 3', '0 of 3']);
  // POLIDEOLOGY zero-shot: Liberal 0.2 best, Conservative 0.4 worst; fine-tuned: Conservative 0.1, Liberal 0.15:
  // the gap falls from 0.2 to 0.05. RELIG has one group: no gap.
  t.deepEqual(tableRow(md, 'POLIDEOLOGY | 2').slice(1, 8), ['Liberal (0.200)', 'Conservative (0.400)', '0.200', 'Conservative (0.100)', 'Liberal (0.150)', '0.050', 'narrowed (−0.150)']);
  t.false(md.includes('| RELIG | 1 |'));
  t.regex(md, /- \*\*Absent\*\*: MARITAL\/Married \(not formed \(W1: F_MARITAL not present\)\)/);
  t.regex(md, /- \*\*No rows in test\*\*: AGE\/18-29 \(GSS: age not present\)/);
  t.true(md.endsWith('`npx pipe run scaling` writes RESULTS-scaling.md.\n'));
});

const title = 'report.html draws the experiments’ charts in headless Chromium, with no console errors and no network requests';
if (!chromiumAvailable && !chromiumRequired) test.skip(title, () => {});
else {
  test(title, async (t) => {
    t.true(chromiumAvailable, 'chromium is required (PIPE_REQUIRE_CHROMIUM=1) but not installed: apt-get install chromium');
    if (!chromiumAvailable) return;
    const { root, html } = await report(t);
    const { charts, errors, requests } = await renderPage(html, root);
    // alpha's two group charts, loss curve and scatter; the audit's scatter for val and test; the unseen group
    // charts for val and test.
    t.is(charts.length, 8);
    charts.forEach((c, i) => t.true(c.width > 100 && c.height > 100 && c.marks > 0, `chart ${i}: ${JSON.stringify(c)}`));
    t.deepEqual(errors, []);
    t.deepEqual(requests, []);
  });
}

/** The scaling stage's inputs: alpha's main evaluation, the bounds, and fractions 0.5 and 1 (alpha's own scores). */
function scalingProject(): { root: string; deps: string[] } {
  const root = tmp('report-scaling-');
  const a = (p: string) => path.join(root, 'artifacts', p);
  fs.cpSync(path.join(fixtures, 'eval', 'alpha-QA'), a('eval/alpha-QA'), { recursive: true });
  fs.cpSync(path.join(fixtures, 'bounds'), a('bounds'), { recursive: true });
  const alpha = JSON.parse(fs.readFileSync(path.join(fixtures, 'eval', 'alpha-QA', 'metrics.json'), 'utf8'));
  const half = structuredClone(alpha);
  half.sets[0].fine_tuned.wd = 0.2;
  half.sets[1].fine_tuned.wd = 0.18;
  writeJson(a('scaling/alpha/0.5/eval/metrics.json'), half);
  writeJson(a('scaling/alpha/1/eval/metrics.json'), alpha);
  for (const [key, fraction, units, rows] of [['0.5', 0.5, 2, 16], ['1', 1, 4, 32]] as const) {
    writeJson(a(`scaling/subsets/${key}/subset.json`), { fraction, seed: 42, split_by: 'question', units, of_units: 4, rows, of_rows: 32 });
  }
  return { root, deps: [a('scaling/subsets/0.5'), a('scaling/subsets/1'), a('scaling/alpha/0.5/eval'), a('scaling/alpha/1/eval'), a('eval/alpha-QA'), a('bounds')] };
}

test('RESULTS-scaling.md: WD per fraction with zero-shot at 0 and the bounds, and the share of the improvement; its chart renders', async (t) => {
  const { root, deps } = scalingProject();
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const outs = [path.join(root, 'RESULTS-scaling.md'), path.join(root, 'artifacts/scaling/report')];
  await runScaling(stageContext({ name: 'scaling', params: { model: 'alpha', steering: 'QA' }, deps, outs, metrics: [path.join(outs[1]!, 'metrics.json')] }));
  const md = fs.readFileSync(outs[0]!, 'utf8');
  t.deepEqual(tableRow(md, 'none (zero-shot)'), ['0', '0', '0.300', '0.200']);
  t.deepEqual(tableRow(md, '50%').slice(0, 4), ['2', '16', '0.200', '0.180']);
  t.deepEqual(tableRow(md, '100%'), ['4', '32', '0.120', '0.150']);
  t.deepEqual(tableRow(md, 'Uniform (upper bound)'), ['', '', '0.280', '0.250']);
  // (0.3 − 0.2) / (0.3 − 0.12) = 55.6%; (0.2 − 0.18) / (0.2 − 0.15) = 40.0%
  t.true(md.includes('| 50% | 55.6% | 40.0% |'));
  t.deepEqual(JSON.parse(fs.readFileSync(path.join(outs[1]!, 'metrics.json'), 'utf8')).val, { '0': 0.3, '0.5': 0.2, '1': 0.12, uniform: 0.28, human: 0.06 });
  if (!chromiumAvailable && !chromiumRequired) return;
  t.true(chromiumAvailable, 'chromium is required (PIPE_REQUIRE_CHROMIUM=1) but not installed: apt-get install chromium');
  const { charts, errors, requests } = await renderPage(path.join(outs[1]!, 'report.html'), root);
  t.is(charts.length, 1);
  t.true(charts[0]!.width > 100 && charts[0]!.height > 100 && charts[0]!.marks > 0, JSON.stringify(charts[0]));
  t.deepEqual([...errors, ...requests], []);
});
