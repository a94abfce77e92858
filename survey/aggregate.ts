/**
 * The aggregation: ingested wave tables → one row per (question, subpopulation) with the group's weighted
 * answer distribution. Question-level decisions (exclusions, options, refusal, ordinals) and group membership
 * rules are worked out here from the small tables; the respondent-level work runs as DuckDB SQL
 * (survey/aggregate.sql) over the Parquet files.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { withAtomicFile, writeFileAtomic } from '../lib/atomic.js';
import { createTable, readAll, sqlString } from '../lib/duckdb.js';
import { packageRoot } from '../lib/paths.js';
import { loadYaml, validate } from '../lib/schema.js';
import { loadOrdinals, questionLayout, valueLabelled, type FamilyRules, type OrdinalsFile, type QuestionRecord } from './ordinals.js';
import { waveNumber } from './ingest-plan.js';
import { listSource, readQuestionList, type QuestionList } from './question-lists.js';
import { checkRow, rowsJsonl, type SubpopRow } from './rows.js';
import { groupName, resolveMembership, type Family, type GroupSpec, type MemberCode, type ValueLabel, type WaveProfile } from './subpopulations.js';

export interface Exclusions {
  /** Waves never aggregated. */
  waves?: string[];
  /** Waves never aggregated as training waves (they may be evaluation waves). */
  not_for_training?: string[];
  qkey_prefixes?: string[];
  qkeys?: string[];
  /** JSON files listing further qkeys to leave out. */
  qkeys_files?: string[];
  max_options?: number;
  families: Partial<Record<Family, FamilyRules>>;
}

export function loadExclusions(file: string): Exclusions {
  return loadYaml<Exclusions>('exclusions', file).data;
}

export interface WaveInput {
  id: string;
  family: Family;
  role: 'train' | 'eval';
  /** The wave's ingested tables, `artifacts/tables/<WAVE>/`. */
  tables: string;
  /** Curated ordinals file (the manifest's `ordinals:`). */
  ordinals?: string;
  /** The questions to keep when `questions` is `listed` (the manifest's `allowlist`, for GSS its `questions`). */
  allowlist?: QuestionList;
}

/** `listed`: keep each wave's allowlisted questions (all, for a wave without an allowlist); `all`: every question. */
export type QuestionSelection = 'listed' | 'all';
export const QUESTION_SELECTIONS: readonly QuestionSelection[] = ['listed', 'all'];

export interface AggregateOptions {
  waves: WaveInput[];
  groups: GroupSpec[];
  exclusions: Exclusions;
  exclusionsFile?: string;
  minN: number;
  /** Default `listed`. */
  questions?: QuestionSelection;
  /** Receives rows.jsonl, rows.parquet, population.jsonl and summary.json. */
  outDir: string;
  /** Recorded in the summary. */
  waveset: string;
  groupSet: string;
  threads?: number;
  /** DuckDB memory limit in bytes (it spills to a temporary directory beyond it). */
  memoryLimit?: number;
  progress?: (note: string) => void;
  /** Interrupts the running query when aborted. */
  signal?: AbortSignal;
}

const TABLES = ['questions', 'answers', 'respondents', 'profiles', 'value_labels'] as const;

interface GroupCount {
  attribute: string;
  group: string;
  rows: number;
  below_min_n: number;
  all_refused: number;
  defines_group: number;
  members: MemberCode[];
}

interface WaveSummary {
  wave: string;
  family: Family;
  rows: number;
  questions: number;
  excluded_questions: { qkey: string; reason: string }[];
  below_min_n: number;
  all_refused: number;
  defines_group: number;
  uncounted_answers: number;
  missing_code_answers: number;
  groups: GroupCount[];
  skipped: { attribute: string; group: string; reason: string; message: string }[];
  allowlist?: {
    source: string;
    listed: number;
    found: number;
    missing: string[];
    unlisted: number;
  };
  ordinals?: {
    file: string;
    matched_by_text: number;
    matched_by_position: string[];
    without_curated: string[];
    unused_curated: string[];
    unused_labels: { qkey: string; labels: string[] }[];
    counted_as_refusal: { qkey: string; options: string[] }[];
  };
}

