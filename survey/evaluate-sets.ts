/**
 * Evaluation sets: the rows a model and the bounds are scored on. `val` (held-out questions of the training
 * survey), `test` (the evaluation survey) and any further evaluation set of the split (e.g. `opinionqa`) come from
 * the split; a SubPOP-format JSONL file such as the authors' released subpop_eval.jsonl may be added under its
 * own name. The eval and bounds stages load the
 * sets through this module, so both score exactly the same rows.
 */
import path from 'node:path';
import { readJsonl } from '../lib/json-files.js';
import { FormatError } from '../lib/schema.js';
import { MAX_OPTIONS } from './prompts.js';
import { readRows, type SubpopRow } from './rows.js';

/** A row as scored: the released SubPOP fields, with the wave when the row names one. */
export type EvalRow = Pick<SubpopRow, 'qkey' | 'attribute' | 'group' | 'question' | 'options' | 'ordinal' | 'responses' | 'refusal_rate'> & {
  wave: string | null;
  /** `file:line` of the row, for messages. */
  where: string;
};

export interface EvalSet {
  name: string;
  file: string;
  rows: EvalRow[];
  /** Rows with more options than the prompt can letter (A–J, refusal included); not scored. */
  skipped: number;
}

export const SPLIT_SETS = ['val', 'test'] as const;

/** Tolerance on Σ responses = 1 (the released file holds it to 2e-16). */
const SUM_TOLERANCE = 1e-6;

type ReleasedRow = Omit<EvalRow, 'where' | 'wave'> & { wave?: string };

/** Reads a SubPOP-format JSONL file (schemas/released-row.schema.json); errors name `file:line`. */
export function readReleasedRows(file: string): EvalRow[] {
  return readJsonl<ReleasedRow>(file, 'released-row').map((r, i) => {
    const where = `${file}:${i + 1}`;
    const k = r.options.length - 1;
    if (r.ordinal.length !== k || r.responses.length !== k) {
      throw new FormatError(`${where}: ${k} answer options before "Refused" but ${r.ordinal.length} ordinals and ${r.responses.length} responses`);
    }
    const sum = r.responses.reduce((a, b) => a + b, 0);
    if (Math.abs(sum - 1) > SUM_TOLERANCE) throw new FormatError(`${where}: responses sum to ${sum}, not 1`);
    return toEvalRow(r, where);
  });
}

/** The scored fields of a row (extra keys of an external file, or our bookkeeping columns, are not kept). */
function toEvalRow(r: ReleasedRow, where: string): EvalRow {
  const { qkey, attribute, group, question, options, ordinal, responses, refusal_rate } = r;
  return { qkey, wave: r.wave ?? null, attribute, group, question, options, ordinal, responses, refusal_rate, where };
}

/** The set name of an external file: its base name without `.jsonl`; it may not be one of `taken`. */
export function externalSetName(file: string, taken: readonly string[] = SPLIT_SETS): string {
  const name = path.basename(file).replace(/\.jsonl$/i, '');
  if (taken.includes(name)) {
    throw new Error(`${file}: an external evaluation file may not be named like a split set (${taken.join(', ')}); rename it`);
  }
  return name;
}

function selectRows(name: string, file: string, all: EvalRow[]): EvalSet {
  const rows = all.filter((r) => r.options.length <= MAX_OPTIONS);
  return { name, file, rows, skipped: all.length - rows.length };
}

/**
 * The evaluation sets in fixed order: those of the split (val, test, then further ones, as `split` lists them;
 * lib/split-files.ts `evalSetFiles`), then the external file when given. Rows keep their file order.
 */
export function loadEvalSets(split: Record<(typeof SPLIT_SETS)[number], string> & Record<string, string>, external?: string): EvalSet[] {
  const sets = Object.entries(split).map(([name, file]) => selectRows(name, file, readRows(file).map((r, i) => toEvalRow(r, `${file}:${i + 1}`))));
  if (external) sets.push(selectRows(externalSetName(external, Object.keys(split)), external, readReleasedRows(external)));
  return sets;
}
