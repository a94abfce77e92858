/**
 * The GSS-layout evaluation survey: a cross-section drawn from the same population and latent model as the
 * ATP panel, in GSS coding (lower-case names, respondent `id`, weight `wtssnrps`, negative codes declared
 * user-missing, split ballots coded inapplicable).
 */
import { gssQuestions, type GssQuestion } from './gss-questions.js';
import { logistic, logit, type ResponseModel } from './latent.js';
import { drawPeople, type Person, type Religion } from './population.js';
import type { Rng } from './random.js';
import type { Dataset, ValueLabels, Variable } from './sav.js';
import { surveyWeights } from './weights.js';


/** GSS missing-data codes, declared user-missing in every variable that can take them. */
export const gssMissing = { inapplicable: -100, noAnswer: -99, dontKnow: -98, skipped: -97 } as const;
const missingLabels: ValueLabels = [[-100, 'inapplicable'], [-99, 'no answer'], [-98, 'do not know/cannot choose'], [-97, 'skipped on web']];
const missingRange = '-100 THRU -97';

const numbered = (labels: string[], first = 1): ValueLabels => labels.map((l, i) => [first + i, l] as const);

const ordinalYears = ['1st grade', '2nd grade', '3rd grade', '4th grade', '5th grade', '6th grade', '7th grade', '8th grade',
  '9th grade', '10th grade', '11th grade', '12th grade', '1 year of college', '2 years of college', '3 years of college',
  '4 years of college', '5 years of college', '6 years of college', '7 years of college', '8 or more years of college'];

export const gssProfileLabels = {
  region: numbered(['new england', 'middle atlantic', 'e. nor. central', 'w. nor. central', 'south atlantic',
    'e. sou. central', 'w. sou. central', 'mountain', 'pacific']),
  educ: [[0, 'no formal schooling'], ...numbered(ordinalYears)],
  sexnow1: numbered(['male', 'female', 'transgender', 'a gender not listed here']),
  polviews: numbered(['extremely liberal', 'liberal', 'slightly liberal', 'moderate, middle of the road',
    'slightly conservative', 'conservative', 'extremely conservative']),
  income16: numbered(['under $1,000', '$1,000 to $2,999', '$3,000 to $3,999', '$4,000 to $4,999', '$5,000 to $5,999',
    '$6,000 to $6,999', '$7,000 to $7,999', '$8,000 to $9,999', '$10,000 to $12,499', '$12,500 to $14,999',
    '$15,000 to $17,499', '$17,500 to $19,999', '$20,000 to $22,499', '$22,500 to $24,999', '$25,000 to $29,999',
    '$30,000 to $34,999', '$35,000 to $39,999', '$40,000 to $49,999', '$50,000 to $59,999', '$60,000 to $74,999',
    '$75,000 to $89,999', '$90,000 to $109,999', '$110,000 to $129,999', '$130,000 to $149,999',
    '$150,000 to $169,999', '$170,000 or over']),
  partyid: numbered(['strong democrat', 'not very strong democrat', 'independent, close to democrat',
    'independent (neither, no response)', 'independent, close to republican', 'not very strong republican',
    'strong republican', 'other party'], 0),
  relig: numbered(['protestant', 'catholic', 'jewish', 'none', 'other', 'buddhism', 'hinduism', 'other eastern religions',
    'muslim/islam', 'orthodox-christian', 'christian', 'native american', 'inter-nondenominational']),
  age: [[89, '89 or older']],
} satisfies Record<string, ValueLabels>;

/** raceacs1 … raceacs16: the race categories a respondent may mark (several at once). */
export const raceacsNames = ['White', 'Black or African American', 'American Indian or Alaska Native', 'Asian Indian',
  'Chinese', 'Filipino', 'Japanese', 'Korean', 'Vietnamese', 'Other Asian', 'Native Hawaiian', 'Guamanian or Chamorro',
  'Samoan', 'Other Pacific Islander', 'Some other race', 'Hispanic'];

const religCode: Record<Religion, number> = {
  protestant: 1, catholic: 2, jewish: 3, atheist: 4, agnostic: 4, nothing: 4, other: 5, mormon: 5, buddhist: 6,
  hindu: 7, muslim: 9, orthodox: 10, refused: gssMissing.noAnswer,
};

/** Lower bounds of income16 brackets 2 … 26, in dollars. */
const income16Bounds = [1000, 3000, 4000, 5000, 6000, 7000, 8000, 10000, 12500, 15000, 17500, 20000, 22500, 25000,
  30000, 35000, 40000, 50000, 60000, 75000, 90000, 110000, 130000, 150000, 170000];
export const income16Code = (income: number): number => 1 + income16Bounds.filter((b) => income >= b).length;


