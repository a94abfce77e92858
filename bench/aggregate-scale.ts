/**
 * The aggregate stage at ATP scale: 53 waves × 5,000 respondents × 90 questions (≈ 23M answers), the 22 SubPOP
 * groups. Targets: ≤ 30 s and ≤ 2 GB peak RSS on 2 cores, ≥ 5× faster than a pandas groupby doing the same
 * computation on the same data (bench/aggregate-pandas.py, Debian python3-pandas), with the same numbers.
 *
 *   npx tsx bench/aggregate-scale.ts [--waves 53] [--respondents 5000] [--questions 90] [--keep DIR]
 *
 * `--keep DIR` leaves the data in DIR, and a later run with the same sizes reuses it.
 *
 * The synthetic waves are generated with DuckDB (hash-based, so the same every time) in the layout of
 * docs/data-model.md, with Pew's profile variables and labels (F_GENDER in every third wave instead of F_SEX,
 * F_INCOME in the older half, F_INC_SDT1 in the newer), 1% missing weights, 5% skipped questions and 3%
 * refusals. The aggregation runs twice in child processes (peak RSS from the child's resource usage); both
 * outputs must be byte-identical. The load average is printed before and after: on shared cores the wall
 * times follow it, the CPU times much less. Debian 12 has no Parquet reader for Python (no pyarrow, no
 * fastparquet), so pandas reads CSV copies of the same Parquet tables; its load and compute times are reported
 * separately.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { aggregate, loadExclusions, type AggregateSummary } from '../survey/aggregate.js';
import { readRows } from '../survey/rows.js';
import { groupSet, loadSubpopulations } from '../survey/subpopulations.js';

const root = path.resolve(import.meta.dirname, '..');

/** Pew profile variables and their value labels (docs/survey-layouts.md). */
const PROFILE: Record<string, string[]> = {
  F_AGECAT: ['18-29', '30-49', '50-64', '65+'],
  F_SEX: ['Male', 'Female'],
  F_GENDER: ['A man', 'A woman', 'In some other way'],
  F_EDUCCAT2: ['Less than high school', 'High school graduate', 'Some college, no degree', "Associate's degree", 'College graduate/some post grad', 'Postgraduate'],
  F_CREGION: ['Northeast', 'Midwest', 'South', 'West'],
  F_PARTY_FINAL: ['Republican', 'Democrat', 'Independent', 'Something else'],
  F_IDEO: ['Very conservative', 'Conservative', 'Moderate', 'Liberal', 'Very liberal'],
  F_INC_SDT1: ['Less than $30,000', '$30,000 to less than $40,000', '$40,000 to less than $50,000', '$50,000 to less than $60,000', '$60,000 to less than $70,000', '$70,000 to less than $80,000', '$80,000 to less than $90,000', '$90,000 to less than $100,000', '$100,000 or more'],
  F_INCOME: ['Less than $10,000', '10 to under $20,000', '20 to under $30,000', '30 to under $40,000', '40 to under $50,000', '50 to under $75,000', '75 to under $100,000', '100 to under $150,000', '$150,000 or more'],
  F_RACETHNMOD: ['White non-Hispanic', 'Black non-Hispanic', 'Hispanic', 'Other', 'Asian non-Hispanic'],
  F_RELIG: ['Protestant', 'Roman Catholic', 'Mormon (Church of Jesus Christ of Latter-day Saints or LDS)', 'Orthodox (such as Greek, Russian, or some other Orthodox church)', 'Jewish', 'Muslim', 'Buddhist', 'Hindu', 'Atheist', 'Agnostic', 'Other', 'Nothing in particular'],
};

const sq = (s: string) => `'${s.replaceAll("'", "''")}'`;

