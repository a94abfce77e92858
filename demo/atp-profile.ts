/** Pew ATP profile variables (`F_*`) of a synthetic person, with Pew's codes and label texts
 * (docs/survey-layouts.md). */
import type { Person, Religion } from './population.js';
import type { ValueLabels } from './sav.js';

const refused = [99, 'Refused'] as const;

export const atpProfileLabels = {
  F_AGECAT: [[1, '18-29'], [2, '30-49'], [3, '50-64'], [4, '65+'], refused],
  F_SEX: [[1, 'Male'], [2, 'Female'], refused],
  F_GENDER: [[1, 'A man'], [2, 'A woman'], [3, 'In some other way'], refused],
  F_EDUCCAT2: [[1, 'Less than high school'], [2, 'High school graduate'], [3, 'Some college, no degree'],
    [4, "Associate's degree"], [5, 'College graduate/some post grad'], [6, 'Postgraduate'], refused],
  F_CREGION: [[1, 'Northeast'], [2, 'Midwest'], [3, 'South'], [4, 'West']],
  F_PARTY_FINAL: [[1, 'Republican'], [2, 'Democrat'], [3, 'Independent'], [4, 'Something else'], refused],
  F_PARTYSUM_FINAL: [[1, 'Rep/Lean Rep'], [2, 'Dem/Lean Dem'], [9, 'DK/Refused/No lean']],
  F_IDEO: [[1, 'Very conservative'], [2, 'Conservative'], [3, 'Moderate'], [4, 'Liberal'], [5, 'Very liberal'], refused],
  F_INC_SDT1: [[1, 'Less than $30,000'], [2, '$30,000 to less than $40,000'], [3, '$40,000 to less than $50,000'],
    [4, '$50,000 to less than $60,000'], [5, '$60,000 to less than $70,000'], [6, '$70,000 to less than $80,000'],
    [7, '$80,000 to less than $90,000'], [8, '$90,000 to less than $100,000'], [9, '$100,000 or more'], refused],
  F_INCOME: [[1, 'Less than $10,000'], [2, '10 to under $20,000'], [3, '20 to under $30,000'], [4, '30 to under $40,000'],
    [5, '40 to under $50,000'], [6, '50 to under $75,000'], [7, '75 to under $100,000'], [8, '100 to under $150,000'],
    [9, '$150,000 or more'], refused],
  F_RACETHNMOD: [[1, 'White non-Hispanic'], [2, 'Black non-Hispanic'], [3, 'Hispanic'], [4, 'Other'], [5, 'Asian non-Hispanic'], refused],
  F_RELIG: [[1, 'Protestant'], [2, 'Roman Catholic'], [3, 'Mormon (Church of Jesus Christ of Latter-day Saints or LDS)'],
    [4, 'Orthodox (such as Greek, Russian, or some other Orthodox church)'], [5, 'Jewish'], [6, 'Muslim'], [7, 'Buddhist'],
    [8, 'Hindu'], [9, 'Atheist'], [10, 'Agnostic'], [11, 'Other'], [12, 'Nothing in particular'], refused],
  F_CITIZEN: [[1, 'Yes'], [2, 'No'], refused],
  F_MARITAL: [[1, 'Married'], [2, 'Living with a partner'], [3, 'Divorced'], [4, 'Separated'], [5, 'Widowed'],
    [6, 'Never been married'], refused],
  F_ATTEND: [[1, 'More than once a week'], [2, 'Once a week'], [3, 'Once or twice a month'], [4, 'A few times a year'],
    [5, 'Seldom'], [6, 'Never'], refused],
} as const satisfies Record<string, ValueLabels>;

export type AtpProfileVariable = keyof typeof atpProfileLabels;

