/**
 * Which variables of a wave file the ingest stage reads, by survey family (docs/data-model.md): the respondent
 * id, the weight, the questions (with their text, options, codes and refusal code) and the profile variables.
 */
import type { SavDictionary, SavVariable } from '../formats/sav/dictionary.js';
import { isMissingNumber } from '../formats/sav/missing.js';
import type { WaveEntry } from '../net/waves.js';
import { readQuestionList, type QuestionList } from './question-lists.js';

export interface PlannedQuestion {
  variable: SavVariable;
  qkey: string;
  /** The variable label after its first ".", whitespace-stripped; the whole label when it has no "."; null without a label. */
  text: string | null;
  options: string[];
  codes: number[];
  /** The codes of `codes` that the file declares user-missing. */
  userMissingCodes: number[];
  /** Code of the last option, or null for a question without value labels. */
  refusalCode: number | null;
}

export interface IngestPlan {
  respondent: SavVariable;
  weight: SavVariable;
  questions: PlannedQuestion[];
  profile: SavVariable[];
  /** Profile variables the manifest asks for that the file lacks. */
  profileMissing: string[];
}

/** "SATIS. All in all, …" → "All in all, …". */
export function questionText(label: string | null): string | null {
  if (label === null) return null;
  const dot = label.indexOf('.');
  return (dot === -1 ? label : label.slice(dot + 1)).trim();
}

/**
 * A question's answer options: all its value labels in code order, whatever the file declares user-missing (Pew
 * declares its 99 "Refused" missing in some waves, and it is still the last option and the refusal). Which
 * labelled codes are missing-data codes rather than options is the survey family's rule, applied by the
 * aggregation (config/exclusions.yaml `families`), so the codes the file declares user-missing are kept aside.
 */
export function planQuestion(variable: SavVariable, qkey: string): PlannedQuestion {
  const missing = isMissingNumber(variable);
  const labels = variable.valueLabels.filter((l): l is { value: number; label: string } => typeof l.value === 'number');
  return {
    variable,
    qkey,
    text: questionText(variable.label),
    options: labels.map((l) => l.label.trim()),
    codes: labels.map((l) => l.value),
    userMissingCodes: labels.filter((l) => missing(l.value)).map((l) => l.value),
    refusalCode: labels.length ? labels[labels.length - 1].value : null,
  };
}

/** The wave number of an id or variable name: the integer after the last `_W` (`ATP_W92` → 92). */
export function waveNumber(name: string): number | null {
  const m = /_W(\d+)$/i.exec(name);
  return m ? Number(m[1]) : null;
}

function required(dict: SavDictionary, wave: string, name: string, what: string): SavVariable {
  const v = dict.variables.find((x) => x.name.toUpperCase() === name.toUpperCase());
  if (!v) throw new Error(`${wave}: ${dict.file}: no ${what} variable ${name}`);
  if (what === 'weight' && v.type !== 'numeric') throw new Error(`${wave}: ${dict.file}: weight variable ${v.name} is not numeric`);
  return v;
}

export function planAtp(wave: string, dict: SavDictionary): IngestPlan {
  const n = waveNumber(wave);
  if (n === null) throw new Error(`${wave}: an ATP wave id must end in _W<number> (e.g. ATP_W92)`);
  const respondent = required(dict, wave, 'QKEY', 'respondent id');
  const weight = required(dict, wave, `WEIGHT_W${n}`, 'weight');
  const questions = dict.variables
    .filter((v) => v.type === 'numeric' && v.valueLabels.length > 0 && waveNumber(v.name) === n && !/^WEIGHT/i.test(v.name))
    .map((v) => planQuestion(v, v.name));
  const profile = dict.variables.filter((v) => v.type === 'numeric' && /^F_/i.test(v.name));
  return { respondent, weight, questions, profile, profileMissing: [] };
}

export function planGss(wave: string, dict: SavDictionary, entry: WaveEntry): IngestPlan {
  const list = entry.questions as QuestionList | undefined;
  if (!list) throw new Error(`${wave}: a GSS wave needs "questions" (a list, or {file, key}) in its manifest entry`);
  const names = readQuestionList(list, `${wave}: questions`);
  const byName = new Map(dict.variables.map((v) => [v.name.toLowerCase(), v]));
  const absent = names.filter((q) => !byName.has(q.toLowerCase()));
  if (absent.length) throw new Error(`${wave}: ${dict.file}: no question variable(s) ${absent.join(', ')}`);
  const questions = names.map((q) => {
    const v = byName.get(q.toLowerCase())!;
    if (v.type !== 'numeric') throw new Error(`${wave}: ${dict.file}: question ${v.name} is a string variable`);
    return planQuestion(v, q);
  });
  const wanted = (entry.profile as string[] | undefined) ?? [];
  const profile = wanted.map((p) => byName.get(p.toLowerCase())).filter((v): v is SavVariable => v !== undefined && v.type === 'numeric');
  const profileMissing = wanted.filter((p) => !profile.some((v) => v.name.toLowerCase() === p.toLowerCase()));
  return {
    respondent: required(dict, wave, 'id', 'respondent id'),
    weight: required(dict, wave, 'wtssnrps', 'weight'),
    questions,
    profile,
    profileMissing,
  };
}
