/**
 * Synthetic people: demographics drawn from a rough picture of U.S. adults, the latent attitudes they imply
 * (latent.ts), and the profile answers (party, ideology, attendance) that follow from those attitudes. Small
 * religious groups are oversampled in the sampling frame and weighted back by `designWeight`, the way Pew
 * oversamples small groups, so that every SubPOP subpopulation has enough respondents.
 */
import { logistic, logit, ResponseModel, type Latent, type OrderedItem } from './latent.js';
import type { Rng } from './random.js';

export const religions = ['protestant', 'catholic', 'mormon', 'orthodox', 'jewish', 'muslim', 'buddhist', 'hindu',
  'atheist', 'agnostic', 'other', 'nothing', 'refused'] as const;
export type Religion = (typeof religions)[number];
export type Race = 'white' | 'black' | 'hispanic' | 'asian' | 'other';
export type Gender = 'man' | 'woman' | 'other';
export type Community = 'urban' | 'suburban' | 'rural';

/** Share of each religion among adults, and in the oversampling frame. */
const religionShares: Record<Religion, Record<Frame, number>> = {
  protestant: { population: 0.4, oversample: 0.37 },
  catholic: { population: 0.2, oversample: 0.185 },
  mormon: { population: 0.015, oversample: 0.015 },
  orthodox: { population: 0.005, oversample: 0.005 },
  jewish: { population: 0.02, oversample: 0.035 },
  muslim: { population: 0.008, oversample: 0.03 },
  buddhist: { population: 0.008, oversample: 0.01 },
  hindu: { population: 0.007, oversample: 0.03 },
  atheist: { population: 0.045, oversample: 0.045 },
  agnostic: { population: 0.05, oversample: 0.048 },
  other: { population: 0.02, oversample: 0.02 },
  nothing: { population: 0.21, oversample: 0.195 },
  refused: { population: 0.012, oversample: 0.012 },
};

/** Race/ethnicity given religion: white, black, hispanic, asian, other (non-Hispanic unless hispanic). */
const raceByReligion: Record<Religion, [number, number, number, number, number]> = {
  protestant: [0.62, 0.2, 0.12, 0.02, 0.04],
  catholic: [0.55, 0.04, 0.36, 0.03, 0.02],
  mormon: [0.85, 0.01, 0.08, 0.01, 0.05],
  orthodox: [0.8, 0.05, 0.05, 0.05, 0.05],
  jewish: [0.9, 0.02, 0.04, 0.01, 0.03],
  muslim: [0.3, 0.28, 0.08, 0.28, 0.06],
  buddhist: [0.4, 0.03, 0.07, 0.45, 0.05],
  hindu: [0.05, 0.01, 0.02, 0.9, 0.02],
  atheist: [0.75, 0.05, 0.1, 0.07, 0.03],
  agnostic: [0.75, 0.04, 0.11, 0.06, 0.04],
  other: [0.6, 0.12, 0.15, 0.05, 0.08],
  nothing: [0.58, 0.12, 0.2, 0.06, 0.04],
  refused: [0.6, 0.12, 0.15, 0.06, 0.07],
};
const races: readonly Race[] = ['white', 'black', 'hispanic', 'asian', 'other'];

/** Census divisions 1-9 (New England … Pacific): adult shares, and multipliers by race. */
const divisionShares = [0.046, 0.126, 0.143, 0.064, 0.205, 0.058, 0.124, 0.075, 0.159];
const divisionByRace: Record<Race, number[]> = {
  white: [1.1, 0.95, 1.1, 1.3, 0.95, 1.1, 0.85, 1.1, 0.75],
  black: [0.6, 1.0, 0.9, 0.5, 1.9, 1.6, 1.1, 0.3, 0.4],
  hispanic: [0.5, 0.9, 0.5, 0.4, 0.9, 0.2, 1.9, 1.7, 1.8],
  asian: [0.8, 1.3, 0.6, 0.5, 0.7, 0.3, 0.8, 0.6, 2.8],
  other: [1, 1, 1, 1, 1, 1, 1, 1.3, 1.5],
};

/** Urban, suburban, rural: adult shares, multipliers by race, and by census division. */
const communityShares = [0.3, 0.5, 0.2];
const communityByRace: Record<Race, number[]> = {
  white: [0.8, 1, 1.25], black: [1.5, 0.9, 0.6], hispanic: [1.4, 1, 0.5], asian: [1.6, 1, 0.3], other: [1, 1, 1],
};
const communityByDivision = [[1.2, 1, 0.9], [1.3, 1, 0.7], [1, 1, 1], [0.8, 0.9, 1.6], [0.9, 1.05, 1],
  [0.7, 0.9, 1.7], [1, 1, 1.1], [0.9, 1, 1.5], [1.25, 1, 0.6]];
