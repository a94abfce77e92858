/**
 * Two pieces of Python that the SubPOP authors' split depends on, reproduced bit for bit so that their split
 * can be rebuilt from their released files (survey/split.ts):
 *
 * - numpy's legacy global generator: `np.random.seed(seed)` seeds MT19937 with init_genrand (pure-rand's
 *   `mersenne` is the same generator, seeded the same way), and `np.random.shuffle(x)` is Fisher–Yates from the
 *   end, drawing each j in [0, i] by masked rejection sampling of 32-bit outputs (numpy's `random_interval`);
 * - Python's `round`, which rounds halves to even.
 *
 * test/fixtures/survey/numpy_split.py checks both against numpy itself.
 */
import { mersenne } from 'pure-rand/generator/mersenne';

/** A copy of `items` in the order `np.random.seed(seed); np.random.shuffle(items)` leaves a Python list in. */
export function numpyShuffle<T>(items: readonly T[], seed: number): T[] {
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) throw new RangeError(`numpy seeds lie in [0, 2**32 - 1] (got ${seed})`);
  const rng = mersenne(seed);
  const next = (): number => rng.next() >>> 0;
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    let mask = i;
    for (let s = 1; s <= 16; s *= 2) mask |= mask >>> s;
    let j: number;
    do j = (next() & mask) >>> 0;
    while (j > i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Python's round(x) for finite x: the nearest integer, halves to the even one. */
export function pythonRound(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff !== 0.5) return diff < 0.5 ? floor : floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}
