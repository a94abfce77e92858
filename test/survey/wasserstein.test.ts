import fs from 'node:fs';
import test from 'ava';
import { wasserstein } from '../../survey/wasserstein.js';

interface ScipyCase {
  human: number[];
  model: number[];
  ordinal: number[];
  wd: number;
}

const close = (actual: number, expected: number, tol = 1e-12) => Math.abs(actual - expected) <= tol;

test('the two documented examples of the authors (issue #6)', (t) => {
  t.true(close(wasserstein([0.1, 0.5, 0.4], [0.2, 0.3, 0.5], [1, 2, 1.5]), 0.15));
  // −1 drops the third option; both sides renormalise to [.2,.5]/.7 and [.3,.4]/.7: |.2−.3|/.7 · 1 / 1
  t.true(close(wasserstein([0.2, 0.5, 0.3], [0.3, 0.4, 0.3], [1, 2, -1]), 0.1 / 0.7));
  t.is(wasserstein([0.2, 0.5, 0.3], [0.3, 0.4, 0.3], [1, 2, -1]).toFixed(6), '0.142857');
});

test('agrees with scipy wasserstein_distance / range on 1,200 random cases', (t) => {
  const file = new URL('../fixtures/survey/wasserstein-scipy.json', import.meta.url);
  const { cases } = JSON.parse(fs.readFileSync(file, 'utf8')) as { cases: ScipyCase[] };
  t.true(cases.length >= 1000);
  const worst = Math.max(...cases.map((c) => Math.abs(wasserstein(c.human, c.model, c.ordinal) - c.wd)));
  t.true(worst < 1e-12, `largest difference ${worst}`);
});

test('opposite point masses are 1, identical distributions 0', (t) => {
  t.is(wasserstein([1, 0, 0, 0], [0, 0, 0, 1], [1, 2, 3, 4]), 1);
  t.is(wasserstein([0.25, 0.25, 0.5], [0.25, 0.25, 0.5], [3, 1, 2]), 0);
});

test('two options: the distance is the difference of the first shares', (t) => {
  t.true(close(wasserstein([0.7, 0.3], [0.4, 0.6], [1, 2]), 0.3));
  // reversed ordinals sort the options the other way; the distance is symmetric in that
  t.true(close(wasserstein([0.7, 0.3], [0.4, 0.6], [2, 1]), 0.3));
});

test('ordinal gaps weight the cumulative differences; the range normalises', (t) => {
  // sorted: o = 0, 1, 4; H = .5, .5; M = 0, .5 → (.5·1 + 0·3) / 4
  t.true(close(wasserstein([0.5, 0, 0.5], [0, 0.5, 0.5], [0, 1, 4]), 0.125));
});

test('negative ordinals are dropped and both sides renormalised', (t) => {
  // the "Other" option (−1) carries most of the model's mass; what remains is [.1, .1] → [.5, .5]
  t.true(close(wasserstein([0.6, 0.2, 0.2], [0.1, 0.1, 0.8], [1, 2, -1]), 0.25));
  // any negative value marks a non-ordinal option, not only −1
  t.true(close(wasserstein([0.6, 0.2, 0.2], [0.1, 0.1, 0.8], [1, 2, -2.5]), 0.25));
});

test('a side whose mass was all on dropped options becomes uniform', (t) => {
  // model: everything on the −1 option → uniform [1/3, 1/3, 1/3]; human [1, 0, 0]
  // H − M cumulative: 2/3, 1/3 → (2/3 + 1/3) / 2
  t.true(close(wasserstein([1, 0, 0, 0], [0, 0, 0, 1], [1, 2, 3, -1]), 0.5));
  // both sides uniform → 0
  t.is(wasserstein([0, 0, 1], [0, 0, 1], [1, 2, -1]), 0);
});

test('no ordinal range → NaN (zero spread, fewer than two ordinal options)', (t) => {
  t.true(Number.isNaN(wasserstein([0.5, 0.5], [0.2, 0.8], [1, 1])));
  t.true(Number.isNaN(wasserstein([0.2, 0.3, 0.5], [0.3, 0.3, 0.4], [1, 1, 1])));
  t.true(Number.isNaN(wasserstein([0.5, 0.5], [0.2, 0.8], [1, -1])));
  t.true(Number.isNaN(wasserstein([0.5, 0.5], [0.2, 0.8], [-1, -1])));
  // two options left that share one ordinal: still no range
  t.true(Number.isNaN(wasserstein([0.2, 0.3, 0.5], [0.3, 0.3, 0.4], [2, 2, -1])));
  t.true(Number.isNaN(wasserstein([], [], [])));
});

test('mismatched lengths are an error', (t) => {
  t.throws(() => wasserstein([0.5, 0.5], [1], [1, 2]), { message: /lengths differ/ });
});

test('typed arrays work as inputs', (t) => {
  const v = wasserstein(Float64Array.of(0.1, 0.5, 0.4), Float32Array.of(0.2, 0.3, 0.5), [1, 2, 1.5]);
  t.true(close(v, 0.15, 1e-7));
});