const communities: readonly Community[] = ['urban', 'suburban', 'rural'];

/** Age groups 18-29, 30-49, 50-64, 65+: shares, and multipliers by race. */
const ageGroupShares = [0.2, 0.33, 0.25, 0.22];
const ageGroupByRace: Record<Race, number[]> = {
  white: [0.85, 0.9, 1.05, 1.2],
  black: [1.1, 1.05, 1, 0.85],
  hispanic: [1.4, 1.2, 0.8, 0.6],
  asian: [1.4, 1.2, 0.8, 0.6],
  other: [1.3, 1.1, 0.9, 0.7],
};

/** F_EDUCCAT2 categories 1-6 (less than high school … postgraduate). */
const educationShares = [0.09, 0.28, 0.2, 0.1, 0.2, 0.13];
const educationTilt = {
  race: { white: 0.1, black: -0.15, hispanic: -0.4, asian: 0.45, other: 0 } as Record<Race, number>,
  religion: { jewish: 0.5, hindu: 0.7, atheist: 0.35, agnostic: 0.35, buddhist: 0.2, mormon: 0.1 } as Partial<Record<Religion, number>>,
  ageGroup: [0, 0.05, 0, -0.2],
};
/** Mean log household income by education category, and shifts by age group and race. */
const logIncomeByEducation = [10.2, 10.7, 10.9, 11.05, 11.4, 11.65];
const logIncomeByAgeGroup = [-0.35, 0.05, 0.05, -0.25];
const logIncomeByRace: Record<Race, number> = { white: 0.05, black: -0.25, hispanic: -0.15, asian: 0.1, other: -0.05 };

const partisanBy = {
  race: { white: 0.3, black: -1.1, hispanic: -0.35, asian: -0.45, other: -0.15 } as Record<Race, number>,
  religion: { protestant: 0.35, catholic: 0.1, mormon: 0.8, orthodox: 0.2, jewish: -0.55, muslim: -0.6,
    buddhist: -0.6, hindu: -0.35, atheist: -1.0, agnostic: -0.85, other: -0.3, nothing: -0.35, refused: 0 } as Record<Religion, number>,
  division: [-0.2, -0.15, 0, 0.15, 0.15, 0.35, 0.25, 0.15, -0.3],
  education: [0, 0.1, 0.05, 0.05, -0.15, -0.4],
  ageGroup: [-0.3, -0.05, 0.1, 0.2],
  gender: { man: 0.12, woman: -0.12, other: -0.6 } as Record<Gender, number>,
};
const religiosityBy = {
  religion: { protestant: 0.6, catholic: 0.3, mormon: 1.2, orthodox: 0.4, jewish: -0.1, muslim: 0.9, buddhist: -0.2,
    hindu: 0.35, atheist: -1.6, agnostic: -1.3, other: 0.2, nothing: -0.75, refused: 0 } as Record<Religion, number>,
  ageGroup: [-0.2, 0, 0.1, 0.25],
  race: { white: 0, black: 0.4, hispanic: 0.1, asian: 0, other: 0 } as Record<Race, number>,
  gender: { man: -0.08, woman: 0.08, other: -0.2 } as Record<Gender, number>,
  south: 0.2,
};
/** Gun culture: rural life, men, white and Southern respondents, beyond what party explains. */
const gunCultureBy = {
  partisan: 0.45,
  community: { urban: -0.35, suburban: 0, rural: 0.8 } as Record<Community, number>,
  gender: { man: 0.35, woman: -0.3, other: -0.3 } as Record<Gender, number>,
  race: { white: 0.25, black: -0.1, hispanic: -0.2, asian: -0.35, other: 0 } as Record<Race, number>,
  south: 0.15,
};
const trustBy = {
  race: { white: 0.1, black: -0.45, hispanic: -0.25, asian: 0, other: -0.15 } as Record<Race, number>,
  education: [-0.2, -0.1, 0, 0, 0.15, 0.3],
};

/** Profile answers driven by the latent attitudes, calibrated to these adult shares. */
export const partyIdItem: OrderedItem = {
  // 0 strong Democrat … 6 strong Republican (GSS partyid order)
  options: ['strong democrat', 'not very strong democrat', 'independent, close to democrat', 'independent',
    'independent, close to republican', 'not very strong republican', 'strong republican'],
  shares: [0.16, 0.13, 0.12, 0.15, 0.12, 0.13, 0.16],
  load: { P: 2.6 },
};
export const ideologyItem: OrderedItem = {
  // 1 extremely liberal … 7 extremely conservative (GSS polviews order)
  options: ['extremely liberal', 'liberal', 'slightly liberal', 'moderate', 'slightly conservative', 'conservative',
    'extremely conservative'],
  shares: [0.05, 0.13, 0.11, 0.35, 0.13, 0.17, 0.06],
  load: { P: 2.2, R: 0.3 },
};
export const attendanceItem: OrderedItem = {
  // F_ATTEND 1 more than once a week … 6 never
  options: ['More than once a week', 'Once a week', 'Once or twice a month', 'A few times a year', 'Seldom', 'Never'],
  shares: [0.07, 0.17, 0.1, 0.15, 0.21, 0.3],
  load: { R: -2.4 },
};

