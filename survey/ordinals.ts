/**
 * A question's answer options, refusal and ordinal values.
 *
 * By default the options are the question's value labels in code order: labels of the family's missing-data
 * codes are left out (`FamilyRules`), the family's refusal label becomes the final "Refused" (SubPOP's row schema always ends with it, so a
 * question without a refusal label gets one that nobody chose: refusal_rate 0), and ordinals are the positions
 * 1..K. An evaluation survey may carry hand-curated ordinals (the manifest's `ordinals:` file) in one of two
 * forms:
 *
 * - ours, YAML (schemas/ordinals.schema.json): per qkey, the answer options in order with their ordinals;
 * - the authors' `refined_qkey_dict.json` (schemas/refined-qkey-dict.schema.json): per qkey `option_list` or
 *   `options` (ending in "Refused"), `ordinal`, and `refined_qbody`, which then replaces the question text. When
 *   there are fewer ordinals than options before "Refused" (12 OpinionQA items end in "Not sure", "Refused" with
 *   no ordinal for "Not sure"), the options past the ordinals are no answers: as in OpinionQA, they count like
 *   the refusal (refusal_rate), not in the responses, and stay in the option list the prompt shows.
 *
 * Curated options are matched to the wave's value labels by text (ignoring case and spacing); when some do not
 * match but the counts agree, by position in code order (the authors' own mapping); otherwise it is an error.
 */
import { FormatError, loadYaml, validate } from '../lib/schema.js';
import { readInputText } from '../net/release.js';
import type { ValueLabel } from './subpopulations.js';

/** Curated layout of one question: options (without "Refused"), an ordinal for each answer option among them. */
export interface CuratedQuestion {
  question?: string;
  options: string[];
  /** One per answer option: the first `ordinal.length` options; any further ones count like the refusal. */
  ordinal: number[];
}

export interface OrdinalsFile {
  file: string;
  questions: Map<string, CuratedQuestion>;
}

interface RefinedEntry {
  refined_qbody?: string;
  option_list?: string[];
  options?: string[];
  ordinal: number[];
}

/** Our YAML form: qkey → { question?, options: { text: ordinal } } (options in order). */
type OursFile = Record<string, { question?: string; options: Record<string, number> }>;

export const REFUSED = 'Refused';

const norm = (s: string): string => s.trim().replace(/\s+/g, ' ').toLowerCase();

function loadRefined(file: string, text: string): Map<string, CuratedQuestion> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new FormatError(`${file}: ${(err as Error).message}`);
  }
  const entries = validate<Record<string, RefinedEntry>>('refined-qkey-dict', data, file);
  const out = new Map<string, CuratedQuestion>();
  for (const [qkey, e] of Object.entries(entries)) {
    const list = (e.option_list ?? e.options)!;
    if (norm(list[list.length - 1]!) !== norm(REFUSED)) {
      throw new FormatError(`${file}: ${qkey}: the option list must end with "Refused" (ends with "${list[list.length - 1]}")`);
    }
    if (e.ordinal.length < 2 || e.ordinal.length > list.length - 1) {
      throw new FormatError(`${file}: ${qkey}: ${e.ordinal.length} ordinals for ${list.length - 1} options before "Refused" (at least 2, at most one each)`);
    }
    out.set(qkey, { question: e.refined_qbody, options: list.slice(0, -1), ordinal: e.ordinal });
  }
  return out;
}

function loadOurs(file: string, text: string): Map<string, CuratedQuestion> {
  const { data } = loadYaml<OursFile>('ordinals', file, text);
  const out = new Map<string, CuratedQuestion>();
  for (const [qkey, e] of Object.entries(data)) {
    out.set(qkey, { question: e.question, options: Object.keys(e.options), ordinal: Object.values(e.options) });
  }
  return out;
}

/**
 * Reads a curated-ordinals file; `.json` is the authors' form, anything else our YAML form. A file of the release
 * mirror must match its pin.
 */
export function loadOrdinals(file: string): OrdinalsFile {
  const text = readInputText(file);
  return { file, questions: file.endsWith('.json') ? loadRefined(file, text) : loadOurs(file, text) };
}

/** How a survey family marks answers that are not opinions (config/exclusions.yaml `families`). */
export interface FamilyRules {
  /**
   * Labelled codes the file declares user-missing: `answer` (they are options like any other: Pew declares its
   * 99 "Refused" missing in some waves) or `missing` (missing-data codes, never options nor counted).
   */
  user_missing: 'answer' | 'missing';
  /** Value labels with a code below this are missing-data codes. */
  missing_below?: number;
  /** `last`: the last value label is the refusal; a list: the label equal to one of these. */
  refusal: 'last' | string[];
}