export interface AggregateSummary {
  waveset: string;
  groups: string;
  min_n: number;
  questions: QuestionSelection;
  rows: number;
  below_min_n: number;
  all_refused: number;
  defines_group: number;
  /** Questions with a population row (population.jsonl). */
  population_rows: number;
  excluded_waves: { wave: string; reason: string }[];
  waves: WaveSummary[];
}

const sqlList = (items: readonly string[]): string => `[${items.map(sqlString).join(', ')}]`;
const tablePath = (w: WaveInput, table: (typeof TABLES)[number]) => path.join(w.tables, `${table}.parquet`);

/** What the small tables of one wave hold: its questions, and its profile variables and value labels. */
interface WaveTables extends WaveProfile {
  questions: QuestionRecord[];
  variables: Set<string>;
  labels: Map<string, ValueLabel[]>;
}

/** Weights are summed as DECIMAL(18, 12): exact below this bound. */
const WEIGHT_LIMIT = 1e6;

/**
 * Reads the questions, value labels and profile variables of every wave in four queries, and checks that each
 * file holds the wave it is filed under and weights the SQL can sum exactly.
 */
async function readWaveTables(conn: DuckDBConnection, waves: readonly WaveInput[]): Promise<Map<string, WaveTables>> {
  const byFile = new Map<string, WaveInput>();
  const scan = (t: (typeof TABLES)[number]) => {
    for (const w of waves) byFile.set(path.resolve(tablePath(w, t)), w);
    return `read_parquet(${sqlList(waves.map((w) => path.resolve(tablePath(w, t))))}, filename = true)`;
  };
  const waveOf = (file: string) => byFile.get(file)!;
  const checks = await readAll<{ filename: string; waves: string[]; max_weight: number | null }>(
    conn,
    `SELECT filename, list(DISTINCT wave) AS waves, NULL AS max_weight FROM ${scan('questions')} GROUP BY filename
     UNION ALL
     SELECT filename, list(DISTINCT wave), max(weight) FILTER (WHERE isfinite(weight)) FROM ${scan('respondents')} GROUP BY filename`,
  );
  for (const c of checks) {
    const w = waveOf(c.filename);
    const other = c.waves.find((x) => x !== w.id);
    if (other) throw new Error(`${c.filename}: wave column says "${other}", expected "${w.id}"`);
    if (c.max_weight !== null && c.max_weight >= WEIGHT_LIMIT) {
      throw new Error(`${c.filename}: weight ${c.max_weight} (wave ${w.id}) is not below ${WEIGHT_LIMIT}, the largest the aggregation sums exactly`);
    }
  }
  const tables = new Map<string, WaveTables>(waves.map((w) => [w.id, { questions: [], variables: new Set(), labels: new Map() }]));
  const of = (file: string) => tables.get(waveOf(file).id)!;
  for (const { filename, ...q } of await readAll<QuestionRecord & { filename: string }>(
    conn,
    `SELECT filename, qkey, text, options, codes, user_missing_codes FROM ${scan('questions')} ORDER BY filename, qkey`,
  )) {
    of(filename).questions.push(q);
  }
  for (const l of await readAll<{ filename: string; variable: string; code: number; label: string }>(
    conn,
    `SELECT filename, variable, code, label FROM ${scan('value_labels')} ORDER BY filename, variable, code`,
  )) {
    const { variables, labels } = of(l.filename);
    variables.add(l.variable);
    if (!labels.has(l.variable)) labels.set(l.variable, []);
    labels.get(l.variable)!.push({ code: l.code, label: l.label });
  }
  for (const v of await readAll<{ filename: string; variable: string }>(conn, `SELECT DISTINCT filename, variable FROM ${scan('profiles')}`)) {
    of(v.filename).variables.add(v.variable);
  }
  return tables;
}

/** Question keys listed in the exclusions' `qkeys_files`, with the file that lists each. */
type ListedQkeys = ReadonlyMap<string, string>;

function questionExclusion(q: QuestionRecord, ex: Exclusions, listed: ListedQkeys): string | undefined {
  if (ex.qkeys?.includes(q.qkey)) return 'listed in qkeys';
  if (listed.has(q.qkey)) return `listed in ${listed.get(q.qkey)}`;
  const prefix = ex.qkey_prefixes?.find((p) => q.qkey.toLowerCase().startsWith(p.toLowerCase()));
  return prefix ? `qkey prefix "${prefix}"` : undefined;
}

