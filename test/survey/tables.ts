/**
 * Builds the ingested-wave Parquet tables of docs/data-model.md from hand-written rows, with DuckDB, for the
 * aggregation tests.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { createTable } from '../../lib/duckdb.js';

export type Labels = [code: number, label: string][];

export interface WaveSpec {
  wave: string;
  /** qkey → question text, value labels in code order (the last one is the refusal for ATP) and the labelled codes declared user-missing. */
  questions: Record<string, { text: string; labels: Labels; userMissing?: number[] }>;
  /** respondent id → weight (null = missing) and profile codes. */
  respondents: Record<string, { weight: number | null; profile: Record<string, number> }>;
  /** qkey → respondent → code; a respondent without an entry did not answer. */
  answers: Record<string, Record<string, number>>;
  /** Profile variable → all its value labels. */
  valueLabels: Record<string, Labels>;
}

export async function writeWave(dir: string, w: WaveSpec): Promise<string> {
  const out = path.join(dir, w.wave);
  fs.mkdirSync(out, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await instance.connect();
  const labelOf = (variable: string, code: number) => w.valueLabels[variable]?.find(([c]) => c === code)?.[1] ?? null;
  const tables: [string, Record<string, string | string[]>, object[]][] = [
    [
      'questions',
      { wave: 'VARCHAR', qkey: 'VARCHAR', text: 'VARCHAR', options: ['VARCHAR'], codes: ['DOUBLE'], user_missing_codes: ['DOUBLE'], refusal_code: 'DOUBLE' },
      Object.entries(w.questions).map(([qkey, q]) => ({
        wave: w.wave,
        qkey,
        text: q.text,
        options: q.labels.map(([, l]) => l),
        codes: q.labels.map(([c]) => c),
        user_missing_codes: q.userMissing ?? [],
        refusal_code: q.labels.length ? q.labels[q.labels.length - 1]![0] : null,
      })),
    ],
    [
      'answers',
      { wave: 'VARCHAR', qkey: 'VARCHAR', respondent: 'VARCHAR', code: 'DOUBLE' },
      Object.entries(w.answers).flatMap(([qkey, byResp]) =>
        Object.entries(byResp).map(([respondent, code]) => ({ wave: w.wave, qkey, respondent, code })),
      ),
    ],
    [
      'respondents',
      { wave: 'VARCHAR', respondent: 'VARCHAR', weight: 'DOUBLE' },
      Object.entries(w.respondents).map(([respondent, r]) => ({ wave: w.wave, respondent, weight: r.weight })),
    ],
    [
      'profiles',
      { wave: 'VARCHAR', respondent: 'VARCHAR', variable: 'VARCHAR', code: 'DOUBLE', label: 'VARCHAR' },
      Object.entries(w.respondents).flatMap(([respondent, r]) =>
        Object.entries(r.profile).map(([variable, code]) => ({ wave: w.wave, respondent, variable, code, label: labelOf(variable, code) })),
      ),
    ],
    [
      'value_labels',
      { wave: 'VARCHAR', variable: 'VARCHAR', code: 'DOUBLE', label: 'VARCHAR' },
      Object.entries(w.valueLabels).flatMap(([variable, labels]) => labels.map(([code, label]) => ({ wave: w.wave, variable, code, label }))),
    ],
  ];
  try {
    for (const [name, columns, rows] of tables) {
      await createTable(conn, name, columns, rows);
      await conn.run(`COPY ${name} TO '${path.join(out, `${name}.parquet`).replaceAll("'", "''")}' (FORMAT parquet)`);
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return out;
}
