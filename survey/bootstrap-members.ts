/**
 * The respondents behind each subpopulation row, for the bootstrap: for a row (wave, qkey, attribute, group),
 * the option position (1..K, 0 = refusal) and weight of every group member who gave a counted answer, read
 * from the wave's ingested Parquet tables with DuckDB and handed back as typed arrays.
 *
 * Membership and answer counting follow the aggregation (survey/aggregate.ts, aggregate.sql): group rules are
 * resolved against the wave's value labels with `resolveMembership`, answer codes map to options through
 * `questionLayout`, a member needs a weight above 0, and answers with codes no option takes are not counted.
 * The caller checks that the weighted shares of these respondents reproduce the row's `responses`, so any
 * drift from the aggregation is an error rather than a silently different bound.
 */
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { createTable, readAll, sqlString } from '../lib/duckdb.js';
import type { EvalRow } from './evaluate-sets.js';
import { loadOrdinals, questionLayout, valueLabelled, type FamilyRules, type OrdinalsFile, type QuestionRecord } from './ordinals.js';
import { groupName, resolveMembership, type Family, type SubpopulationsConfig, type ValueLabel } from './subpopulations.js';

export interface WaveTables {
  family: Family;
  /** The wave's folder of ingested tables (artifacts/tables/<WAVE>/). */
  tables: string;
  /** Curated ordinals file of the wave (config/waves.yaml `ordinals:`). */
  ordinals?: string;
}

export interface MembersOptions {
  waves: ReadonlyMap<string, WaveTables>;
  /** How each survey family marks non-answers (config/exclusions.yaml `families`). */
  rules: Partial<Record<Family, FamilyRules>>;
  groups: SubpopulationsConfig['groups'];
  threads?: number;
}

/** One row's respondents, in respondent-id order. */
export interface Respondents {
  /** Option position of each answer: 1..K, 0 for the refusal. */
  positions: Uint8Array;
  weights: Float64Array;
}