/** Marital status (F_MARITAL 1-6) by age group. */
const maritalByAgeGroup = [
  [0.18, 0.14, 0.02, 0.01, 0.0, 0.65],
  [0.55, 0.1, 0.09, 0.03, 0.01, 0.22],
  [0.58, 0.06, 0.16, 0.03, 0.05, 0.12],
  [0.55, 0.03, 0.15, 0.02, 0.22, 0.03],
];

/** GSS raceacs flags: 1 White, 2 Black, 3 American Indian, 4-10 Asian origins, 11-14 Pacific Islander,
 * 15 some other race, 16 Hispanic. */
const asianOrigins = [0.2, 0.24, 0.18, 0.06, 0.09, 0.1, 0.13]; // raceacs4 … raceacs10
const hispanicRaceFlags: [number[], number][] = [[[1], 0.55], [[15], 0.35], [[2], 0.05], [[3], 0.05]];
const otherRaceFlags: [number[], number][] = [[[1, 2], 0.3], [[1, 3], 0.3], [[3], 0.15], [[1, 5], 0.1], [[11], 0.05], [[15], 0.1]];

/** Profile questions a person may decline, with the base refusal rate of each. */
export const profileRefusalRates = {
  age: 0.004, gender: 0.003, education: 0.003, race: 0.006, party: 0.015, ideology: 0.015, income: 0.04,
  marital: 0.008, citizen: 0.005, attendance: 0.01,
} as const;
export type ProfileItem = keyof typeof profileRefusalRates;

export interface Person {
  /** Census division 1-9. */
  readonly division: number;
  readonly community: Community;
  readonly age: number;
  /** 1-4: 18-29, 30-49, 50-64, 65+. */
  readonly ageGroup: number;
  readonly gender: Gender;
  readonly race: Race;
  /** GSS raceacs flags that are "yes". */
  readonly raceFlags: readonly number[];
  readonly religion: Religion;
  /** F_EDUCCAT2 1-6. */
  readonly education: number;
  readonly educationYears: number;
  /** Household income in dollars. */
  readonly income: number;
  readonly latent: Latent;
  /** 0-6 strong Democrat … strong Republican, 7 other party. */
  readonly partyId: number;
  /** 1-7 extremely liberal … extremely conservative. */
  readonly ideology: number;
  /** F_ATTEND 1-6. */
  readonly attendance: number;
  /** F_MARITAL 1-6. */
  readonly marital: number;
  readonly citizen: boolean;
  /** Inverse of the frame's oversampling of this person's religion. */
  readonly designWeight: number;
  /** Log-odds shift of this person's tendency to refuse questions. */
  readonly refusalPropensity: number;
  readonly refuses: ReadonlySet<ProfileItem>;
}

export type Frame = 'population' | 'oversample';

const isSouth = (division: number): boolean => division >= 5 && division <= 7;

type Demographics = Omit<Person, 'partyId' | 'ideology' | 'attendance'>;