export const variableLabels: Record<AtpProfileVariable, string> = {
  F_AGECAT: 'F_AGECAT. Age category',
  F_SEX: 'F_SEX. Sex',
  F_GENDER: 'F_GENDER. Gender',
  F_EDUCCAT2: 'F_EDUCCAT2. Education level, detailed',
  F_CREGION: 'F_CREGION. Census region',
  F_PARTY_FINAL: 'F_PARTY_FINAL. Party affiliation',
  F_PARTYSUM_FINAL: 'F_PARTYSUM_FINAL. Party summary, including leaners',
  F_IDEO: 'F_IDEO. Political ideology',
  F_INC_SDT1: 'F_INC_SDT1. Family income',
  F_INCOME: 'F_INCOME. Family income',
  F_RACETHNMOD: 'F_RACETHNMOD. Race and ethnicity, modified',
  F_RELIG: 'F_RELIG. Religious affiliation',
  F_CITIZEN: 'F_CITIZEN. U.S. citizen',
  F_MARITAL: 'F_MARITAL. Marital status',
  F_ATTEND: 'F_ATTEND. Religious service attendance',
};

const religionCode: Record<Religion, number> = {
  protestant: 1, catholic: 2, mormon: 3, orthodox: 4, jewish: 5, muslim: 6, buddhist: 7, hindu: 8, atheist: 9,
  agnostic: 10, other: 11, nothing: 12, refused: 99,
};

/** Upper bounds (exclusive) of the income brackets, in code order; the last bracket is open. */
const incSdt1Bounds = [30_000, 40_000, 50_000, 60_000, 70_000, 80_000, 90_000, 100_000];
const incomeBounds = [10_000, 20_000, 30_000, 40_000, 50_000, 75_000, 100_000, 150_000];
const bracket = (bounds: readonly number[], x: number): number => 1 + bounds.filter((b) => x >= b).length;

/** Census region of a census division. */
export const regionOfDivision = (division: number): number => [1, 1, 2, 2, 3, 3, 3, 4, 4][division - 1];

/** The code of `variable` for `p`. */
export function atpProfileCode(p: Person, variable: AtpProfileVariable): number {
  const r = p.refuses;
  switch (variable) {
    case 'F_AGECAT': return r.has('age') ? 99 : p.ageGroup;
    case 'F_SEX': return r.has('gender') || p.gender === 'other' ? 99 : p.gender === 'man' ? 1 : 2;
    case 'F_GENDER': return r.has('gender') ? 99 : p.gender === 'man' ? 1 : p.gender === 'woman' ? 2 : 3;
    case 'F_EDUCCAT2': return r.has('education') ? 99 : p.education;
    case 'F_CREGION': return regionOfDivision(p.division);
    case 'F_PARTY_FINAL':
      if (r.has('party')) return 99;
      return p.partyId <= 1 ? 2 : p.partyId <= 4 ? 3 : p.partyId <= 6 ? 1 : 4;
    case 'F_PARTYSUM_FINAL':
      if (r.has('party') || p.partyId === 3 || p.partyId === 7) return 9;
      return p.partyId <= 2 ? 2 : 1;
    case 'F_IDEO':
      // polviews 1-7 onto Pew's five points: extremes to "Very", the two inner points on each side to the plain label
      return r.has('ideology') ? 99 : [5, 4, 4, 3, 2, 2, 1][p.ideology - 1];
    case 'F_INC_SDT1': return r.has('income') ? 99 : bracket(incSdt1Bounds, p.income);
    case 'F_INCOME': return r.has('income') ? 99 : bracket(incomeBounds, p.income);
    case 'F_RACETHNMOD':
      return r.has('race') ? 99 : { white: 1, black: 2, hispanic: 3, other: 4, asian: 5 }[p.race];
    case 'F_RELIG': return religionCode[p.religion];
    case 'F_CITIZEN': return r.has('citizen') ? 99 : p.citizen ? 1 : 2;
    case 'F_MARITAL': return r.has('marital') ? 99 : p.marital;
    case 'F_ATTEND': return r.has('attendance') ? 99 : p.attendance;
  }
}
