/**
 * Ingest of one survey wave: its SPSS file → the Parquet tables of docs/data-model.md plus `ingest.json`.
 * Cases stream from the reader in batches straight into DuckDB appenders, so memory holds one batch of cases in
 * JS however large the wave; DuckDB sorts and writes the Parquet files.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { withAtomicFile, writeFileAtomic } from '../lib/atomic.js';
import { sqlString } from '../lib/duckdb.js';
import { validate } from '../lib/schema.js';
import { isMissingNumber } from '../formats/sav/missing.js';
import { openSav } from '../formats/sav/reader.js';
import type { Column } from '../formats/sav/cases.js';
import type { SavVariable } from '../formats/sav/dictionary.js';
import type { WaveEntry } from '../net/waves.js';
import { planAtp, planGss, type IngestPlan } from './ingest-plan.js';

export interface IngestSummary {
  wave: string;
  family: 'atp' | 'gss';
  file: string;
  respondents: number;
  questions: number;
  answers: number;
  /** Answers whose code the file declares user-missing and labels (kept: see docs/data-model.md). */
  user_missing_answers: number;
  /** Cells dropped because their code is declared user-missing and has no value label. */
  unlabelled_missing_cells: number;
  respondent_variable: string;
  weight_variable: string;
  missing_weights: number;
  profile_variables: string[];
  profile_missing: string[];
}

export interface IngestOptions {
  wave: string;
  entry: WaveEntry;
  /** The fetched wave folder, holding exactly one .sav or .zsav file. */
  inputDir: string;
  /** Receives the Parquet tables and ingest.json. */
  outDir: string;
  threads?: number;
  signal?: AbortSignal;
  progress?: (done: number, total: number | undefined) => void;
}

/** The one .sav/.zsav file of a fetched wave folder. */
export function waveFile(dir: string, wave: string): string {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => /\.z?sav$/i.test(n));
  } catch (err) {
    throw new Error(`${wave}: ${dir}: ${(err as Error).message}`);
  }
  if (names.length !== 1) {
    throw new Error(`${wave}: ${dir} must hold exactly one .sav or .zsav file, found ${names.length ? names.join(', ') : 'none'}`);
  }
  return path.join(dir, names[0]);
}

const SCHEMA = `
CREATE TABLE respondents (respondent VARCHAR, weight DOUBLE);
CREATE TABLE answers (qkey VARCHAR, respondent VARCHAR, code DOUBLE NOT NULL);
CREATE TABLE profiles (respondent VARCHAR, variable VARCHAR, code DOUBLE NOT NULL, label VARCHAR);
CREATE TABLE value_labels (variable VARCHAR, code DOUBLE, label VARCHAR);
CREATE TABLE question_list (qkey VARCHAR, text VARCHAR, options VARCHAR, codes VARCHAR, user_missing_codes VARCHAR, refusal_code DOUBLE);
`;

/** Each output table: the query that gives its rows in the documented order. */
const OUTPUTS: Record<string, string> = {
  questions:
    "SELECT $wave AS wave, qkey, text, from_json(options, '[\"VARCHAR\"]') AS options, from_json(codes, '[\"DOUBLE\"]') AS codes, from_json(user_missing_codes, '[\"DOUBLE\"]') AS user_missing_codes, refusal_code FROM question_list ORDER BY qkey",
  answers: 'SELECT $wave AS wave, qkey, respondent, code FROM answers ORDER BY qkey, respondent',
  respondents: 'SELECT $wave AS wave, respondent, weight FROM respondents ORDER BY respondent',
  profiles: 'SELECT $wave AS wave, respondent, variable, code, label FROM profiles ORDER BY variable, respondent',
  value_labels: 'SELECT $wave AS wave, variable, code, label FROM value_labels ORDER BY variable, code',
};

function respondentIds(v: SavVariable, column: Column, file: string, wave: string, start: number): string[] {
  const ids = new Array<string>(column!.length);
  for (let i = 0; i < ids.length; i++) {
    const x = column![i];
    const id = typeof x === 'number' ? (Number.isNaN(x) ? '' : String(x)) : x;
    if (id === '') throw new Error(`${wave}: ${file}: case ${start + i + 1} has no respondent id (${v.name})`);
    ids[i] = id;
  }
  return ids;
}

interface CaseCounts {
  respondents: number;
  answers: number;
  userMissingAnswers: number;
  unlabelledMissingCells: number;
  missingWeights: number;
}

/**
 * What a question cell is: system-missing (NaN) and user-missing codes without a value label are no answer;
 * every other code is, user-missing labelled ones included, as when the file is read with user-missing values
 * kept (haven `user_na = TRUE`, pyreadstat `user_missing = True`).
 */
function cellKind(p: IngestPlan['questions'][number]): (x: number) => 'none' | 'unlabelled-missing' | 'missing' | 'answer' {
  const missing = isMissingNumber(p.variable);
  const labelled = new Set(p.userMissingCodes);
  return (x) => (Number.isNaN(x) ? 'none' : !missing(x) ? 'answer' : labelled.has(x) ? 'missing' : 'unlabelled-missing');
}

