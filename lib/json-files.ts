/**
 * JSON and JSONL files, checked as they are read: every error names the file (and for JSONL the line), and a
 * value comes back only once it has passed its schema or check.
 */
import fs from 'node:fs';
import { FormatError, validate } from './schema.js';

/** Checks one parsed value and returns it typed; throws an error naming `where` (file or file:line). */
export type Check<T> = (data: unknown, where: string) => T;

/** A schema name (schemas/<name>.schema.json) or a check of one's own. */
export type CheckBy<T> = string | Check<T>;

function checker<T>(by: CheckBy<T>): Check<T> {
  return typeof by === 'string' ? (data, where) => validate<T>(by, data, where) : by;
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot read (${(err as Error).message})`);
  }
}

/** Python's json module writes NaN and Infinity, which JSON does not allow: name the key that holds one. */
function nonJsonNumber(text: string): string | undefined {
  const m = /[:[,]\s*(-?(?:NaN|Infinity))\b/.exec(text.replace(/"(?:[^"\\]|\\.)*"/g, (s) => ' '.repeat(s.length)));
  if (!m) return undefined;
  const key = [...text.slice(0, m.index + 1).matchAll(/"((?:[^"\\]|\\.)*)"\s*:/g)].at(-1)?.[1];
  return `${m[1]} is not a JSON number${key ? ` (key "${key}")` : ''}; write null or a finite number`;
}

function parse(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new FormatError(`${where}: ${nonJsonNumber(text) ?? (err as Error).message}`);
  }
}

/** One JSON document. */
export function readJson<T>(file: string, by: CheckBy<T>): T {
  return checker(by)(parse(readText(file), file), file);
}

/** One JSON value per line (a final newline is optional); errors name `file:line`, or `shownAs:line` when the
 * file is a local copy of something the user knows by another name (a URL). */
export function readJsonl<T>(file: string, by: CheckBy<T>, shownAs = file): T[] {
  const check = checker(by);
  const lines = readText(file).split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line, i) => check(parse(line, `${shownAs}:${i + 1}`), `${shownAs}:${i + 1}`));
}
