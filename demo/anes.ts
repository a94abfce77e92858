/**
 * The public-domain ANES 1996 extract (demo/anes/source/anes96.csv) as one more wave in ATP layout, W996: real
 * answers as questions `{NAME}_W996`, the profile variables the data allows mapped to Pew's codes, and no sex,
 * race, region or religion (the extract has none). demo/README.md documents every mapping.
 */
import { atpProfileLabels, variableLabels } from './atp-profile.js';
import type { Dataset, ValueLabels, Variable } from './sav.js';

export const anesColumns = ['popul', 'TVnews', 'selfLR', 'ClinLR', 'DoleLR', 'PID', 'age', 'educ', 'income', 'vote'] as const;
export type AnesColumn = (typeof anesColumns)[number];
export type AnesRow = Readonly<Record<AnesColumn, number>>;

/** Valid codes of each column (inclusive). */
const ranges: Record<AnesColumn, [number, number]> = {
  popul: [0, 100_000], TVnews: [0, 7], selfLR: [1, 7], ClinLR: [1, 7], DoleLR: [1, 7], PID: [0, 6], age: [18, 120],
  educ: [1, 7], income: [1, 24], vote: [0, 1],
};

/** Parses the tab-separated extract; errors name `file:line:col`. */
export function parseAnes(text: string, file: string): AnesRow[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const header = (lines[0] ?? '').replace(/\r$/, '').split('\t').map((h) => h.replace(/^'(.*)'$/, '$1'));
  if (header.join(',') !== anesColumns.join(',')) {
    throw new Error(`${file}:1:1: expected columns ${anesColumns.join(', ')}, found ${header.join(', ')}`);
  }
  return lines.slice(1).map((line, i) => {
    const lineNo = i + 2;
    const fields = line.replace(/\r$/, '').split('\t');
    if (fields.length !== anesColumns.length) throw new Error(`${file}:${lineNo}:1: expected ${anesColumns.length} fields, found ${fields.length}`);
    const row = {} as Record<AnesColumn, number>;
    let col = 1;
    anesColumns.forEach((name, k) => {
      const raw = fields[k];
      const value = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
      const [lo, hi] = ranges[name];
      if (!(value >= lo && value <= hi)) throw new Error(`${file}:${lineNo}:${col}: ${name} must be an integer in ${lo}..${hi}, found ${JSON.stringify(raw)}`);
      row[name] = value;
      col += raw.length + 1;
    });
    return row;
  });
}

const lrScale = ['Extremely liberal', 'Liberal', 'Slightly liberal', 'Moderate; middle of the road', 'Slightly conservative',
  'Conservative', 'Extremely conservative'];
const lrLabels = [...lrScale.map((l, i) => [i + 1, l] as const), [99, 'Refused'] as const];
const lrText = (whom: string) =>
  `We hear a lot of talk these days about liberals and conservatives. Where would you place ${whom} on this scale of political views, from extremely liberal to extremely conservative?`;

/** Pew code of each ANES code, by profile variable (index = ANES code). */
export const anesProfileMaps = {
  /** PID 0-6: Democrats (strong, weak) 2, independents incl. leaners 3, Republicans (weak, strong) 1. */
  F_PARTY_FINAL: [2, 2, 3, 3, 3, 1, 1],
  /** PID 0-6: leaners folded in; pure independents are "no lean". */
  F_PARTYSUM_FINAL: [2, 2, 2, 9, 1, 1, 1],
  /** selfLR 1-7 (index 0 unused): extremes to "Very", the two inner points on each side to the plain label. */
  F_IDEO: [NaN, 5, 4, 4, 3, 2, 2, 1],
  /** educ 1-7 (index 0 unused): grades 1-8 and some high school are less than high school; "some college" cannot be
   * told apart from an associate's degree and maps to 3; master's and PhD are postgraduate. */
  F_EDUCCAT2: [NaN, 1, 1, 2, 3, 5, 6, 6],
  /** income 1-24 (index 0 unused) onto F_INCOME: 1-5 under $10k, 6-12 $10-20k, 13-15 $20-30k, 16-17 $30-40k,
   * 18-19 $40-50k, 20-21 $50-75k, 22 $75-90k; 23 ($90,000-104,999) mostly lies under $100k and maps to 7; 24
   * ($105,000 and over) maps to 8, the bracket holding its lower bound. */
  F_INCOME: [NaN, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8],
} as const;

export const ageCategory = (age: number): number => (age < 30 ? 1 : age < 50 ? 2 : age < 65 ? 3 : 4);

export function anesWave(rows: readonly AnesRow[]): Dataset {
  const col = (f: (r: AnesRow) => number) => rows.map(f);
  const question = (name: string, text: string, valueLabels: ValueLabels, values: number[]): Variable => ({
    name: `${name}_W996`, label: `${name}. ${text}`, format: 'F2.0', valueLabels, values,
  });
  const profile = (name: keyof typeof anesProfileMaps | 'F_AGECAT', values: number[]): Variable => ({
    name, label: variableLabels[name], format: 'F2.0', valueLabels: atpProfileLabels[name], values,
  });
  const m = anesProfileMaps;
  return {
    label: 'ANES 1996 extract in ATP layout (demo wave W996)',
    variables: [
      { name: 'QKEY', label: 'QKEY. Unique respondent identifier (row of anes96.csv)', format: 'F4.0', values: rows.map((_, i) => i + 1) },
      question('vote', 'Who do you think you will vote for in the election for President?',
        [[1, 'Bill Clinton'], [2, 'Bob Dole'], [99, 'Refused']], col((r) => r.vote + 1)),
      question('ClinLR', lrText('Bill Clinton'), lrLabels, col((r) => r.ClinLR)),
      question('DoleLR', lrText('Bob Dole'), lrLabels, col((r) => r.DoleLR)),
      question('selfLR', lrText('yourself'), lrLabels, col((r) => r.selfLR)),
      question('TVnews', 'How many days in the past week did you watch the national network news on TV?',
        [[1, 'None'], [2, '1 day'], [3, '2 days'], [4, '3 days'], [5, '4 days'], [6, '5 days'], [7, '6 days'], [8, 'Every day'], [99, 'Refused']],
        col((r) => r.TVnews + 1)),
      profile('F_AGECAT', col((r) => ageCategory(r.age))),
      profile('F_EDUCCAT2', col((r) => m.F_EDUCCAT2[r.educ])),
      profile('F_PARTY_FINAL', col((r) => m.F_PARTY_FINAL[r.PID])),
      profile('F_PARTYSUM_FINAL', col((r) => m.F_PARTYSUM_FINAL[r.PID])),
      profile('F_IDEO', col((r) => m.F_IDEO[r.selfLR])),
      profile('F_INCOME', col((r) => m.F_INCOME[r.income])),
      { name: 'WEIGHT_W996', label: 'WEIGHT_W996. Wave 996 weight (the extract has no weight: 1 for everyone)', format: 'F10.6', values: rows.map(() => 1) },
    ],
  };
}