async function streamCases(conn: DuckDBConnection, plan: IngestPlan, file: string, opts: IngestOptions): Promise<CaseCounts> {
  const sav = await openSav(file);
  const appenders: DuckDBAppender[] = [];
  try {
    const [resp, ans, prof] = await Promise.all(['respondents', 'answers', 'profiles'].map((t) => conn.createAppender(t)));
    appenders.push(resp, ans, prof);
    const dict = sav.dictionary;
    const q = plan.questions.map((p) => ({ qkey: p.qkey, index: p.variable.index, kind: cellKind(p) }));
    const pr = plan.profile.map((v) => ({ name: v.name, index: v.index, labels: new Map(v.valueLabels.map((l) => [l.value, l.label.trim()])) }));
    const weightMissing = isMissingNumber(plan.weight);
    const names = [plan.respondent, plan.weight, ...plan.questions.map((p) => p.variable), ...plan.profile].map((v) => v.name);
    let answers = 0;
    let userMissingAnswers = 0;
    let unlabelledMissingCells = 0;
    let missingWeights = 0;
    let respondents = 0;
    for await (const batch of sav.batches({ variables: [...new Set(names)] })) {
      opts.signal?.throwIfAborted();
      const ids = respondentIds(plan.respondent, batch.columns[plan.respondent.index], file, opts.wave, batch.start);
      const weights = batch.columns[plan.weight.index] as Float64Array;
      for (let i = 0; i < batch.length; i++) {
        resp.appendVarchar(ids[i]);
        if (weightMissing(weights[i])) {
          resp.appendNull();
          missingWeights++;
        } else resp.appendDouble(weights[i]);
        resp.endRow();
      }
      for (const { qkey, index, kind } of q) {
        const col = batch.columns[index] as Float64Array;
        for (let i = 0; i < batch.length; i++) {
          const x = col[i];
          const k = kind(x);
          if (k === 'none') continue;
          if (k === 'unlabelled-missing') {
            unlabelledMissingCells++;
            continue;
          }
          if (k === 'missing') userMissingAnswers++;
          ans.appendVarchar(qkey);
          ans.appendVarchar(ids[i]);
          ans.appendDouble(x);
          ans.endRow();
          answers++;
        }
      }
      for (const { name, index, labels } of pr) {
        const col = batch.columns[index] as Float64Array;
        for (let i = 0; i < batch.length; i++) {
          const x = col[i];
          if (Number.isNaN(x)) continue;
          prof.appendVarchar(ids[i]);
          prof.appendVarchar(name);
          prof.appendDouble(x);
          const label = labels.get(x);
          if (label === undefined) prof.appendNull();
          else prof.appendVarchar(label);
          prof.endRow();
        }
      }
      respondents += batch.length;
      opts.progress?.(respondents, dict.caseCount ?? undefined);
    }
    return { respondents, answers, userMissingAnswers, unlabelledMissingCells, missingWeights };
  } finally {
    for (const a of appenders) a.closeSync();
    await sav.close();
  }
}

async function appendPlanTables(conn: DuckDBConnection, plan: IngestPlan): Promise<void> {
  const qs = await conn.createAppender('question_list');
  for (const p of plan.questions) {
    qs.appendVarchar(p.qkey);
    if (p.text === null) qs.appendNull();
    else qs.appendVarchar(p.text);
    qs.appendVarchar(JSON.stringify(p.options));
    qs.appendVarchar(JSON.stringify(p.codes));
    qs.appendVarchar(JSON.stringify(p.userMissingCodes));
    if (p.refusalCode === null) qs.appendNull();
    else qs.appendDouble(p.refusalCode);
    qs.endRow();
  }
  qs.closeSync();
  const vl = await conn.createAppender('value_labels');
  for (const v of plan.profile) {
    for (const l of v.valueLabels) {
      vl.appendVarchar(v.name);
      vl.appendDouble(l.value as number);
      vl.appendVarchar(l.label.trim());
      vl.endRow();
    }
  }
  vl.closeSync();
}

export async function ingestWave(opts: IngestOptions): Promise<IngestSummary> {
  const { wave, entry } = opts;
  const file = waveFile(opts.inputDir, wave);
  const dict = await openSav(file).then(async (sav) => {
    await sav.close();
    return sav.dictionary;
  });
  const plan = entry.family === 'atp' ? planAtp(wave, dict) : planGss(wave, dict, entry);

  const spill = fs.mkdtempSync(path.join(os.tmpdir(), 'subpop-ingest-'));
  const instance = await DuckDBInstance.create(':memory:', { threads: String(opts.threads ?? 1), temp_directory: spill });
  const conn = await instance.connect();
  try {
    await conn.run(SCHEMA);
    await appendPlanTables(conn, plan);
    const counts = await streamCases(conn, plan, file, opts);
    const dup = await conn.runAndReadAll('SELECT respondent FROM respondents GROUP BY respondent HAVING count(*) > 1 ORDER BY respondent LIMIT 1');
    const dupId = dup.getRows()[0]?.[0];
    if (dupId !== undefined) throw new Error(`${wave}: ${file}: respondent id ${String(dupId)} (${plan.respondent.name}) occurs more than once`);
    fs.mkdirSync(opts.outDir, { recursive: true });
    for (const [table, query] of Object.entries(OUTPUTS)) {
      await withAtomicFile(path.join(opts.outDir, `${table}.parquet`), (tmp) =>
        conn.run(`COPY (${query.replaceAll('$wave', sqlString(wave))}) TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`),
      );
    }
    const summary: IngestSummary = {
      wave,
      family: entry.family,
      file: path.basename(file),
      respondents: counts.respondents,
      questions: plan.questions.length,
      answers: counts.answers,
      user_missing_answers: counts.userMissingAnswers,
      unlabelled_missing_cells: counts.unlabelledMissingCells,
      respondent_variable: plan.respondent.name,
      weight_variable: plan.weight.name,
      missing_weights: counts.missingWeights,
      profile_variables: plan.profile.map((v) => v.name),
      profile_missing: plan.profileMissing,
    };
    validate('ingest', summary, `${wave}: ingest.json`);
    writeFileAtomic(path.join(opts.outDir, 'ingest.json'), `${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  } finally {
    conn.closeSync();
    instance.closeSync();
    fs.rmSync(spill, { recursive: true, force: true });
  }
}
