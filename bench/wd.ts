/**
 * Speed of the ordinal Wasserstein distance: 70,000 rows (about the size of SubPOP-Train) with 2–10 options,
 * a tenth of them with a non-ordinal (−1) option. Target: ≤ 1 s for all rows.
 *
 *   npx tsx bench/wd.ts
 */
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { wasserstein } from '../survey/wasserstein.js';

const ROWS = 70_000;
const rng = xoroshiro128plus(7);
const uniform = (): number => uniformInt(rng, 0, 0xffffff) / 0x1000000;
const distribution = (k: number): number[] => {
  const raw = Array.from({ length: k }, () => uniform() + 1e-3);
  const sum = raw.reduce((a, b) => a + b, 0);
  return raw.map((v) => v / sum);
};
const rows = Array.from({ length: ROWS }, (_, i) => {
  const k = 2 + (i % 9);
  const ordinal = Array.from({ length: k }, (_, j) => j + 1);
  if (i % 10 === 0 && k > 2) ordinal[k - 1] = -1;
  return { human: distribution(k), model: distribution(k), ordinal };
});

for (let run = 1; run <= 3; run++) {
  const start = process.hrtime.bigint();
  let sum = 0;
  for (const r of rows) sum += wasserstein(r.human, r.model, r.ordinal);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`run ${run}: ${ROWS} rows in ${seconds.toFixed(3)} s (mean WD ${(sum / ROWS).toFixed(4)})`);
}