export interface ValueLabelled {
  wave: string;
  qkey: string;
  text: string;
  /** Value labels in code order. */
  labels: ValueLabel[];
  /** Codes of `labels` that the file declares user-missing. */
  userMissing: readonly number[];
}

/** A question as questions.parquet holds it (docs/data-model.md). */
export interface QuestionRecord {
  qkey: string;
  text: string;
  options: string[];
  codes: number[];
  user_missing_codes: number[];
}

export function valueLabelled(wave: string, q: QuestionRecord): ValueLabelled {
  return { wave, qkey: q.qkey, text: q.text, labels: q.codes.map((code, i) => ({ code, label: q.options[i]! })), userMissing: q.user_missing_codes };
}

export interface QuestionLayout {
  question: string;
  /** Answer options, any options counted like the refusal, then "Refused". */
  options: string[];
  /** One per answer option (the first `ordinal.length` options). */
  ordinal: number[];
  /** Answer code → option position: 1..K for answer options, 0 for the refusal and options counted like it. Other codes are not counted. */
  codes: { code: number; position: number }[];
  /** How curated options were matched to value labels; `default` when the question has none. */
  matched: 'default' | 'text' | 'position';
  /** Value labels no option takes (their answers are not counted). */
  unused: string[];
  /** Codes of `labels` that the family's rules make missing-data codes (their answers are not counted). */
  missing: number[];
}

/** Splits a question's value labels into answer labels and the family's missing-data codes. */
function familyLabels(q: ValueLabelled, rules: FamilyRules): { labels: ValueLabel[]; missing: number[] } {
  const isMissing = (l: ValueLabel) =>
    (rules.missing_below !== undefined && l.code < rules.missing_below) || (rules.user_missing === 'missing' && q.userMissing.includes(l.code));
  return { labels: q.labels.filter((l) => !isMissing(l)), missing: q.labels.filter(isMissing).map((l) => l.code) };
}

/** The options, ordinals and counted codes of one question. */
export function questionLayout(q: ValueLabelled, rules: FamilyRules, curated?: { file: string; entry: CuratedQuestion }): QuestionLayout {
  const { labels, missing } = familyLabels(q, rules);
  const refusalIndex =
    rules.refusal === 'last'
      ? labels.length - 1
      : labels.findIndex((l) => (rules.refusal as string[]).some((r) => norm(r) === norm(l.label)));
  const refusal = refusalIndex >= 0 ? labels[refusalIndex] : undefined;
  const answers = labels.filter((_, i) => i !== refusalIndex);
  const refusalCodes = refusal ? [{ code: refusal.code, position: 0 }] : [];

  if (!curated) {
    return {
      question: q.text,
      options: [...answers.map((l) => l.label), REFUSED],
      ordinal: answers.map((_, i) => i + 1),
      codes: [...answers.map((l, i) => ({ code: l.code, position: i + 1 })), ...refusalCodes],
      matched: 'default',
      unused: [],
      missing,
    };
  }

  const { file, entry } = curated;
  const byText = entry.options.map((option) => answers.find((l) => norm(l.label) === norm(option)));
  const allByText = byText.every((l) => l !== undefined) && new Set(byText).size === byText.length;
  let chosen: ValueLabel[];
  if (allByText) chosen = byText as ValueLabel[];
  else if (entry.options.length === answers.length) chosen = answers;
  else {
    const missing = entry.options.filter((_, i) => byText[i] === undefined);
    throw new FormatError(
      `${file}: ${q.qkey}: ${missing.length > 1 ? 'options' : 'option'} ${missing.map((m) => `"${m}"`).join(', ')} ` +
        `${missing.length > 1 ? 'match' : 'matches'} no value label of ` +
        `${q.wave} ${q.qkey} (${answers.map((l) => `${l.code} "${l.label}"`).join(', ')}), and the option counts differ ` +
        `(${entry.options.length} vs ${answers.length})`,
    );
  }
  const taken = new Set(chosen);
  const k = entry.ordinal.length;
  return {
    question: entry.question ?? q.text,
    options: [...entry.options, REFUSED],
    ordinal: entry.ordinal,
    codes: [...chosen.map((l, i) => ({ code: l.code, position: i < k ? i + 1 : 0 })), ...refusalCodes],
    matched: allByText ? 'text' : 'position',
    unused: answers.filter((l) => !taken.has(l)).map((l) => l.label),
    missing,
  };
}