/** A kept question as the SQL (run_questions) and the rows see it; `qid` is its index in output order. */
interface RunQuestion {
  qid: number;
  wave: string;
  qkey: string;
  question: string;
  options: string[];
  ordinal: number[];
  k: number;
}

/** The SQL inputs derived from the small tables (see survey/aggregate.sql). */
interface SqlInputs {
  groupRules: object[];
  runQuestions: RunQuestion[];
  optionCodes: object[];
  missingCodes: object[];
}

/** Membership rules of one wave: groups formed (with their codes) or skipped (with the reason). */
function prepareGroups(w: WaveInput, profile: WaveProfile, groups: readonly GroupSpec[], s: WaveSummary, sql: SqlInputs) {
  groups.forEach((g, pos) => {
    const r = resolveMembership(g.membership, w.family, profile, `${w.id}: group ${groupName(g)}`);
    if (!r.ok) {
      s.skipped.push({ attribute: g.attribute, group: g.group, reason: r.reason, message: `${w.id}: ${groupName(g)} skipped: ${r.reason}` });
      return;
    }
    s.groups.push({ attribute: g.attribute, group: g.group, rows: 0, below_min_n: 0, all_refused: 0, defines_group: 0, members: r.codes });
    for (const c of r.codes) sql.groupRules.push({ wave: w.id, group_pos: pos, variable: c.variable, code: c.code });
  });
}

/** A curated qkey with a wave suffix (`_W26`) belongs to that wave only; one without, to every wave using the file. */
const ofWave = (qkey: string, wave: string): boolean => {
  const n = waveNumber(qkey);
  return n === null || n === waveNumber(wave);
};

/** The wave's questions the allowlist keeps (matching names as SPSS does, ignoring case), and what it reports. */
function selectListed(w: WaveInput, questions: QuestionRecord[], allowlist: string[], s: WaveSummary): QuestionRecord[] {
  const listed = new Set(allowlist.map((q) => q.toLowerCase()));
  const kept = questions.filter((q) => listed.has(q.qkey.toLowerCase()));
  const found = new Set(kept.map((q) => q.qkey.toLowerCase()));
  s.allowlist = {
    source: listSource(w.allowlist!),
    listed: allowlist.length,
    found: found.size,
    missing: allowlist.filter((q) => !found.has(q.toLowerCase())),
    unlisted: questions.length - kept.length,
  };
  return kept;
}

/** Questions of one wave: allowlist and exclusions, then options, refusal and ordinals. */
function prepareQuestions(w: WaveInput, questions: QuestionRecord[], ex: Exclusions, listed: ListedQkeys, curated: OrdinalsFile | undefined, s: WaveSummary, sql: SqlInputs) {
  const ordinals = curated && {
    file: curated.file,
    matched_by_text: 0,
    matched_by_position: [] as string[],
    without_curated: [] as string[],
    unused_curated: [...curated.questions.keys()].filter((k) => ofWave(k, w.id) && !questions.some((q) => q.qkey === k)).sort(),
    unused_labels: [] as { qkey: string; labels: string[] }[],
    counted_as_refusal: [] as { qkey: string; options: string[] }[],
  };
  for (const q of questions) {
    const excluded = questionExclusion(q, ex, listed);
    if (excluded) {
      s.excluded_questions.push({ qkey: q.qkey, reason: excluded });
      continue;
    }
    const entry = curated?.questions.get(q.qkey);
    const layout = questionLayout(valueLabelled(w.id, q), ex.families[w.family]!, entry && { file: curated!.file, entry });
    const k = layout.ordinal.length;
    const tooMany = ex.max_options !== undefined && layout.options.length > ex.max_options;
    if (k < 2 || tooMany) {
      const reason = tooMany ? `${layout.options.length} options, more than ${ex.max_options}` : `${k} answer option${k === 1 ? '' : 's'}`;
      s.excluded_questions.push({ qkey: q.qkey, reason });
      continue;
    }
    if (ordinals) {
      if (layout.matched === 'text') ordinals.matched_by_text += 1;
      else if (layout.matched === 'position') ordinals.matched_by_position.push(q.qkey);
      else ordinals.without_curated.push(q.qkey);
      if (layout.unused.length) ordinals.unused_labels.push({ qkey: q.qkey, labels: layout.unused });
      if (k < layout.options.length - 1) ordinals.counted_as_refusal.push({ qkey: q.qkey, options: layout.options.slice(k, -1) });
    }
    s.questions += 1;
    // qid follows the output order: waves as listed, questions by qkey
    const qid = sql.runQuestions.length;
    sql.runQuestions.push({ qid, wave: w.id, qkey: q.qkey, question: layout.question, options: layout.options, ordinal: layout.ordinal, k });
    for (const c of layout.codes) sql.optionCodes.push({ qid, wave: w.id, qkey: q.qkey, code: c.code, position: c.position });
    for (const code of layout.missing) sql.missingCodes.push({ wave: w.id, qkey: q.qkey, code });
  }
  if (ordinals) s.ordinals = ordinals;
}

