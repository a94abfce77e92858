/** The building blocks of the latent model and the weights, against values worked out by hand. */
import test from 'ava';
import { calibrate, CalibratedItem, ResponseModel, type Latent } from '../../demo/latent.js';
import { Rng } from '../../demo/random.js';
import { surveyWeights } from '../../demo/weights.js';

const zero: Latent = { P: 0, R: 0, E: 0, A: 0, T: 0, C: 0, G: 0, L: 0 };
const logit = (p: number) => Math.log(p / (1 - p));

test('cut points reproduce the target shares: with all scores 0 they are the logits of the cumulative shares', (t) => {
  const item = { options: ['a', 'b', 'c'], shares: [0.2, 0.3, 0.5], load: { P: 1 } };
  const cuts = calibrate(item, [0, 0, 0, 0], [1, 2, 3, 4]);
  t.true(Math.abs(cuts[0] - logit(0.2)) < 1e-9, `${cuts[0]}`);
  t.true(Math.abs(cuts[1] - logit(0.5)) < 1e-9, `${cuts[1]}`);
  // Scores -1 and +1 in equal weight: logistic(c + 1)/2 + logistic(c - 1)/2 = 0.5 at c = 0.
  t.true(Math.abs(calibrate(item, [-1, 1], [1, 1])[1]) < 1e-9);
});

test('probabilities follow the latent rank, not the code order', (t) => {
  // "depends" (code 3) lies between the ends: ranks 0, 2, 1.
  const item = { options: ['can trust', "can't be too careful", 'depends'], shares: [0.2, 0.5, 0.3], load: { T: -1 }, rank: [0, 2, 1] };
  const calibrated = new CalibratedItem(item, [logit(0.2), logit(0.5)]);
  const p = calibrated.probabilities(zero);
  [0.2, 0.5, 0.3].forEach((want, i) => t.true(Math.abs(p[i] - want) < 1e-12, `option ${i}: ${p[i]}`));
  // A higher score (lower trust, since the loading is -1) moves answers from "can trust" to "can't be too careful".
  const distrust = calibrated.probabilities({ ...zero, T: -2 });
  t.true(distrust[0] < p[0] && distrust[1] > p[1]);
  t.throws(() => new CalibratedItem({ ...item, rank: [0, 2, 2] }, [0, 0]), { message: /not a permutation/ });
});

test('a model calibrates an item once and reuses the cut points', (t) => {
  const model = new ResponseModel([zero, { ...zero, P: 1 }], [1, 1]);
  const item = { options: ['x', 'y'], shares: [0.5, 0.5], load: { P: 1 } };
  t.is(model.calibrated(item), model.calibrated(item));
});

test('weights are trimmed to [min, max] and rescaled to mean 1 until stable', (t) => {
  // Without random spread, [1, 1, 1, 100] settles where three weights sit at the floor 0.2 and the fourth
  // takes the rest of the total 4: 4 - 3 * 0.2 = 3.4.
  t.deepEqual(surveyWeights([1, 1, 1, 100], new Rng(1), { spread: 0, min: 0.2, max: 5 }), [0.2, 0.2, 0.2, 3.4]);
  t.deepEqual(surveyWeights([2, 2, 2, 2], new Rng(1), { spread: 0 }), [1, 1, 1, 1]);
  const w = surveyWeights(Array.from({ length: 500 }, (_, i) => 1 + (i % 7)), new Rng(3));
  t.true(Math.abs(w.reduce((a, b) => a + b, 0) / w.length - 1) < 1e-5);
  t.true(w.every((x) => x >= 0.2 && x <= 5 && Number(x.toFixed(6)) === x));
});

test('forked streams depend on the seed and the label only', (t) => {
  const a = new Rng(5);
  const draws = (r: Rng) => Array.from({ length: 5 }, () => r.uniform());
  const before = draws(a.fork('x'));
  draws(a);
  t.deepEqual(draws(a.fork('x')), before);
  t.notDeepEqual(draws(a.fork('y')), before);
  t.notDeepEqual(draws(new Rng(6).fork('x')), before);
});
