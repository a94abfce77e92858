/**
 * Rows in the SubPOP authors' released format (subpop_train.jsonl, subpop_eval.jsonl; schemas/released-row.schema.json),
 * read with every check a row must pass before it is prompted, trained on or scored. A file that breaks one
 * stops with `file:line`, the row's qkey and group, and the key at fault.
 *
 * Checks beyond the schema (numbers must be JSON numbers: Python's NaN is reported by name):
 * - the last option is "Refused", after at least two answer options, and there are at most ten options
 *   (letters A–J, refusal included), the most a prompt can letter and training can read;
 * - `ordinal` and `responses` have one entry per answer option (all but the refusal);
 * - `responses` sum to 1 within RESPONSE_SUM_TOLERANCE (the released files hold it to 2e-16; the tolerance
 *   admits files written with fewer digits);
 * - no two rows share (qkey, attribute, group).
 */
import { readJsonl } from '../lib/json-files.js';
import { FormatError, validate } from '../lib/schema.js';
import { MAX_OPTIONS } from './prompts.js';
import type { SubpopRow } from './rows.js';

/** A row of the released format: the fields of a subpopulation row that it carries, the wave optional. */
export type ReleasedRow = Omit<SubpopRow, 'wave' | 'n_respondents' | 'weight_sum'> & { wave?: string };

/** |Σ responses − 1| allowed. */
export const RESPONSE_SUM_TOLERANCE = 1e-6;

/** `file:line (qkey Q, ATTRIBUTE/Group)`, or just `file:line` when the row has no usable keys. */
function place(data: unknown, where: string): string {
  const r = (data ?? {}) as Record<string, unknown>;
  const name = (k: string) => (typeof r[k] === 'string' ? (r[k] as string) : undefined);
  const qkey = name('qkey');
  if (!qkey) return where;
  const group = name('attribute') && name('group') ? `, ${name('attribute')}/${name('group')}` : '';
  return `${where} (qkey ${qkey}${group})`;
}

/** Validates one released-format row; errors name `where` (file:line), the row and the key. */
export function checkReleasedRow(data: unknown, where: string): ReleasedRow {
  const at = place(data, where);
  const row = validate<ReleasedRow>('released-row', data, at);
  const k = row.options.length - 1;
  if (k < 2) throw new FormatError(`${at}: options has ${row.options.length} entries; a question needs at least two answer options and "Refused"`);
  if (row.options[k] !== 'Refused') throw new FormatError(`${at}: options must end with "Refused" (the last is ${JSON.stringify(row.options[k])})`);
  if (row.options.length > MAX_OPTIONS) {
    throw new FormatError(`${at}: options has ${row.options.length} entries; at most ${MAX_OPTIONS} (letters A–J, "Refused" included) can be prompted and trained`);
  }
  for (const key of ['ordinal', 'responses'] as const) {
    if (row[key].length !== k) throw new FormatError(`${at}: ${key} has ${row[key].length} entries, but there are ${k} answer options before "Refused"`);
  }
  const sum = row.responses.reduce((a, b) => a + b, 0);
  if (!(Math.abs(sum - 1) <= RESPONSE_SUM_TOLERANCE)) throw new FormatError(`${at}: responses sum to ${sum}, not 1 (tolerance ${RESPONSE_SUM_TOLERANCE.toExponential()})`);
  return row;
}

/** Reads and checks a released-format JSONL file, rows in file order; messages name `shownAs` (default: the file). */
export function readReleasedRows(file: string, shownAs = file): ReleasedRow[] {
  const rows = readJsonl(file, checkReleasedRow, shownAs);
  const seen = new Map<string, number>();
  rows.forEach((r, i) => {
    const key = `${r.qkey}\u0000${r.attribute}\u0000${r.group}`;
    const first = seen.get(key);
    if (first !== undefined) throw new FormatError(`${shownAs}:${i + 1}: a second row for qkey ${r.qkey}, ${r.attribute}/${r.group} (the first is line ${first + 1})`);
    seen.set(key, i);
  });
  return rows;
}

/** The authors' train file carries no ordinals: every row's are placeholders, all equal (1.0). */
export const hasPlaceholderOrdinals = (rows: readonly Pick<ReleasedRow, 'ordinal'>[]): boolean =>
  rows.length > 0 && rows.every((r) => r.ordinal.every((o) => o === r.ordinal[0]));