/** Respondents of every row, in row order; all rows must name a wave of `o.waves`. */
export async function rowRespondents(rows: readonly EvalRow[], o: MembersOptions): Promise<Respondents[]> {
  const byWave = new Map<string, number[]>();
  rows.forEach((r, i) => {
    if (r.wave === null) throw new Error(`${r.where}: the row names no wave, so its respondents cannot be found`);
    if (!byWave.has(r.wave)) byWave.set(r.wave, []);
    byWave.get(r.wave)!.push(i);
  });
  const out: Respondents[] = new Array(rows.length);
  const ordinalsFiles = new Map<string, OrdinalsFile>();
  const instance = await DuckDBInstance.create(':memory:', o.threads ? { threads: String(o.threads) } : {});
  const conn = await instance.connect();
  try {
    for (const [wave, indices] of [...byWave].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const first = rows[indices[0]!]!;
      const w = o.waves.get(wave);
      if (!w) throw new Error(`${first.where}: no ingested tables of wave ${wave} among the dependencies`);
      const rules = o.rules[w.family];
      if (!rules) throw new Error(`exclusions: no rules for family "${w.family}" (wave ${wave})`);
      const file = (t: string) => sqlString(path.join(w.tables, `${t}.parquet`));
      if (w.ordinals && !ordinalsFiles.has(w.ordinals)) ordinalsFiles.set(w.ordinals, loadOrdinals(w.ordinals));
      const curated = w.ordinals ? ordinalsFiles.get(w.ordinals) : undefined;

      // Answer codes → option positions, per question, checked against the rows' options.
      const qkeys = [...new Set(indices.map((i) => rows[i]!.qkey))];
      const questions = await readAll<QuestionRecord>(
        conn,
        `SELECT qkey, text, options, codes, user_missing_codes FROM read_parquet(${file('questions')}) WHERE qkey IN (${qkeys.map(sqlString).join(', ')})`,
      );
      const optionCodes: { qkey: string; code: number; position: number }[] = [];
      const layouts = new Map<string, string[]>();
      for (const q of questions) {
        const entry = curated?.questions.get(q.qkey);
        const layout = questionLayout(valueLabelled(wave, q), rules, entry && { file: curated!.file, entry });
        layouts.set(q.qkey, layout.options);
        for (const c of layout.codes) optionCodes.push({ qkey: q.qkey, code: c.code, position: c.position });
      }
      for (const i of indices) {
        const r = rows[i]!;
        const options = layouts.get(r.qkey);
        if (!options) throw new Error(`${r.where}: question ${r.qkey} is not in ${path.join(w.tables, 'questions.parquet')}`);
        if (JSON.stringify(options) !== JSON.stringify(r.options)) {
          throw new Error(`${r.where}: the row's options of ${r.qkey} differ from those the tables give (${JSON.stringify(options)})`);
        }
      }

      // Group membership from the wave's value labels, as the aggregation resolves it.
      const labels = await readAll<{ variable: string; code: number; label: string }>(
        conn,
        `SELECT variable, code, label FROM read_parquet(${file('value_labels')}) ORDER BY variable, code`,
      );
      const present = await readAll<{ variable: string }>(conn, `SELECT DISTINCT variable FROM read_parquet(${file('profiles')})`);
      const byVariable = new Map<string, ValueLabel[]>();
      for (const l of labels) {
        if (!byVariable.has(l.variable)) byVariable.set(l.variable, []);
        byVariable.get(l.variable)!.push({ code: l.code, label: l.label });
      }
      const profile = { variables: new Set([...byVariable.keys(), ...present.map((p) => p.variable)]), labels: byVariable };
      const groupIds = new Map<string, number>();
      const groupRules: { group_id: number; variable: string; code: number }[] = [];
      const targets = indices.map((i) => {
        const r = rows[i]!;
        const name = groupName(r);
        let id = groupIds.get(name);
        if (id === undefined) {
          const membership = Object.hasOwn(o.groups, r.attribute) && Object.hasOwn(o.groups[r.attribute]!, r.group) ? o.groups[r.attribute]![r.group] : undefined;
          if (!membership) throw new Error(`${r.where}: group ${name} is not defined in the subpopulations file`);
          const resolved = resolveMembership(membership, w.family, profile, `${wave}: group ${name}`);
          if (!resolved.ok) throw new Error(`${r.where}: group ${name} cannot be formed in ${wave}: ${resolved.reason}`);
          groupIds.set(name, (id = groupIds.size));
          for (const c of resolved.codes) groupRules.push({ group_id: id, variable: c.variable, code: c.code });
        }
        return { row_id: i, qkey: r.qkey, group_id: id };
      });

      await createTable(conn, 'targets', { row_id: 'INTEGER', qkey: 'VARCHAR', group_id: 'INTEGER' }, targets);
      await createTable(conn, 'group_rules', { group_id: 'INTEGER', variable: 'VARCHAR', code: 'DOUBLE' }, groupRules);
      await createTable(conn, 'option_codes', { qkey: 'VARCHAR', code: 'DOUBLE', position: 'INTEGER' }, optionCodes);
      const reader = await conn.runAndReadAll(`
        WITH members AS (
          SELECT DISTINCT p.respondent, g.group_id, r.weight
          FROM read_parquet(${file('profiles')}) AS p
          JOIN group_rules AS g ON g.variable = p.variable AND g.code = p.code
          JOIN read_parquet(${file('respondents')}) AS r ON r.respondent = p.respondent
          WHERE r.weight > 0
        )
        SELECT t.row_id, list(o.position ORDER BY a.respondent) AS positions, list(m.weight ORDER BY a.respondent) AS weights
        FROM targets AS t
        JOIN option_codes AS o ON o.qkey = t.qkey
        JOIN read_parquet(${file('answers')}) AS a ON a.qkey = o.qkey AND a.code = o.code
        JOIN members AS m ON m.respondent = a.respondent AND m.group_id = t.group_id
        GROUP BY t.row_id`);
      const [ids, positions, weights] = reader.getColumnsJS() as [number[], number[][], number[][]];
      ids.forEach((id, j) => (out[id] = { positions: Uint8Array.from(positions[j]!), weights: Float64Array.from(weights[j]!) }));
      for (const i of indices) out[i] ??= { positions: new Uint8Array(0), weights: new Float64Array(0) };
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return out;
}