function profileVariables(persons: readonly Person[], rng: Rng): Variable[] {
  const r = (p: Person, item: Parameters<Person['refuses']['has']>[0]): boolean => p.refuses.has(item);
  const coin = rng.fork('profile-missing');
  const missingCode = () => (coin.bernoulli(0.5) ? gssMissing.dontKnow : gssMissing.noAnswer);
  // Variables that can hold the negative missing codes need four columns to print them.
  const v = (name: string, label: string, valueLabels: ValueLabels, values: (number | null)[], missing = true): Variable => ({
    name, label: `${name}. ${label}`, format: missing ? 'F4.0' : 'F1.0',
    valueLabels: missing ? [...missingLabels, ...valueLabels] : valueLabels,
    missing: missing ? missingRange : undefined, values,
  });
  const L = gssProfileLabels;
  return [
    v('age', "Respondent's age", L.age, persons.map((p) => (r(p, 'age') ? gssMissing.noAnswer : Math.min(89, p.age)))),
    v('sexnow1', 'Do you describe yourself as male, female, or transgender?', L.sexnow1,
      persons.map((p) => (r(p, 'gender') ? gssMissing.noAnswer : { man: 1, woman: 2, other: 4 }[p.gender]))),
    v('educ', 'Highest year of school completed', L.educ, persons.map((p) => (r(p, 'education') ? gssMissing.noAnswer : p.educationYears))),
    v('region', 'Region of interview', L.region, persons.map((p) => p.division), false),
    ...raceacsNames.map((race, k) =>
      v(`raceacs${k + 1}`, `What is your race? ${race}`, [[1, 'yes'], [2, 'no']],
        persons.map((p) => (r(p, 'race') ? gssMissing.noAnswer : p.raceFlags.includes(k + 1) ? 1 : 2)))),
    v('relig', 'What is your religious preference?', L.relig, persons.map((p) => religCode[p.religion])),
    v('partyid', 'Generally speaking, do you usually think of yourself as a Republican, Democrat, Independent, or what?', L.partyid,
      persons.map((p) => (r(p, 'party') ? gssMissing.dontKnow : p.partyId))),
    v('polviews', 'Where would you place yourself on this scale, from extremely liberal to extremely conservative?', L.polviews,
      persons.map((p) => (r(p, 'ideology') ? gssMissing.dontKnow : p.ideology))),
    v('income16', 'In which of these groups did your total family income, from all sources, fall last year?', L.income16,
      persons.map((p) => (r(p, 'income') ? missingCode() : income16Code(p.income)))),
  ];
}

function answer(q: GssQuestion, p: Person, ballot: number, works: boolean, item: ReturnType<ResponseModel['calibrated']>, rng: Rng): number {
  if (!q.ballots.includes(ballot) || (q.workersOnly && !works)) return gssMissing.inapplicable;
  if (q.refusal && rng.bernoulli(logistic(logit(0.03) + p.refusalPropensity + 0.5 * p.latent.P))) return q.refusal.code;
  if (rng.bernoulli(logistic(logit(0.004) + p.refusalPropensity))) return gssMissing.noAnswer;
  if (rng.bernoulli(0.006)) return gssMissing.skipped;
  if (rng.bernoulli(logistic(logit(q.dontKnow) + 0.5 * p.refusalPropensity))) return gssMissing.dontKnow;
  return q.codes[item.draw(p.latent, rng)];
}

export function gssSurvey(size: number, model: ResponseModel, rng: Rng): Dataset {
  const persons = drawPeople(rng.fork('people'), size, 'oversample', model);
  const design = rng.fork('design');
  const ballots = persons.map(() => design.int(1, 3));
  const works = persons.map((p) => design.bernoulli(p.ageGroup === 4 ? 0.2 : 0.72));
  const vars: Variable[] = [
    { name: 'year', label: 'year. GSS year for this respondent', format: 'F4.0', values: persons.map(() => 2022) },
    { name: 'id', label: 'id. Respondent id number', format: 'F4.0', values: persons.map((_, i) => i + 1) },
    { name: 'ballot', label: 'ballot. Ballot used for interview', format: 'F1.0', valueLabels: numbered(['ballot a', 'ballot b', 'ballot c']), values: ballots },
  ];
  for (const q of gssQuestions) {
    const item = model.calibrated(q);
    const draw = rng.fork(`gss/${q.name}`);
    const labels: ValueLabels = [...missingLabels, ...q.options.map((o, i) => [q.codes[i], o] as const), ...(q.refusal ? [[q.refusal.code, q.refusal.label] as const] : [])];
    vars.push({
      name: q.name, label: `${q.name}. ${q.text}`, format: 'F4.0', valueLabels: labels, missing: missingRange,
      values: persons.map((p, i) => answer(q, p, ballots[i], works[i], item, draw)),
    });
  }
  vars.push(...profileVariables(persons, rng));
  // wtssnrps is wtssps with a further nonresponse adjustment, as in the GSS.
  const wtssps = surveyWeights(persons.map((p) => p.designWeight), rng.fork('wtssps'));
  vars.push({ name: 'wtssps', label: 'wtssps. Post-stratification weight', format: 'F10.6', values: wtssps });
  vars.push({ name: 'wtssnrps', label: 'wtssnrps. Post-stratification weight with nonresponse adjustment', format: 'F10.6',
    values: surveyWeights(wtssps, rng.fork('wtssnrps'), { spread: 0.15 }) });
  return { label: 'Synthetic GSS 2022 layout (demo data)', variables: vars };
}
