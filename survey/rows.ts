/**
 * Subpopulation rows (docs/data-model.md, schemas/rows.schema.json): one per (question, group), SubPOP's
 * released schema plus bookkeeping. JSONL with keys in schema order, one row per line.
 */
import { readJsonl } from '../lib/json-files.js';
import { FormatError, validate } from '../lib/schema.js';

export interface SubpopRow {
  qkey: string;
  wave: string;
  attribute: string;
  group: string;
  question: string;
  options: string[];
  ordinal: number[];
  responses: number[];
  refusal_rate: number;
  /** null when the row comes from a released file, which does not carry it. */
  n_respondents: number | null;
  weight_sum: number | null;
}

/** Tolerance on Σ responses = 1. */
const SUM_TOLERANCE = 1e-9;

/** Validates one row (schema, then what a schema cannot say); `where` names the file and line. */
export function checkRow(data: unknown, where: string): SubpopRow {
  const row = validate<SubpopRow>('rows', data, where);
  const k = row.options.length - 1;
  if (row.options[k] !== 'Refused') throw new FormatError(`${where}: the last option must be "Refused"`);
  // Options past the ordinals (OpinionQA's "Not sure") count like the refusal, so they have no response share.
  if (row.ordinal.length > k || row.responses.length !== row.ordinal.length) {
    throw new FormatError(`${where}: ${k} options before "Refused" but ${row.ordinal.length} ordinals and ${row.responses.length} responses`);
  }
  const sum = row.responses.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > SUM_TOLERANCE) throw new FormatError(`${where}: responses sum to ${sum}, not 1`);
  return row;
}

/** One JSONL line, keys in schema order. */
export function rowLine(r: SubpopRow): string {
  return JSON.stringify({
    qkey: r.qkey,
    wave: r.wave,
    attribute: r.attribute,
    group: r.group,
    question: r.question,
    options: r.options,
    ordinal: r.ordinal,
    responses: r.responses,
    refusal_rate: r.refusal_rate,
    n_respondents: r.n_respondents,
    weight_sum: r.weight_sum,
  });
}

export function rowsJsonl(rows: readonly SubpopRow[]): string {
  return rows.map((r) => `${rowLine(r)}\n`).join('');
}

/** Reads and validates a rows JSONL file; errors name `file:line`. */
export function readRows(file: string): SubpopRow[] {
  return readJsonl(file, checkRow);
}
