/** JSONL files the evaluation reads: one JSON value per line, each validated; errors name `file:line`. */
import fs from 'node:fs';
import { FormatError, validate } from '../lib/schema.js';

/** The lines of `file`, each checked against `schema` (schemas/<schema>.schema.json). */
export function readJsonl<T>(file: string, schema: string): T[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot read (${(err as Error).message})`);
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line, i) => {
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch (err) {
      throw new FormatError(`${file}:${i + 1}: ${(err as Error).message}`);
    }
    return validate<T>(schema, data, `${file}:${i + 1}`);
  });
}
