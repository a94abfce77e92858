/**
 * Synthetic subpopulation rows in the schema of docs/data-model.md, for training benchmarks and tests
 * while no survey data is at hand: questions with 2–6 options plus "Refused", and per-group answer shares
 * that shift with a group-specific lean, so there is something to learn.
 */
import { Rng } from '../lm/random.js';
import type { SubpopRow } from '../survey/rows.js';

export const GROUPS_22: [string, string][] = [
  ['CREGION', 'Northeast'], ['CREGION', 'South'],
  ['EDUCATION', 'College graduate/some postgrad'], ['EDUCATION', 'Less than high school'],
  ['SEX', 'Male'], ['SEX', 'Female'],
  ['POLIDEOLOGY', 'Liberal'], ['POLIDEOLOGY', 'Conservative'], ['POLIDEOLOGY', 'Moderate'],
  ['INCOME', '$100,000 or more'], ['INCOME', 'Less than $30,000'],
  ['POLPARTY', 'Democrat'], ['POLPARTY', 'Republican'],
  ['RACE', 'Black'], ['RACE', 'White'], ['RACE', 'Asian'], ['RACE', 'Hispanic'],
  ['RELIG', 'Protestant'], ['RELIG', 'Jewish'], ['RELIG', 'Hindu'], ['RELIG', 'Atheist'], ['RELIG', 'Muslim'],
];

const WORDS = ('government economy country people future children families jobs health care climate energy taxes schools police ' +
  'immigration technology internet news media religion science community election congress president court military ' +
  'trade prices housing retirement income neighborhood environment safety privacy').split(' ');
const SCALES = [
  ['Yes', 'No'],
  ['Favor', 'Oppose'],
  ['Better', 'Worse', 'About the same'],
  ['A great deal', 'Some', 'Not too much', 'Not at all'],
  ['Very satisfied', 'Somewhat satisfied', 'Somewhat dissatisfied', 'Very dissatisfied'],
  ['Strongly agree', 'Agree', 'Neither agree nor disagree', 'Disagree', 'Strongly disagree'],
  ['Excellent', 'Very good', 'Good', 'Fair', 'Poor', 'Very poor'],
];

export function syntheticRows(seed: number, waves = 7, questionsPerWave = 30): SubpopRow[] {
  const rng = new Rng(seed);
  const lean = new Map(GROUPS_22.map(([, g]) => [g, rng.normal()]));
  const rows: SubpopRow[] = [];
  for (let w = 1; w <= waves; w++) {
    for (let q = 1; q <= questionsPerWave; q++) {
      const scale = SCALES[rng.int(SCALES.length)];
      const words = Array.from({ length: 6 + rng.int(8) }, () => WORDS[rng.int(WORDS.length)]);
      const question = `How do you feel about ${words.join(' ')}?`;
      const base = scale.map(() => rng.normal());
      const slope = rng.normal();
      for (const [attribute, group] of GROUPS_22) {
        const logits = base.map((b, i) => b + slope * lean.get(group)! * (i / Math.max(1, scale.length - 1) - 0.5) * 3);
        const e = logits.map((l) => Math.exp(l));
        const z = e.reduce((a, b) => a + b, 0);
        const n = 30 + rng.int(300);
        rows.push({
          qkey: `Q${q}_W${900 + w}`,
          wave: `ATP_W${900 + w}`,
          attribute,
          group,
          question,
          options: [...scale, 'Refused'],
          ordinal: scale.map((_, i) => i + 1),
          responses: e.map((x) => x / z),
          refusal_rate: Math.round(rng.float() * 0.05 * 1000) / 1000,
          n_respondents: n,
          weight_sum: n * (0.5 + rng.float()),
        });
      }
    }
  }
  return rows;
}