function drawDemographics(rng: Rng, frame: Frame): Demographics {
  const religion = rng.pick(Object.fromEntries(religions.map((r) => [r, religionShares[r][frame]])) as Record<Religion, number>);
  const designWeight = religionShares[religion].population / religionShares[religion][frame];
  const race = races[rng.categorical(raceByReligion[religion])];
  const division = 1 + rng.categorical(divisionShares.map((s, i) => s * divisionByRace[race][i]));
  const community = communities[rng.categorical(communityShares.map((s, i) => s * communityByRace[race][i] * communityByDivision[division - 1][i]))];
  const ageGroup = 1 + rng.categorical(ageGroupShares.map((s, i) => s * ageGroupByRace[race][i]));
  const age = ageGroup === 1 ? rng.int(18, 29) : ageGroup === 2 ? rng.int(30, 49) : ageGroup === 3 ? rng.int(50, 64)
    : 65 + Math.floor(25 * rng.uniform() ** 1.6);
  const gender: Gender = rng.pick({ woman: 0.515, man: 0.477, other: 0.008 });

  const tilt = educationTilt.race[race] + (educationTilt.religion[religion] ?? 0) + educationTilt.ageGroup[ageGroup - 1];
  const education = 1 + rng.categorical(educationShares.map((s, k) => s * Math.exp((tilt * (k - 2.5)) / 1.7)));
  const educationYears = [rng.int(6, 11), 12, rng.int(13, 15), 14, 16, rng.int(17, 20)][education - 1];
  const logIncome = rng.normal(logIncomeByEducation[education - 1] + logIncomeByAgeGroup[ageGroup - 1] + logIncomeByRace[race], 0.7);
  const income = Math.round(Math.min(2_000_000, Math.max(500, Math.exp(logIncome))));

  let raceFlags: number[];
  if (race === 'white') raceFlags = [1];
  else if (race === 'black') raceFlags = [2];
  else if (race === 'asian') raceFlags = [religion === 'hindu' ? 4 : 4 + rng.categorical(asianOrigins)];
  else {
    const table = race === 'hispanic' ? hispanicRaceFlags : otherRaceFlags;
    raceFlags = [...table[rng.categorical(table.map(([, p]) => p))][0]];
    if (race === 'hispanic') raceFlags.push(16);
  }

  const south = isSouth(division) ? 1 : 0;
  const P = partisanBy.race[race] + partisanBy.religion[religion] + partisanBy.division[division - 1] +
    partisanBy.education[education - 1] + partisanBy.ageGroup[ageGroup - 1] + partisanBy.gender[gender] + rng.normal(0, 0.75);
  const R = religiosityBy.religion[religion] + religiosityBy.ageGroup[ageGroup - 1] + religiosityBy.race[race] +
    religiosityBy.gender[gender] + religiosityBy.south * south + rng.normal(0, 0.6);
  const E = (Math.log(income) - 10.9) / 0.8 + 0.15 * (education - 3) + rng.normal(0, 0.45);
  const A = (age - 48) / 17 + rng.normal(0, 0.45);
  const T = 0.3 * E + 0.15 * A + trustBy.race[race] + trustBy.education[education - 1] + rng.normal(0, 0.8);
  const C = (gender === 'woman' ? 0.55 : gender === 'man' ? -0.55 : 0) + 0.15 * A + rng.normal(0, 0.8);
  const G = gunCultureBy.partisan * P + gunCultureBy.community[community] + gunCultureBy.gender[gender] +
    gunCultureBy.race[race] + gunCultureBy.south * south + rng.normal(0, 0.7);
  const L = 0.3 * (education - 3.5) - 0.3 * A - 0.3 * R + (community === 'urban' ? 0.2 : 0) + rng.normal(0, 0.7);

  const marital = 1 + rng.categorical(maritalByAgeGroup[ageGroup - 1]);
  const citizen = rng.bernoulli(race === 'hispanic' ? 0.82 : race === 'asian' ? 0.78 : 0.97);
  const refusalPropensity = rng.normal(0, 0.6) + (ageGroup === 4 ? 0.4 : 0) + (education === 1 ? 0.5 : 0) +
    (race === 'black' || race === 'hispanic' ? 0.3 : 0) - (education >= 5 ? 0.2 : 0) + (religion === 'refused' ? 1 : 0);
  const refuses = new Set<ProfileItem>();
  for (const [item, rate] of Object.entries(profileRefusalRates) as [ProfileItem, number][]) {
    if (rng.bernoulli(logistic(logit(rate) + refusalPropensity))) refuses.add(item);
  }
  return {
    division, community, age, ageGroup, gender, race, raceFlags, religion, education, educationYears, income,
    latent: { P, R, E, A, T, C, G, L }, marital, citizen, designWeight, refusalPropensity, refuses,
  };
}

/** Draws `n` people. The profile answers use cut points calibrated on `model`'s reference population. */
export function drawPeople(rng: Rng, n: number, frame: Frame, model: ResponseModel): Person[] {
  const party = model.calibrated(partyIdItem);
  const ideology = model.calibrated(ideologyItem);
  const attendance = model.calibrated(attendanceItem);
  return Array.from({ length: n }, () => drawDemographics(rng, frame)).map((d) => ({
    ...d,
    partyId: rng.bernoulli(0.03) ? 7 : party.draw(d.latent, rng),
    ideology: 1 + ideology.draw(d.latent, rng),
    attendance: 1 + attendance.draw(d.latent, rng),
  }));
}

/** The reference population every item is calibrated on: adults as they are, without oversampling. */
export function referenceModel(rng: Rng, n: number): ResponseModel {
  const people = Array.from({ length: n }, () => drawDemographics(rng, 'population'));
  return new ResponseModel(people.map((p) => p.latent), people.map(() => 1));
}