async function generate(dir: string, nWaves: number, nResp: number, nQuestions: number): Promise<string[]> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await instance.connect();
  const labelRows = Object.entries(PROFILE).flatMap(([variable, labels]) => [
    ...labels.map((label, i) => `(${sq(variable)}, ${i + 1}, ${sq(label)})`),
    `(${sq(variable)}, 99, 'Refused')`,
  ]);
  await conn.run(`CREATE TABLE labels AS SELECT * FROM (VALUES ${labelRows.join(', ')}) t(variable, code, label)`);
  const waves: string[] = [];
  for (let i = 0; i < nWaves; i++) {
    const wave = `ATP_W${1000 + i}`;
    waves.push(wave);
    const sexVar = i % 3 === 0 ? 'F_GENDER' : 'F_SEX';
    const incomeVar = i < nWaves / 2 ? 'F_INCOME' : 'F_INC_SDT1';
    const vars = Object.keys(PROFILE).filter((v) => !['F_SEX', 'F_GENDER', 'F_INC_SDT1', 'F_INCOME'].includes(v) || v === sexVar || v === incomeVar);
    const out = path.join(dir, wave);
    fs.mkdirSync(out, { recursive: true });
    const w = sq(wave);
    await conn.run(`
      CREATE OR REPLACE TABLE respondents AS
      SELECT ${w} AS wave, printf('R%06d', r) AS respondent,
             CASE WHEN hash(${w}, r, 'weight') % 100 = 0 THEN NULL ELSE 0.2 + (hash(${w}, r, 'w2') % 100000) / 35000.0 END AS weight
      FROM range(${nResp}) t(r);
      CREATE OR REPLACE TABLE wave_labels AS
      SELECT ${w} AS wave, variable, code::DOUBLE AS code, label FROM labels WHERE variable IN (${vars.map(sq).join(', ')});
      CREATE OR REPLACE TABLE profiles AS
      WITH codes AS (SELECT variable, list(code ORDER BY code) AS codes FROM wave_labels GROUP BY variable)
      SELECT ${w} AS wave, r.respondent, c.variable,
             c.codes[(1 + hash(r.respondent, c.variable, ${w}) % len(c.codes))::BIGINT] AS code
      FROM respondents r CROSS JOIN codes c;
      CREATE OR REPLACE TABLE questions AS
      SELECT ${w} AS wave, printf('Q%03d_W%d', q, ${1000 + i}) AS qkey, printf('Question %d?', q) AS text,
             list_append([printf('Option %d', j) FOR j IN range(1, 3 + q % 5)], 'Refused') AS options,
             list_append([j::DOUBLE FOR j IN range(1, 3 + q % 5)], 99.0) AS codes, []::DOUBLE[] AS user_missing_codes, 99.0 AS refusal_code,
             2 + q % 5 AS k
      FROM range(${nQuestions}) t(q);
      CREATE OR REPLACE TABLE answers AS
      SELECT ${w} AS wave, q.qkey, r.respondent,
             CASE WHEN hash(q.qkey, r.respondent, 'refuse') % 33 = 0 THEN 99
                  ELSE 1 + (hash(q.qkey, r.respondent, 'code') % 1000 + p.code::BIGINT) % q.k END::DOUBLE AS code
      FROM questions q CROSS JOIN respondents r
      JOIN profiles p ON p.respondent = r.respondent AND p.variable = 'F_IDEO'
      WHERE hash(q.qkey, r.respondent, 'skip') % 20 <> 0;
      COPY (SELECT wave, qkey, text, options, codes, user_missing_codes, refusal_code FROM questions ORDER BY qkey) TO ${sq(path.join(out, 'questions.parquet'))} (FORMAT parquet, COMPRESSION zstd);
      COPY (SELECT * FROM answers ORDER BY qkey, respondent) TO ${sq(path.join(out, 'answers.parquet'))} (FORMAT parquet, COMPRESSION zstd);
      COPY (SELECT * FROM respondents ORDER BY respondent) TO ${sq(path.join(out, 'respondents.parquet'))} (FORMAT parquet, COMPRESSION zstd);
      COPY (SELECT p.*, l.label FROM profiles p LEFT JOIN wave_labels l USING (variable, code) ORDER BY variable, respondent)
        TO ${sq(path.join(out, 'profiles.parquet'))} (FORMAT parquet, COMPRESSION zstd);
      COPY (SELECT * FROM wave_labels ORDER BY variable, code) TO ${sq(path.join(out, 'value_labels.parquet'))} (FORMAT parquet, COMPRESSION zstd);
    `);
  }
  conn.closeSync();
  instance.closeSync();
  return waves;
}