/** The hashed joins need every respondent and question key once (survey/aggregate.sql, repeated_keys). */
async function throwOnRepeatedKeys(conn: DuckDBConnection) {
  const [a, b] = await readAll<{ kind: string; file: string; key: string }>(
    conn,
    'SELECT kind, file, key FROM repeated_keys WHERE (kind, hash) = (SELECT min((kind, hash)) FROM repeated_keys) ORDER BY ALL LIMIT 2',
  );
  if (a && b) {
    throw new Error(
      a.file === b.file && a.key === b.key
        ? `${a.file}: ${a.kind} "${a.key}" occurs more than once`
        : `${a.file}: ${a.kind} "${a.key}" and ${b.file}: ${b.kind} "${b.key}" have the same 64-bit hash, which the aggregation joins on`,
    );
  }
}

/** DuckDB types of the rows' fields (docs/data-model.md), for reading rows.jsonl into Parquet. */
const ROW_COLUMNS = `{qkey: 'VARCHAR', wave: 'VARCHAR', attribute: 'VARCHAR', "group": 'VARCHAR', question: 'VARCHAR',
  options: 'VARCHAR[]', ordinal: 'DOUBLE[]', responses: 'DOUBLE[]', refusal_rate: 'DOUBLE', n_respondents: 'INTEGER',
  weight_sum: 'DOUBLE'}`;

/** The attribute and group of population.jsonl's rows: all respondents (OpinionQA calls them "Overall"). */
export const POPULATION = { attribute: 'OVERALL', group: 'Overall' } as const;

/**
 * The rows of the kept pairs in output order (qid, group_pos), from the SQL's kept_pairs and kept_options (or
 * population_pairs and population_options, whose group_pos is one past the set's groups).
 */
async function keptRows(conn: DuckDBConnection, questions: readonly RunQuestion[], groups: readonly Pick<GroupSpec, 'attribute' | 'group'>[], from: 'kept' | 'population' = 'kept'): Promise<SubpopRow[]> {
  // INTEGER and DOUBLE columns: DuckDB values are JS numbers already, so no conversion pass is needed.
  const columns = async (sql: string) => (await conn.runAndReadAll(sql)).getColumns() as number[][];
  const [qid = [], gpos = [], n = [], weightSum = [], refused = [], answered = []] = await columns(
    `SELECT qid, group_pos, n_respondents, weight_sum, refused_weight, answered_weight FROM ${from}_pairs ORDER BY qid, group_pos`,
  );
  const [oq = [], og = [], position = [], weight = []] = await columns(
    `SELECT qid, group_pos, position, weight FROM ${from}_options ORDER BY qid, group_pos, position`,
  );
  let o = 0;
  return qid.map((id, i) => {
    const q = questions[id]!;
    const g = groups[gpos[i]!]!;
    const responses = new Array<number>(q.k).fill(0);
    for (; o < oq.length && oq[o] === id && og[o] === gpos[i]; o++) responses[position[o]! - 1] = weight[o]! / answered[i]!;
    return {
      qkey: q.qkey,
      wave: q.wave,
      attribute: g.attribute,
      group: g.group,
      question: q.question,
      options: q.options,
      ordinal: q.ordinal,
      responses,
      refusal_rate: refused[i]! / weightSum[i]!,
      n_respondents: n[i]!,
      weight_sum: weightSum[i]!,
    };
  });
}

const emptySummary = (w: WaveInput): WaveSummary => ({
  wave: w.id,
  family: w.family,
  rows: 0,
  questions: 0,
  excluded_questions: [],
  below_min_n: 0,
  all_refused: 0,
  defines_group: 0,
  uncounted_answers: 0,
  missing_code_answers: 0,
  groups: [],
  skipped: [],
});

