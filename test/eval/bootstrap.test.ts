import test from 'ava';
import { humanBound, rowSeed, seededDraw, uniformBound, type Draw } from '../../survey/bootstrap.js';
import type { Respondents } from '../../survey/bootstrap-members.js';

const close = (a: number, b: number, tol = 1e-12): boolean => Math.abs(a - b) <= tol;

test('uniform bound on hand-computed rows', (t) => {
  // Cumulative human 0.1, 0.6 vs uniform 1/3, 2/3: (0.2333… + 0.0666…) / range 2.
  t.true(close(uniformBound([0.1, 0.5, 0.4], [1, 2, 3]), 0.15));
  // The −1 option is dropped: human renormalised to 2/7, 5/7 against 1/2, 1/2.
  t.true(close(uniformBound([0.2, 0.5, 0.3], [1, 2, -1]), 3 / 14));
  // Non-monotone ordinals are sorted first: [1, 2, 1.5] orders the options 1, 3, 2; cumulative human 0.1, 0.5
  // vs 1/3, 2/3 over steps of 0.5: (0.2333… + 0.1666…)·0.5 / range 1.
  t.true(close(uniformBound([0.1, 0.5, 0.4], [1, 2, 1.5]), 0.2));
  t.true(Number.isNaN(uniformBound([0.5, 0.5], [1, 1])));
});

// Three respondents of one group: r1 answered option 1 with weight 1, r2 and r3 option 2 with weights 1 and 2;
// the full-sample distribution is [1/4, 3/4] and the ordinals [1, 2], so a resample's WD is |1/4 − its share
// of option 1|. Over the 27 equally likely resamples (counts c1, c2, c3 of r1, r2, r3):
//   (3,0,0) 1×|1/4 − 1| = 3/4     (0,3,0), (0,0,3) 2×1/4        (2,1,0) 3×|1/4 − 2/3| = 3×5/12
//   (2,0,1) 3×|1/4 − 1/2| = 3×1/4  (1,2,0) 3×|1/4 − 1/3| = 3×1/12  (0,2,1), (0,1,2) 6×1/4
//   (1,0,2) 3×|1/4 − 1/5| = 3×1/20  (1,1,1) 6×0
// Sum 3/4 + 1/2 + 5/4 + 3/4 + 1/4 + 3/2 + 3/20 = 5.15, so the exact bootstrap expectation is 5.15/27.
const toy: Respondents = { positions: Uint8Array.from([1, 2, 2]), weights: Float64Array.from([1, 1, 2]) };
const EXPECTED = 5.15 / 27;

test('human bound on a 3-respondent group: every resample once gives the hand-computed expectation', (t) => {
  // Draw the 27 index triples in order: b = 9·i + 3·j + k.
  let call = 0;
  const enumerate: Draw = (n) => {
    t.is(n, 3);
    const b = Math.floor(call / 3);
    const digit = [Math.floor(b / 9), Math.floor(b / 3) % 3, b % 3][call % 3]!;
    call += 1;
    return digit;
  };
  t.true(close(humanBound(toy, [0.25, 0.75], [1, 2], 27, enumerate), EXPECTED, 1e-15));
  t.is(call, 81);
  // Seeded sampling converges on it (B = 20,000: standard error ≈ 0.0013).
  t.true(close(humanBound(toy, [0.25, 0.75], [1, 2], 20_000, seededDraw(5)), EXPECTED, 0.006));
});

test('human bound: a resample without a non-refused answer counts as uniform; undefined WD is NaN without sampling', (t) => {
  // r1 refused (weight 1), r2 chose option 2 (weight 1); full sample [0, 1]. Resamples: (r1, r1) → uniform,
  // WD 1/2; the three others → [0, 1], WD 0. Expectation 1/8.
  const refusing: Respondents = { positions: Uint8Array.from([0, 2]), weights: Float64Array.from([1, 1]) };
  const pairs = [0, 0, 0, 1, 1, 0, 1, 1];
  let i = 0;
  t.is(humanBound(refusing, [0, 1], [1, 2], 4, () => pairs[i++]!), 1 / 8);
  let draws = 0;
  t.true(Number.isNaN(humanBound(toy, [0.25, 0.75], [1, 1], 10, () => (draws++, 0))));
  t.is(draws, 0);
});

test('bootstrap determinism: same seed, same bound; another seed, another; seeds come from the row identity', (t) => {
  const bound = (seed: number) => humanBound(toy, [0.25, 0.75], [1, 2], 50, seededDraw(seed));
  t.is(bound(rowSeed(42, ['W1', 'Q1', 'SEX', 'Male'])), bound(rowSeed(42, ['W1', 'Q1', 'SEX', 'Male'])));
  t.not(bound(rowSeed(42, ['W1', 'Q1', 'SEX', 'Male'])), bound(rowSeed(43, ['W1', 'Q1', 'SEX', 'Male'])));
  t.is(rowSeed(42, ['W1', 'Q1', 'SEX', 'Male']), rowSeed(42, ['W1', 'Q1', 'SEX', 'Male']));
  t.not(rowSeed(42, ['W1', 'Q1', 'SEX', 'Male']), rowSeed(42, ['W1', 'Q1', 'SEX', 'Female']));
  // Field boundaries matter: ("ab", "c") and ("a", "bc") are different rows.
  t.not(rowSeed(1, ['ab', 'c']), rowSeed(1, ['a', 'bc']));
});