/** Child-process mode: aggregate, then report time and peak RSS on stdout. */
async function runAggregate(tables: string, out: string, waves: string[]) {
  const subpops = loadSubpopulations(path.join(root, 'config/subpopulations.yaml'));
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  await aggregate({
    waves: waves.map((id) => ({ id, family: 'atp', role: 'train', tables: path.join(tables, id) })),
    groups: groupSet(subpops, 'subpop22'),
    exclusions: loadExclusions(path.join(root, 'config/exclusions.yaml')),
    minN: 1,
    outDir: out,
    waveset: 'bench',
    groupSet: 'subpop22',
    threads: 2,
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  console.log(JSON.stringify({ seconds, cpuSeconds: (used.user + used.system) / 1e6, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
}

const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

async function main() {
  const { values } = parseArgs({
    options: {
      waves: { type: 'string', default: '53' },
      respondents: { type: 'string', default: '5000' },
      questions: { type: 'string', default: '90' },
      keep: { type: 'string' },
      child: { type: 'string' },
    },
  });
  if (values.child) {
    const { tables, out, waves } = JSON.parse(values.child) as { tables: string; out: string; waves: string[] };
    await runAggregate(tables, out, waves);
    return;
  }
  const dir = values.keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'subpop-bench-aggregate-'));
  const tables = path.join(dir, 'tables');
  const size = JSON.stringify({ waves: values.waves, respondents: values.respondents, questions: values.questions });
  const sizeFile = path.join(dir, 'size.json');
  let t0 = Date.now();
  let waves: string[];
  if (fs.existsSync(sizeFile) && fs.readFileSync(sizeFile, 'utf8') === size) {
    waves = fs.readdirSync(tables).sort();
    console.log(`reusing the ${waves.length} waves under ${tables}`);
  } else {
    waves = await generate(tables, Number(values.waves), Number(values.respondents), Number(values.questions));
    fs.writeFileSync(sizeFile, size);
    console.log(`generated ${waves.length} waves in ${((Date.now() - t0) / 1000).toFixed(1)} s under ${tables}`);
  }

  // Other work on the machine shows in the wall times (2 shared cores): print the load next to them.
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`load average ${load()}`);
  const runs = [];
  for (const name of ['run1', 'run2']) {
    const out = path.join(dir, name);
    const child = JSON.stringify({ tables, out, waves });
    const stdout = execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--child', child], { encoding: 'utf8', cwd: root });
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as { seconds: number; cpuSeconds: number; maxRssMB: number };
    runs.push(r);
    console.log(`aggregate ${name}: ${r.seconds.toFixed(2)} s wall, ${r.cpuSeconds.toFixed(2)} s CPU, peak RSS ${r.maxRssMB.toFixed(0)} MB`);
  }
  for (const f of ['rows.jsonl', 'rows.parquet', 'summary.json']) {
    const same = sha(path.join(dir, 'run1', f)) === sha(path.join(dir, 'run2', f));
    console.log(`${f}: ${same ? 'identical' : 'DIFFERENT'} across runs`);
  }
  const summary = JSON.parse(fs.readFileSync(path.join(dir, 'run1', 'summary.json'), 'utf8')) as AggregateSummary;
  console.log(`rows ${summary.rows}, below min_n ${summary.below_min_n}, all refused ${summary.all_refused}`);

  // pandas reference on CSV copies of the same tables.
  t0 = Date.now();
  const csv = path.join(dir, 'csv');
  fs.mkdirSync(csv, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await instance.connect();
  for (const t of ['answers', 'respondents', 'profiles']) {
    const files = `[${waves.map((w) => sq(path.join(tables, w, `${t}.parquet`))).join(', ')}]`;
    await conn.run(`COPY (SELECT * FROM read_parquet(${files})) TO ${sq(path.join(csv, `${t}.csv`))} (HEADER)`);
  }
  const qfiles = `[${waves.map((w) => sq(path.join(tables, w, 'questions.parquet'))).join(', ')}]`;
  await conn.run(`COPY (SELECT wave, qkey, to_json(codes) AS codes FROM read_parquet(${qfiles})) TO ${sq(path.join(csv, 'questions.csv'))} (HEADER)`);
  conn.closeSync();
  instance.closeSync();
  console.log(`CSV copies for pandas in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const pyOut = path.join(dir, 'pandas-rows.jsonl');
  const py = execFileSync('/usr/bin/python3', [path.join(root, 'bench/aggregate-pandas.py'), csv, path.join(dir, 'run1', 'summary.json'), pyOut], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const pandas = JSON.parse(py.trim().split('\n').pop()!) as { load_seconds: number; compute_seconds: number; compute_cpu_seconds: number; max_rss_mb: number };
  console.log(
    `pandas: load CSV ${pandas.load_seconds.toFixed(1)} s, compute ${pandas.compute_seconds.toFixed(1)} s wall / ` +
      `${pandas.compute_cpu_seconds.toFixed(1)} s CPU, peak RSS ${pandas.max_rss_mb.toFixed(0)} MB`,
  );

  // Same numbers?
  const ours = readRows(path.join(dir, 'run1', 'rows.jsonl'));
  const ref = new Map(
    fs
      .readFileSync(pyOut, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { qkey: string; group: string; responses: number[]; refusal_rate: number; n_respondents: number; weight_sum: number })
      .map((r) => [`${r.qkey}|${r.group}`, r]),
  );
  let worst = 0;
  let missing = 0;
  for (const r of ours) {
    const p = ref.get(`${r.qkey}|${r.attribute}/${r.group}`);
    if (!p || r.weight_sum === null || p.n_respondents !== r.n_respondents || p.responses.length !== r.responses.length) {
      missing += 1;
      continue;
    }
    worst = Math.max(worst, Math.abs(p.refusal_rate - r.refusal_rate), Math.abs(p.weight_sum - r.weight_sum) / r.weight_sum, ...r.responses.map((v, i) => Math.abs(v - p.responses[i]!)));
  }
  console.log(`compared ${ours.length} rows with pandas's ${ref.size}: ${missing} without a matching row, largest difference ${worst.toExponential(2)}`);
  const best = Math.min(...runs.map((r) => r.seconds));
  const bestCpu = Math.min(...runs.map((r) => r.cpuSeconds));
  console.log(
    `speed-up, wall: ${(pandas.compute_seconds / best).toFixed(1)}× over pandas compute, ` +
      `${((pandas.load_seconds + pandas.compute_seconds) / best).toFixed(1)}× over load + compute; ` +
      `CPU time: ${(pandas.compute_cpu_seconds / bestCpu).toFixed(1)}× over pandas compute`,
  );
  console.log(`load average ${load()}`);
  if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
}

await main();
