/**
 * The rows the training benchmarks train on: the demo split in artifacts/split/ when present, otherwise
 * synthetic rows of the same size (7 waves × 30 questions × 22 groups), split 9:1 by question.
 */
import fs from 'node:fs';
import type { TrainRow } from '../lm/train.js';
import { readRows } from '../survey/rows.js';
import { syntheticRows } from './lm-synthetic.js';

export function trainingData(): { train: TrainRow[]; val: TrainRow[]; all: TrainRow[]; source: string } {
  if (fs.existsSync('artifacts/split/train.jsonl')) {
    const train = readRows('artifacts/split/train.jsonl');
    const val = readRows('artifacts/split/val.jsonl');
    return { train, val, all: [...train, ...val, ...readRows('artifacts/split/test.jsonl')], source: 'artifacts/split' };
  }
  const all = syntheticRows(1);
  const qkeys = [...new Set(all.map((r) => r.qkey))];
  const held = new Set(qkeys.filter((_, i) => i % 10 === 0));
  return { train: all.filter((r) => !held.has(r.qkey)), val: all.filter((r) => held.has(r.qkey)), all, source: 'synthetic rows (bench/lm-synthetic.ts)' };
}
