import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { runMarginal } from '../../stages/marginal.js';
import { rowsJsonl, type SubpopRow } from '../../survey/rows.js';
import { tmp, jsonl } from '../helpers/files.js';
import { stageContext } from '../helpers/stage-context.js';
import { subpopRow } from '../helpers/rows.js';

const row = (qkey: string, wave: string, attribute: string, group: string, responses: number[], ordinal = responses.map((_, i) => i + 1)): SubpopRow =>
  subpopRow({ qkey, wave, attribute, group, question: `${qkey}?`, options: [...responses.map((_, i) => `option ${i + 1}`), 'Refused'], ordinal, responses });

function setup(population: SubpopRow[]) {
  const dir = tmp('marginal-stage-');
  const split = path.join(dir, 'split');
  const rows = path.join(dir, 'rows');
  fs.mkdirSync(split);
  fs.mkdirSync(rows);
  // val: q1 for two groups; test: q2 (the question with a non-ordinal option) for one group.
  fs.writeFileSync(path.join(split, 'val.jsonl'), rowsJsonl([row('q1', 'W1', 'SEX', 'Female', [1, 0]), row('q1', 'W1', 'SEX', 'Male', [0.25, 0.75])]));
  fs.writeFileSync(path.join(split, 'test.jsonl'), rowsJsonl([row('q2', 'G', 'SEX', 'Male', [0.5, 0.5, 0], [1, 3, -1])]));
  fs.writeFileSync(path.join(rows, 'population.jsonl'), rowsJsonl(population));
  const out = path.join(dir, 'marginal');
  return { dir, out, ctx: stageContext({ name: 'marginal', deps: [split, rows], outs: [out] }) };
}

const population = [row('q1', 'W1', 'OVERALL', 'Overall', [0.25, 0.75]), row('q2', 'G', 'OVERALL', 'Overall', [0.2, 0.3, 0.5], [1, 3, -1])];

test('marginal baseline: each group predicted by the population distribution, WD against hand-computed values', (t) => {
  const { dir, out, ctx } = setup(population);
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  runMarginal(ctx);
  // q1 Female [1, 0] vs [0.25, 0.75]: |1 − 0.25| · (2 − 1) / 1 = 0.75; Male equals the population: 0.
  // q2 drops the −1 option: [0.5, 0.5] vs [0.2, 0.3]/0.5 = [0.4, 0.6]: |0.5 − 0.4| · (3 − 1) / 2 = 0.1.
  const lines = jsonl(path.join(out, 'marginal.jsonl'));
  t.deepEqual(lines.map((l) => [l['set'], l['qkey'], l['group']]), [['val', 'q1', 'Female'], ['val', 'q1', 'Male'], ['test', 'q2', 'Male']]);
  const wds = lines.map((l) => l['wd'] as number);
  t.true(Math.abs(wds[0]! - 0.75) < 1e-12 && wds[1] === 0 && Math.abs(wds[2]! - 0.1) < 1e-12, `${wds}`);
  const metrics = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
  t.like(metrics.sets[0], { name: 'val', rows: 2, without_population: 0, marginal: { rows: 2, wd_rows: 2, wd: 0.375 } });
  t.like(metrics.sets[1].marginal.groups[0], { attribute: 'SEX', group: 'Male', rows: 1 });
});

test('marginal baseline: a row without a population row is counted, not scored; other options are an error', (t) => {
  const missing = setup([population[0]!]);
  t.teardown(() => fs.rmSync(missing.dir, { recursive: true, force: true }));
  runMarginal(missing.ctx);
  const metrics = JSON.parse(fs.readFileSync(path.join(missing.out, 'metrics.json'), 'utf8'));
  t.like(metrics.sets[1], { name: 'test', rows: 1, without_population: 1, marginal: null });

  const other = setup([{ ...population[0]!, options: ['yes', 'no', 'Refused'] }, population[1]!]);
  t.teardown(() => fs.rmSync(other.dir, { recursive: true, force: true }));
  const err = t.throws(() => runMarginal(other.ctx));
  t.regex(err!.message, /val\.jsonl:1: q1 \(W1\) has other options or ordinals than its population row in .*population\.jsonl/);
});
