/**
 * Evaluation sets: the rows a model and the bounds are scored on. `val` (held-out questions of the training
 * survey), `test` (the evaluation survey) and any further evaluation set of the split (e.g. `opinionqa`) come from
 * the split; a SubPOP-format JSONL file such as the authors' released subpop_eval.jsonl may be added under its
 * own name. The eval and bounds stages load the
 * sets through this module, so both score exactly the same rows.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { readJson } from '../lib/json-files.js';
import { MAX_OPTIONS } from './prompts.js';
import { readReleasedRows, type ReleasedRow } from './released-rows.js';
import { readRows, type SubpopRow } from './rows.js';

/** A row as scored: the released SubPOP fields, with the wave when the row names one. */
export type EvalRow = Pick<SubpopRow, 'qkey' | 'attribute' | 'group' | 'question' | 'options' | 'ordinal' | 'responses' | 'refusal_rate' | 'n_respondents'> & {
  wave: string | null;
  /** `file:line` of the row, for messages. */
  where: string;
};

/** A released file a set's rows were read from, as the report names it. */
export interface SetSource {
  file: string;
  /** Inbox path, URL or path given. */
  location: string;
  sha256: string;
}

export interface EvalSet {
  name: string;
  file: string;
  /** The released files behind the rows: the external file itself, or those the split read for val (training
   * files) and test (evaluation files); none for rows aggregated from survey waves. */
  sources: SetSource[];
  rows: EvalRow[];
  /** Rows of the split with more options than the prompt can letter (A–J, refusal included); not scored. An
   * external file with such a row is an error instead (survey/released-rows.ts). */
  skipped: number;
}

export const SPLIT_SETS = ['val', 'test'] as const;

/** The scored fields of a row (extra keys of an external file, or our bookkeeping columns, are not kept);
 * `n_respondents` only for rows of the split, whose respondents the bounds may resample. */
function toEvalRow(r: ReleasedRow, where: string, n_respondents: number | null = null): EvalRow {
  const { qkey, attribute, group, question, options, ordinal, responses, refusal_rate } = r;
  return { qkey, wave: r.wave ?? null, attribute, group, question, options, ordinal, responses, refusal_rate, n_respondents, where };
}

/** The set name of an external file: its base name without `.jsonl`; it may not be one of `taken`. */
export function externalSetName(file: string, taken: readonly string[] = SPLIT_SETS): string {
  const name = path.basename(file).replace(/\.jsonl$/i, '');
  if (taken.includes(name)) {
    throw new Error(`${file}: an external evaluation file may not be named like a split set (${taken.join(', ')}); rename it`);
  }
  return name;
}

function selectRows(name: string, file: string, sources: SetSource[], all: EvalRow[]): EvalSet {
  const rows = all.filter((r) => r.options.length <= MAX_OPTIONS);
  return { name, file, sources, rows, skipped: all.length - rows.length };
}

/** The released files of the split's manifest (beside its val.jsonl), by role. */
function releasedSources(split: Record<(typeof SPLIT_SETS)[number], string>): { id: string; role: string; file: string; location: string; sha256: string }[] {
  const manifest = path.join(path.dirname(split.val), 'manifest.json');
  if (!fs.existsSync(manifest)) return [];
  return readJson<{ released?: { id: string; role: string; file: string; location: string; sha256: string }[] }>(manifest, 'split-manifest').released ?? [];
}

/**
 * The evaluation sets in fixed order: those of the split (val, test, then further ones, as `split` lists them;
 * lib/split-files.ts `evalSetFiles`), then the external file when given. Rows keep their file order.
 */
export function loadEvalSets(split: Record<(typeof SPLIT_SETS)[number], string> & Record<string, string>, external?: string): EvalSet[] {
  const released = releasedSources(split);
  // val holds training questions, so its released sources are the training files; test those of evaluation.
  const roleOf: Record<string, string> = { val: 'train', test: 'eval' };
  const sets = Object.entries(split).map(([name, file]) => {
    const sources = released.filter((r) => r.role === roleOf[name]).map(({ file: f, location, sha256 }) => ({ file: f, location, sha256 }));
    return selectRows(name, file, sources, readRows(file).map((r, i) => toEvalRow(r, `${file}:${i + 1}`, r.n_respondents)));
  });
  if (external) {
    const rows = readReleasedRows(external).map((r, i) => toEvalRow(r, `${external}:${i + 1}`));
    const sha256 = createHash('sha256').update(fs.readFileSync(external)).digest('hex');
    sets.push(selectRows(externalSetName(external, Object.keys(split)), external, [{ file: path.basename(external), location: external, sha256 }], rows));
  }
  return sets;
}