/** Aggregates the waves into `outDir`; returns the summary it writes. */
export async function aggregate(opts: AggregateOptions): Promise<AggregateSummary> {
  const { exclusions: ex } = opts;
  const selection = opts.questions ?? 'listed';
  const excludedWaves = opts.waves.flatMap((w) => {
    if (ex.waves?.includes(w.id)) return [{ wave: w.id, reason: 'listed in waves' }];
    if (w.role === 'train' && ex.not_for_training?.includes(w.id)) return [{ wave: w.id, reason: 'a training wave listed in not_for_training' }];
    return [];
  });
  const waves = opts.waves.filter((w) => !excludedWaves.some((x) => x.wave === w.id));
  for (const w of waves) {
    for (const t of TABLES) {
      if (!fs.existsSync(tablePath(w, t))) throw new Error(`${tablePath(w, t)}: missing (wave ${w.id}; run ingest@${w.id} first)`);
    }
    if (!ex.families[w.family]) throw new Error(`${opts.exclusionsFile ?? 'exclusions'}: no rules for family "${w.family}" (wave ${w.id})`);
  }
  const ordinalsFiles = new Map<string, OrdinalsFile>();
  for (const w of waves) if (w.ordinals && !ordinalsFiles.has(w.ordinals)) ordinalsFiles.set(w.ordinals, loadOrdinals(w.ordinals));
  const listedQkeys = new Map<string, string>();
  for (const file of ex.qkeys_files ?? []) {
    for (const qkey of readQuestionList({ file }, `${opts.exclusionsFile ?? 'exclusions'}: qkeys_files`)) if (!listedQkeys.has(qkey)) listedQkeys.set(qkey, file);
  }
  const allowlists = new Map(
    waves.flatMap((w) => (selection === 'listed' && w.allowlist ? [[w.id, readQuestionList(w.allowlist, `${w.id}: allowlist`)] as const] : [])),
  );

  const spill = fs.mkdtempSync(path.join(os.tmpdir(), 'subpop-aggregate-'));
  const config: Record<string, string> = { temp_directory: spill };
  if (opts.threads) config.threads = String(opts.threads);
  if (opts.memoryLimit) config.memory_limit = `${Math.floor(opts.memoryLimit / 2 ** 20)}MiB`;
  const instance = await DuckDBInstance.create(':memory:', config);
  const conn = await instance.connect();
  const interrupt = () => conn.interrupt();
  opts.signal?.addEventListener('abort', interrupt);
  try {
    opts.progress?.(`reading the tables of ${waves.length} waves`);
    const tables = await readWaveTables(conn, waves);
    const sql: SqlInputs = { groupRules: [], runQuestions: [], optionCodes: [], missingCodes: [] };
    const summaries = waves.map((w) => {
      const s = emptySummary(w);
      const t = tables.get(w.id)!;
      prepareGroups(w, t, opts.groups, s, sql);
      const allowlist = allowlists.get(w.id);
      const questions = allowlist ? selectListed(w, t.questions, allowlist, s) : t.questions;
      prepareQuestions(w, questions, ex, listedQkeys, w.ordinals ? ordinalsFiles.get(w.ordinals) : undefined, s, sql);
      return s;
    });

    await createTable(
      conn,
      'run_groups',
      { group_pos: 'INTEGER', attribute: 'VARCHAR', group: 'VARCHAR' },
      opts.groups.map((g, i) => ({ group_pos: i, attribute: g.attribute, group: g.group })),
    );
    await createTable(conn, 'group_rules', { wave: 'VARCHAR', group_pos: 'INTEGER', variable: 'VARCHAR', code: 'DOUBLE' }, sql.groupRules);
    await createTable(
      conn,
      'run_questions',
      { qid: 'INTEGER', wave: 'VARCHAR', qkey: 'VARCHAR', question: 'VARCHAR', options: ['VARCHAR'], ordinal: ['DOUBLE'], k: 'INTEGER' },
      sql.runQuestions,
    );
    await createTable(
      conn,
      'option_codes',
      { qid: 'INTEGER', wave: 'VARCHAR', qkey: 'VARCHAR', code: 'DOUBLE', position: 'INTEGER' },
      sql.optionCodes,
    );
    await createTable(conn, 'missing_codes', { wave: 'VARCHAR', qkey: 'VARCHAR', code: 'DOUBLE' }, sql.missingCodes);
    const files = (t: (typeof TABLES)[number]) => sqlList(waves.map((w) => tablePath(w, t)));
    await conn.run(
      `SET VARIABLE answers_files = ${files('answers')}; SET VARIABLE respondents_files = ${files('respondents')};` +
        `SET VARIABLE profiles_files = ${files('profiles')}; SET VARIABLE questions_files = ${files('questions')};` +
        `SET VARIABLE min_n = ${Math.trunc(opts.minN)}; SET VARIABLE population_pos = ${opts.groups.length};`,
    );
    opts.progress?.(`aggregating ${waves.length} waves`);
    await conn.run(fs.readFileSync(path.join(packageRoot, 'survey', 'aggregate.sql'), 'utf8'));
    await throwOnRepeatedKeys(conn);

    // Bookkeeping: why pairs yield no row, per wave and group.
    const status = await readAll<{ wave: string; group_pos: number; status: string; n: bigint }>(
      conn,
      `SELECT wave, group_pos, status, count(*) AS n FROM pair_status WHERE group_pos < ${opts.groups.length} GROUP BY ALL`,
    );
    const waveSummary = new Map(summaries.map((s) => [s.wave, s]));
    for (const r of status) {
      const s = waveSummary.get(r.wave)!;
      const g = opts.groups[r.group_pos]!;
      const gc = s.groups.find((x) => x.attribute === g.attribute && x.group === g.group)!;
      const n = Number(r.n);
      const key = r.status === 'kept' ? 'rows' : (r.status as 'below_min_n' | 'all_refused' | 'defines_group');
      gc[key] += n;
      s[key] += n;
    }

    // Outputs. Every row is checked against the rows schema before it is written; the Parquet file is made from
    // the JSONL file, so the two hold the same values by construction. DuckDB counts the uncounted answers on its
    // own threads meanwhile (awaited in either case, so that no query outlives the connection).
    opts.progress?.('writing rows');
    const rows = await keptRows(conn, sql.runQuestions, opts.groups);
    const population = await keptRows(conn, sql.runQuestions, [...opts.groups, POPULATION], 'population');
    const uncounted = readAll<{ wave: string; answers: bigint; missing_code_answers: bigint }>(conn, 'SELECT wave, answers, missing_code_answers FROM uncounted');
    const jsonl = path.join(opts.outDir, 'rows.jsonl');
    try {
      rows.forEach((r, i) => checkRow(r, `rows.jsonl:${i + 1}`));
      population.forEach((r, i) => checkRow(r, `population.jsonl:${i + 1}`));
      writeFileAtomic(jsonl, rowsJsonl(rows));
      writeFileAtomic(path.join(opts.outDir, 'population.jsonl'), rowsJsonl(population));
    } finally {
      for (const r of await uncounted) {
        const s = waveSummary.get(r.wave)!;
        s.uncounted_answers = Number(r.answers);
        s.missing_code_answers = Number(r.missing_code_answers);
      }
    }
    await withAtomicFile(path.join(opts.outDir, 'rows.parquet'), (tmp) =>
      conn.run(
        `COPY (SELECT * FROM read_json(${sqlString(jsonl)}, format = 'newline_delimited', columns = ${ROW_COLUMNS})) ` +
          `TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`,
      ),
    );
    const summary: AggregateSummary = {
      waveset: opts.waveset,
      groups: opts.groupSet,
      min_n: opts.minN,
      questions: selection,
      rows: rows.length,
      below_min_n: summaries.reduce((a, s) => a + s.below_min_n, 0),
      all_refused: summaries.reduce((a, s) => a + s.all_refused, 0),
      defines_group: summaries.reduce((a, s) => a + s.defines_group, 0),
      population_rows: population.length,
      excluded_waves: excludedWaves,
      waves: summaries,
    };
    validate('aggregate-summary', summary, 'summary.json');
    writeFileAtomic(path.join(opts.outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  } finally {
    opts.signal?.removeEventListener('abort', interrupt);
    conn.closeSync();
    instance.closeSync();
    fs.rmSync(spill, { recursive: true, force: true });
  }
}
