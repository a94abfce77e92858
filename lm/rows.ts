/** Subpopulation rows from a split's JSONL files (docs/data-model.md), with the fields the model reads checked. */
import fs from 'node:fs';
import type { TrainRow } from './train.js';

function check(row: unknown, where: string): TrainRow {
  const r = row as Record<string, unknown>;
  const fail = (msg: string): never => {
    throw new Error(`${where}: ${msg}`);
  };
  if (typeof r !== 'object' || r === null || Array.isArray(r)) fail('not a JSON object');
  for (const k of ['qkey', 'attribute', 'group', 'question'] as const) if (typeof r[k] !== 'string') fail(`"${k}" must be a string`);
  if (!Array.isArray(r.options) || r.options.length < 2 || !r.options.every((o) => typeof o === 'string')) fail('"options" must be a list of at least two strings');
  const options = r.options as string[];
  if (!Array.isArray(r.responses) || !r.responses.every((p) => typeof p === 'number' && p >= 0)) fail('"responses" must be a list of non-negative numbers');
  if ((r.responses as number[]).length !== options.length - 1) fail(`${(r.responses as number[]).length} responses for ${options.length} options (the last option is the refusal)`);
  if (typeof r.refusal_rate !== 'number' || r.refusal_rate < 0 || r.refusal_rate > 1) fail('"refusal_rate" must be a number in [0, 1]');
  return r as unknown as TrainRow;
}

export function readRows(file: string): TrainRow[] {
  if (!fs.existsSync(file)) throw new Error(`${file}: missing`);
  const rows: TrainRow[] = [];
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (err) {
        throw new Error(`${file}:${i + 1}: not JSON (${(err as Error).message})`);
      }
      rows.push(check(parsed, `${file}:${i + 1}`));
    });
  return rows;
}
