import test from 'ava';
import { klDivergence, readDistributions, scorePrediction, type Readout, type ReadoutItem, type ReadoutModel } from '../../survey/evaluate.js';
import { summarise } from '../../survey/evaluate-summary.js';
import type { EvalRow } from '../../survey/evaluate-sets.js';
import { subpopRow } from '../helpers/rows.js';

const close = (a: number | null | undefined, b: number, tol = 1e-12): boolean => typeof a === 'number' && Math.abs(a - b) <= tol;

function row(over: Partial<EvalRow>): EvalRow {
  const { weight_sum: _w, ...fields } = subpopRow();
  return { ...fields, where: 'rows.jsonl:1', ...over };
}

/** A model that answers every prompt with a fixed readout per option count, and records what it was asked. */
class FakeModel implements ReadoutModel {
  calls: ReadoutItem[][] = [];
  constructor(private readonly answers: Record<number, Readout>) {}
  optionReadouts(items: readonly ReadoutItem[]): Readout[] {
    this.calls.push([...items]);
    return items.map((it) => this.answers[it.nOptions]!);
  }
}

test('KL(human ‖ model) on hand-computed toy distributions', (t) => {
  // 0.5·ln(0.5/0.25) + 0.5·ln(0.5/0.75) = 0.5·ln 2 + 0.5·ln(2/3)
  t.true(close(klDivergence([0.5, 0.5], [0.25, 0.75]), 0.5 * Math.LN2 + 0.5 * Math.log(2 / 3), 1e-7));
  t.true(close(klDivergence([0.2, 0.8], [0.2, 0.8]), 0));
  // An option the human never chose contributes nothing, whatever the model gives it.
  t.true(close(klDivergence([1, 0], [0.5, 0.5]), Math.LN2, 1e-7));
  // A human option the model gives no mass stays finite: 1·(ln(1 + 1e-8) − ln(1e-8)).
  t.true(close(klDivergence([1, 0], [0, 1]), Math.log(1 + 1e-8) - Math.log(1e-8)));
});

test('a row scored at the eval level: the documented WD example with a non-ordinal option, KL over all options, letter mass as read', (t) => {
  const r = row({ options: ['Yes', 'No', 'Depends', 'Refused'], ordinal: [1, 2, -1], responses: [0.2, 0.5, 0.3] });
  const p = scorePrediction(r, { distribution: [0.3, 0.4, 0.3], mass: 0.62 });
  t.true(close(p.wd, 0.1 / 0.7, 1e-12));
  // KL keeps the non-ordinal option: 0.2·ln(0.2/0.3) + 0.5·ln(0.5/0.4) + 0.3·ln(0.3/0.3).
  t.true(close(p.kl, 0.2 * Math.log(0.2 / 0.3) + 0.5 * Math.log(0.5 / 0.4), 1e-7));
  t.is(p.letter_mass, 0.62);
  t.throws(() => scorePrediction(r, { distribution: [0.5, 0.5], mass: 1 }), { message: 'rows.jsonl:1: the model returned 2 option probabilities for 3 options' });
});

test('summaries: micro means overall, per attribute and per group, WD skipping undefined rows; sorted groups', (t) => {
  const s = summarise(
    [
      { attribute: 'B', group: 'z', wd: 0.5, kl: 0, letter_mass: 0.1 },
      { attribute: 'A', group: 'y', wd: 0.3, kl: 0.6, letter_mass: 0.9 },
      { attribute: 'A', group: 'x', wd: 0.1, kl: 0.2, letter_mass: 0.5 },
      { attribute: 'A', group: 'x', wd: Number.NaN, kl: 0.4, letter_mass: 0.7 },
    ],
    ['kl', 'letter_mass'],
  );
  t.like(s, { rows: 4, wd_rows: 3 });
  t.true(close(s.wd, 0.3, 1e-15) && close(s.kl, 0.3, 1e-15) && close(s.letter_mass, 0.55, 1e-15));
  t.deepEqual(s.attributes.map((a) => [a.attribute, a.rows, a.wd_rows]), [['A', 3, 2], ['B', 1, 1]]);
  t.true(close(s.attributes[0]!.wd, 0.2, 1e-15) && close(s.attributes[0]!.kl, 0.4, 1e-15) && close(s.attributes[0]!.letter_mass, 0.7, 1e-15));
  t.deepEqual(s.groups.map((g) => [g.attribute, g.group, g.rows, g.wd_rows]), [['A', 'x', 2, 1], ['A', 'y', 1, 1], ['B', 'z', 1, 1]]);
  t.true(close(s.groups[0]!.wd, 0.1) && close(s.groups[0]!.kl, 0.3, 1e-15) && close(s.groups[0]!.letter_mass, 0.6, 1e-15));
  // A group whose only rows have no WD has a null mean; an empty set has null everywhere.
  t.is(summarise([{ attribute: 'A', group: 'x', wd: Number.NaN }]).wd, null);
  t.deepEqual(summarise([], ['kl', 'letter_mass']), { rows: 0, wd_rows: 0, wd: null, kl: null, letter_mass: null, attributes: [], groups: [] });
});

test('readDistributions reads each distinct prompt once, shortest first, and returns readouts in row order', async (t) => {
  const two: Readout = { distribution: [0.25, 0.75], mass: 0.5 };
  const three: Readout = { distribution: [0.2, 0.3, 0.5], mass: 0.25 };
  const long = { question: 'A much longer question about the plan, its costs and its benefits?', options: ['Yes', 'Maybe', 'No', 'Refused'], ordinal: [1, 2, 3] };
  const rows = [
    row({ ...long }),
    row({}),
    row({ wave: 'W2' }), // the same prompt as the row before, from another wave
    row({ group: 'Conservative' }),
  ];
  const progress: [number, number][] = [];
  for (const chunk of [1, 2, 10]) {
    const model = new FakeModel({ 2: two, 3: three });
    const { readouts, prompts } = await readDistributions(model, rows, { style: 'QA', batchSize: 1, chunk, progress: (d, n) => progress.push([d, n]) });
    t.is(prompts, 3);
    t.deepEqual(readouts, [three, two, two, two]);
    const asked = model.calls.flat();
    t.is(asked.length, 3);
    t.deepEqual(asked.map((a) => a.nOptions), [2, 2, 3]);
    t.true(asked[0]!.prompt.length <= asked[1]!.prompt.length && asked[1]!.prompt.length <= asked[2]!.prompt.length);
    t.is(model.calls.length, Math.ceil(3 / chunk));
  }
  t.deepEqual(progress.slice(0, 4), [[0, 3], [1, 3], [2, 3], [3, 3]]);
  const aborted = new AbortController();
  aborted.abort();
  await t.throwsAsync(readDistributions(new FakeModel({ 2: two, 3: three }), rows, { style: 'QA', batchSize: 1, signal: aborted.signal }), { message: 'evaluation cancelled' });
});
