/**
 * The 22 SubPOP subpopulations, written out independently of the generator from SubPOP's rules
 * (/work/shared/notes/subpop-facts.md §2.1, §3.1): on ATP files a group takes the first value label (in code
 * order) that starts with its text, or every code whose label is in its list; on GSS files it takes codes.
 */
import type { SavTable } from './read.js';

/** Profile variable → label prefix (string) or exact labels (list), lower case; the first variable present wins. */
type AtpRule = Record<string, string | string[]>;

export const atpGroups: Record<string, AtpRule> = {
  'CREGION Northeast': { F_CREGION: 'northeast' },
  'CREGION South': { F_CREGION: 'south' },
  'EDUCATION College graduate/some postgrad': { F_EDUCCAT2: 'college graduate/some post grad' },
  'EDUCATION Less than high school': { F_EDUCCAT2: 'less than high school' },
  'SEX Male': { F_SEX: 'male', F_GENDER: 'a man' },
  'SEX Female': { F_SEX: 'female', F_GENDER: 'a woman' },
  'POLIDEOLOGY Liberal': { F_IDEO: 'liberal' },
  'POLIDEOLOGY Conservative': { F_IDEO: 'conservative' },
  'POLIDEOLOGY Moderate': { F_IDEO: 'moderate' },
  'INCOME $100,000 or more': { F_INC_SDT1: '$100,000 or more', F_INCOME: ['100 to under $150,000', '$150,000 or more'] },
  'INCOME Less than $30,000': { F_INC_SDT1: 'less than $30,000', F_INCOME: ['less than $10,000', '10 to under $20,000', '20 to under $30,000'] },
  'POLPARTY Democrat': { F_PARTY_FINAL: 'democrat' },
  'POLPARTY Republican': { F_PARTY_FINAL: 'republican' },
  'RACE Black': { F_RACETHNMOD: 'black non-hispanic' },
  'RACE White': { F_RACETHNMOD: 'white non-hispanic' },
  'RACE Asian': { F_RACETHNMOD: 'asian non-hispanic' },
  'RACE Hispanic': { F_RACETHNMOD: 'hispanic' },
  'RELIG Protestant': { F_RELIG: 'protestant' },
  'RELIG Jewish': { F_RELIG: 'jewish' },
  'RELIG Hindu': { F_RELIG: 'hindu' },
  'RELIG Atheist': { F_RELIG: 'atheist' },
  'RELIG Muslim': { F_RELIG: 'muslim' },
};

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

/** GSS variable → codes; several entries mean "any of" (the multi-select race flags). */
export const gssGroups: Record<string, Record<string, number[]>> = {
  'CREGION Northeast': { region: [1, 2] },
  'CREGION South': { region: [5, 6, 7] },
  'EDUCATION College graduate/some postgrad': { educ: range(16, 20) },
  'EDUCATION Less than high school': { educ: range(0, 11) },
  'SEX Male': { sexnow1: [1] },
  'SEX Female': { sexnow1: [2] },
  'POLIDEOLOGY Liberal': { polviews: [1, 2, 3] },
  'POLIDEOLOGY Conservative': { polviews: [5, 6, 7] },
  'POLIDEOLOGY Moderate': { polviews: [4] },
  'INCOME $100,000 or more': { income16: range(22, 26) },
  'INCOME Less than $30,000': { income16: range(1, 15) },
  'POLPARTY Democrat': { partyid: [0, 1] },
  'POLPARTY Republican': { partyid: [5, 6] },
  'RACE Black': { raceacs2: [1] },
  'RACE White': { raceacs1: [1] },
  'RACE Asian': Object.fromEntries(range(4, 10).map((k) => [`raceacs${k}`, [1]])),
  'RACE Hispanic': { raceacs16: [1] },
  'RELIG Protestant': { relig: [1] },
  'RELIG Jewish': { relig: [3] },
  'RELIG Hindu': { relig: [7] },
  'RELIG Atheist': { relig: [4] },
  'RELIG Muslim': { relig: [9] },
};

/** Membership of each case in an ATP group, or undefined when the file has none of the group's variables. */
export function atpMembers(t: SavTable, rule: AtpRule): boolean[] | undefined {
  const variable = Object.keys(rule).find((v) => t.has(v));
  if (!variable) return undefined;
  const want = rule[variable];
  const labels = t.variable(variable).valueLabels.map((l) => ({ code: l.value as number, text: l.label.toLowerCase() }));
  const codes = typeof want === 'string'
    ? labels.filter((l) => l.text.startsWith(want)).slice(0, 1).map((l) => l.code)
    : labels.filter((l) => want.includes(l.text)).map((l) => l.code);
  const values = t.values(variable);
  return Array.from(values, (x) => codes.includes(x));
}

export function gssMembers(t: SavTable, rule: Record<string, number[]>): boolean[] {
  const out = new Array<boolean>(t.cases).fill(false);
  for (const [variable, codes] of Object.entries(rule)) {
    t.values(variable).forEach((x, i) => {
      if (codes.includes(x)) out[i] = true;
    });
  }
  return out;
}
