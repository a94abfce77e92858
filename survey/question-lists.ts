/**
 * Question lists named by the wave manifest (config/waves.yaml): a GSS wave's `questions` (the variables to
 * ingest) and any wave's `allowlist` (the questions the aggregation keeps), either inline or as a JSON file such
 * as the SubPOP authors' parsed-qkeys files ({"W68": [...], ...}), read through the release loader so that a
 * file of the release mirror is used only when it matches its pin.
 */
import { FormatError } from '../lib/schema.js';
import { readInputText } from '../net/release.js';

/** A JSON file holding a list of question keys: the whole file, or its member `key`. */
export interface ListFile {
  file: string;
  key?: string;
}

export type QuestionList = string[] | ListFile;

/** `file#key`, or the file, or `inline`: how summaries name a list. */
export const listSource = (list: QuestionList): string => (Array.isArray(list) ? 'inline' : list.key === undefined ? list.file : `${list.file}#${list.key}`);

/** The names of a list, in order; `what` (e.g. "GSS_2022: questions") prefixes errors. */
export function readQuestionList(list: QuestionList, what: string): string[] {
  if (Array.isArray(list)) return list;
  const where = `${what}: ${list.file}`;
  let data: unknown;
  try {
    data = JSON.parse(readInputText(list.file));
  } catch (err) {
    throw new FormatError(`${where}: ${(err as Error).message.replace(`${list.file}: `, '')}`);
  }
  if (list.key !== undefined) {
    if (typeof data !== 'object' || data === null || Array.isArray(data) || !Object.hasOwn(data, list.key)) {
      throw new FormatError(`${where}: no key "${list.key}"`);
    }
    data = (data as Record<string, unknown>)[list.key];
  }
  if (!Array.isArray(data) || data.length === 0 || data.some((x) => typeof x !== 'string' || x === '')) {
    throw new FormatError(`${where}${list.key === undefined ? '' : `#${list.key}`}: expected a non-empty list of question keys`);
  }
  const repeated = data.find((x, i) => data.indexOf(x) !== i);
  if (repeated !== undefined) throw new FormatError(`${where}${list.key === undefined ? '' : `#${list.key}`}: "${repeated}" listed twice`);
  return data as string[];
}
