import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { uniformBound } from '../../survey/bootstrap.js';
import { summarise } from '../../survey/evaluate-summary.js';
import { highRelevanceQkeys, loadHighRelevance } from '../../survey/high-relevance.js';
import { readReleasedRows, type ReleasedRow } from '../../survey/released-rows.js';
import { scratch } from '../helpers/files.js';

const fixtures = 'test/fixtures/eval/released';
const sample = path.join(fixtures, 'subpop_eval.sample.jsonl');
const excluded = highRelevanceQkeys(loadHighRelevance());

interface Scipy {
  sha256: string;
  rows: number;
  uniform_wd: number;
  rows_without_high_relevance: number;
  uniform_wd_without_high_relevance: number;
  per_row: (number | null)[];
}

/** Mean uniform WD over rows (undefined rows skipped, as the metrics do), and the rows it averaged. */
function uniformScore(rows: readonly ReleasedRow[]): { rows: number; wd: number | null } {
  const s = summarise(rows.map((r) => ({ attribute: r.attribute, group: r.group, wd: uniformBound(r.responses, r.ordinal) })));
  return { rows: s.rows, wd: s.wd };
}

test("the sample of the authors' SubPOP-Eval file reads as released and scores scipy's uniform bound, row by row", (t) => {
  const scipy = JSON.parse(fs.readFileSync(path.join(fixtures, 'subpop_eval.sample.uniform-wd.json'), 'utf8')) as Scipy;
  const rows = readReleasedRows(sample);
  t.is(rows.length, scipy.rows);
  t.deepEqual([...new Set(rows.map((r) => r.qkey))], ['natdrug', 'satjob', 'owngun', 'fair', 'trust']);
  rows.forEach((r, i) => t.true(Math.abs(uniformBound(r.responses, r.ordinal) - scipy.per_row[i]!) < 1e-12, `line ${i + 1}`));
  t.true(Math.abs(uniformScore(rows).wd! - scipy.uniform_wd) < 1e-12);
  const kept = rows.filter((r) => !excluded.has(r.qkey));
  t.is(kept.length, scipy.rows_without_high_relevance);
  t.true(Math.abs(uniformScore(kept).wd! - scipy.uniform_wd_without_high_relevance) < 1e-12);
});

const inboxCopy = path.join('data', 'inbox', 'subpop_eval.jsonl');
const withFullFile = fs.existsSync(inboxCopy) ? test : test.skip;
withFullFile(`the full released SubPOP-Eval file gives the paper's uniform bound: 0.2080 over 2,926 rows, 0.2088 without the high-relevance questions (skipped unless ${inboxCopy} is there)`, (t) => {
  const rows = readReleasedRows(inboxCopy);
  const all = uniformScore(rows);
  const kept = uniformScore(rows.filter((r) => !excluded.has(r.qkey)));
  t.is(all.rows, 2926);
  t.is(new Set(rows.map((r) => r.qkey)).size, 133);
  t.is(all.wd!.toFixed(4), '0.2080');
  t.is(kept.rows, 128 * 22);
  t.is(kept.wd!.toFixed(4), '0.2088');
});

/** The sample's first line with `edit` applied, as the second line of a file after a good one. */
function badFile(dir: string, edit: (row: Record<string, unknown>) => void, raw?: string): string {
  const [first, second] = fs.readFileSync(sample, 'utf8').split('\n');
  const row = JSON.parse(second!) as Record<string, unknown>;
  edit(row);
  const file = path.join(dir, 'subpop_eval.jsonl');
  fs.writeFileSync(file, `${first}\n${raw ?? JSON.stringify(row)}\n`);
  return file;
}

test('a released-format file with a bad row stops with file:line, the row and the key at fault', (t) => {
  const dir = scratch(t);
  const at = `${path.join(dir, 'subpop_eval.jsonl')}:2 (qkey natdrug, CREGION/South)`;
  const cases: [string, (r: Record<string, unknown>) => void, string][] = [
    ['sum', (r) => (r['responses'] = [0.5, 0.3, 0.1]), `${at}: responses sum to 0.9, not 1 (tolerance 1e-6)`],
    ['ordinals', (r) => (r['ordinal'] = [1, 2]), `${at}: ordinal has 2 entries, but there are 3 answer options before "Refused"`],
    ['responses', (r) => (r['responses'] = [0.5, 0.5]), `${at}: responses has 2 entries, but there are 3 answer options before "Refused"`],
    [
      'options',
      (r) => {
        r['options'] = [...Array.from({ length: 10 }, (_, i) => `Option ${i + 1}`), 'Refused'];
        r['ordinal'] = Array.from({ length: 10 }, (_, i) => i + 1);
        r['responses'] = Array.from({ length: 10 }, () => 0.1);
      },
      `${at}: options has 11 entries; at most 10 (letters A–J, "Refused" included) can be prompted and trained`,
    ],
    ['refusal', (r) => (r['options'] = ['Too little', 'About right', 'Too much', 'Other']), `${at}: options must end with "Refused" (the last is "Other")`],
    ['string', (r) => (r['responses'] = ['0.7', 0.2, 0.1]), `${at}: responses.0 must be number`],
    ['missing', (r) => delete r['refusal_rate'], `${at}: missing key "refusal_rate" in (top level)`],
  ];
  for (const [name, edit, message] of cases) t.throws(() => readReleasedRows(badFile(dir, edit)), { message }, name);
  // Python's json writes NaN for a missing value; JSON has no NaN, and the message names the key.
  const nan = badFile(dir, () => {}, fs.readFileSync(sample, 'utf8').split('\n')[1]!.replace('"refusal_rate": 0.0', '"refusal_rate": NaN'));
  t.throws(() => readReleasedRows(nan), { message: `${nan}:2: NaN is not a JSON number (key "refusal_rate"); write null or a finite number` });
  const twice = badFile(dir, (r) => (r['group'] = 'Northeast'));
  t.throws(() => readReleasedRows(twice), { message: `${twice}:2: a second row for qkey natdrug, CREGION/Northeast (the first is line 1)` });
  // Within the tolerance is fine: the released file holds Σ = 1 to 2e-16, a file with fewer digits to 1e-6.
  t.is(readReleasedRows(badFile(dir, (r) => (r['responses'] = [0.7073385, 0.1969709, 0.0956906]))).length, 2);
});
