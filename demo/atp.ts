/**
 * The synthetic ATP panel and its waves in Pew's layout: a standing panel of people, each wave answered by a
 * subset of them, with form splits, refusals (code 99, the last value label, not declared missing), Pew's
 * profile variables, an interview timestamp, the wave weight and, in some waves, a special weight that
 * analyses must not use.
 */
import { atpQuestionBank, type AtpQuestion } from './atp-questions.js';
import { atpProfileCode, atpProfileLabels, variableLabels, type AtpProfileVariable } from './atp-profile.js';
import { logistic, logit, type ResponseModel } from './latent.js';
import { drawPeople, type Person } from './population.js';
import type { Rng } from './random.js';
import type { Dataset, Variable } from './sav.js';
import { surveyWeights } from './weights.js';

export interface WaveSpec {
  readonly n: number;
  /** First day of fieldwork (UTC), `YYYY-MM-DD`. */
  readonly fieldStart: string;
  readonly sex: 'F_SEX' | 'F_GENDER';
  readonly income: 'F_INCOME' | 'F_INC_SDT1';
  /** Question stems in questionnaire order; a `/F1` or `/F2` suffix asks the stem of that form only. */
  readonly ask: readonly string[];
  /** `m` of a special weight `WEIGHT_W{n}_W{m}` for the respondents of both waves. */
  readonly specialWeight?: number;
}

export const demoWaves: readonly WaveSpec[] = [
  { n: 901, fieldStart: '2024-01-08', sex: 'F_SEX', income: 'F_INCOME', ask: ['SATIS', 'ECON1', 'POL1JB', 'GOVSIZE1',
    'TRSTFED', 'FEDFAV', 'GOVWASTE', 'GOVREG', 'ECONFAIR', 'DEMSAT', 'HCGOV/F1', 'MINWAGE/F2', 'GOVAIDPOOR', 'GOVDEBT/F1',
    'INEQUAL/F2', 'POORBLAME', 'FEDSPEND', 'ECONPOL', 'KIDSFUT', 'FIN_SIT', 'FINCOMF', 'HEALTH'] },
  { n: 902, fieldStart: '2024-03-04', sex: 'F_SEX', income: 'F_INCOME', ask: ['SATIS', 'RELIMP', 'PRAY', 'GOD', 'HEAVEN',
    'HELL', 'SCRIPT', 'PEACE', 'RELINFL', 'CHURCHPOL', 'RELGOV', 'EVOLVE', 'ABORTLEGAL', 'ABMORAL/F1', 'ABLAW/F2', 'ABSIT',
    'SSMARR', 'HOMOACC/F1', 'MARRFUT/F2', 'MARIJLEG', 'LEGAL', 'FEM', 'WOMENPROG', 'FAMLEAVE', 'LIFEHAPPY', 'LONELY'] },
  { n: 903, fieldStart: '2024-05-13', sex: 'F_SEX', income: 'F_INCOME', specialWeight: 901, ask: ['SATIS', 'ECON1',
    'SPENDPRI', 'ENVECON/F1', 'SCIPOL/F2', 'CLIMHUMAN', 'CLIMLOCAL', 'SPACELEAD', 'NASAMARS', 'GMOFOOD', 'SCIEFFECT', 'PROB',
    'TECHCOMP', 'AICONCERN', 'BIGTECHREG', 'SMUSE', 'TECHIMP', 'VAXKIDS'] },
  { n: 904, fieldStart: '2024-07-22', sex: 'F_SEX', income: 'F_INC_SDT1', ask: ['SATIS', 'ECON1B', 'POL1JB', 'GUNOWN',
    'GUNSTRICT', 'GUNPOL', 'GUNHUNT', 'GUNFIRED', 'GUNCRIME', 'GUNGROW', 'GUNFREE', 'POLICY', 'DEATHPEN', 'CRIMESAFE', 'CRIMECHG',
    'POLICEJOB', 'POLICESPEND', 'RACEATTN', 'RACEPROG/F1', 'EQUALRIGHTS/F2', 'RACEREL', 'BLM', 'DIVERSE', 'IMMCULT', 'IMMLEV',
    'IMMJOBS'] },
  { n: 905, fieldStart: '2024-09-16', sex: 'F_GENDER', income: 'F_INC_SDT1', ask: ['SATIS', 'POL1JB', 'CONF', 'CONFINST',
    'INSTN', 'TRUSTNEIGH', 'TRUSTMEET', 'TRUSTDECL', 'PPLTRUST', 'NEWSTRUST', 'LOCALNEWS', 'NEWSBIAS/F1', 'SOCNEWS/F2',
    'NEWSFOLLOW'] },
  { n: 906, fieldStart: '2024-11-18', sex: 'F_GENDER', income: 'F_INC_SDT1', specialWeight: 904, ask: ['SATIS', 'ECON1',
    'ECON1B', 'WORLDACT', 'UNFAV', 'UKRAID', 'MILSUPER', 'TRADE', 'PEACESTR', 'SPEECH/F1', 'OFFRELIG/F2', 'SPEAKERS',
    'OFFENDED', 'FALSEINFO', 'ABORTLEGAL', 'HOMOACC', 'CLIMHUMAN/F1', 'ENVECON/F1', 'TRSTFED/F2', 'RACEATTN/F2', 'DEATHPEN',
    'GOVSIZE1', 'HEALTH', 'HCQUAL', 'FAMHAPPY', 'WORRYBILL', 'RETIRECONF', 'FINFUT', 'EMERGENCY', 'DRUGLOCAL', 'HCSYS',
    'K12RATE', 'HIGHERED', 'COLLCOST'] },
];

export interface PanelMember {
  readonly qkey: number;
  readonly person: Person;
  /** Log-odds shift of this member's willingness to take part in a wave. */
  readonly loyalty: number;
}

export function drawPanel(rng: Rng, size: number, model: ResponseModel): PanelMember[] {
  const people = drawPeople(rng.fork('people'), size, 'oversample', model);
  const loyalty = rng.fork('loyalty');
  return people.map((person, i) => ({ qkey: 100001 + i, person, loyalty: loyalty.normal(0, 0.6) }));
}


/** Probability that a member answers a wave: graduates and older members answer more often. */
export function responseProbability(m: PanelMember): number {
  const p = m.person;
  return logistic(0.55 + 0.5 * (p.education >= 5 ? 1 : 0) + 0.35 * (p.ageGroup >= 3 ? 1 : 0) - 0.3 * (p.ageGroup === 1 ? 1 : 0) + m.loyalty);
}

/** Members who answered wave `n`, in QKEY order. */
export function waveRespondents(panel: readonly PanelMember[], n: number, rng: Rng): PanelMember[] {
  const draw = rng.fork(`W${n}/participation`);
  return panel.filter((m) => draw.bernoulli(responseProbability(m)));
}

/** Seconds from the SPSS epoch (1582-10-14 00:00:00) to the Unix epoch. */
export const spssEpochOffset = 12_219_379_200;

function questionsOf(spec: WaveSpec): { q: AtpQuestion; form?: number }[] {
  return spec.ask.flatMap((entry) => {
    const [stem, formTag] = entry.split('/');
    const qs = atpQuestionBank.get(stem);
    if (!qs) throw new Error(`wave W${spec.n}: unknown question stem ${stem}`);
    const form = formTag === undefined ? undefined : Number(formTag.slice(1));
    return qs.map((q) => ({ q, form }));
  });
}

/** Base refusal rate of a question before the person's and the question's shifts. */
const baseRefusal = 0.02;

export function atpWave(spec: WaveSpec, panel: readonly PanelMember[], model: ResponseModel, rng: Rng): Dataset {
  const n = spec.n;
  const people = waveRespondents(panel, n, rng);
  const persons = people.map((m) => m.person);
  const vars: Variable[] = [];

  vars.push({ name: 'QKEY', label: 'QKEY. Unique respondent identifier', format: 'F10.0', values: people.map((m) => m.qkey) });
  const clock = rng.fork(`W${n}/interview`);
  const start = Date.parse(`${spec.fieldStart}T13:00:00Z`) / 1000 + spssEpochOffset;
  vars.push({
    name: `INTERVIEW_START_W${n}`, label: `INTERVIEW_START_W${n}. Interview start time`, format: 'DATETIME20',
    values: people.map(() => start + Math.floor(9 * 86_400 * clock.uniform() ** 2)),
  });
  const formDraw = rng.fork(`W${n}/form`);
  const forms = people.map(() => 1 + formDraw.int(0, 1));
  vars.push({ name: `FORM_W${n}`, label: `FORM_W${n}. Form assignment`, format: 'F1.0', valueLabels: [[1, 'Form 1'], [2, 'Form 2']], values: forms });

  for (const { q, form } of questionsOf(spec)) {
    const item = model.calibrated(q);
    const draw = rng.fork(`W${n}/${q.name}`);
    vars.push({
      name: `${q.name}_W${n}`,
      label: `${q.name}. ${q.text}`,
      format: 'F2.0',
      valueLabels: [...q.options.map((o, i) => [i + 1, o] as const), [99, 'Refused']],
      values: persons.map((p, i) => {
        if (form !== undefined && forms[i] !== form) return null;
        if (draw.bernoulli(logistic(logit(baseRefusal) + p.refusalPropensity + q.sensitivity))) return 99;
        return 1 + item.draw(p.latent, draw);
      }),
    });
  }

  const profile: AtpProfileVariable[] = ['F_AGECAT', spec.sex, 'F_EDUCCAT2', 'F_CREGION', 'F_PARTY_FINAL',
    'F_PARTYSUM_FINAL', 'F_IDEO', spec.income, 'F_RACETHNMOD', 'F_RELIG', 'F_CITIZEN', 'F_MARITAL', 'F_ATTEND'];
  for (const name of profile) {
    vars.push({ name, label: variableLabels[name], format: 'F2.0', valueLabels: atpProfileLabels[name], values: persons.map((p) => atpProfileCode(p, name)) });
  }

  if (spec.specialWeight !== undefined) {
    const m = spec.specialWeight;
    const alsoIn = new Set(waveRespondents(panel, m, rng).map((x) => x.qkey));
    const both = people.filter((x) => alsoIn.has(x.qkey));
    const w = surveyWeights(both.map((x) => x.person.designWeight / (responseProbability(x) ** 2)), rng.fork(`W${n}/weight-W${m}`));
    const byKey = new Map(both.map((x, i) => [x.qkey, w[i]]));
    vars.push({
      name: `WEIGHT_W${n}_W${m}`, label: `WEIGHT_W${n}_W${m}. Weight for respondents of both W${m} and W${n}`, format: 'F10.6',
      values: people.map((x) => byKey.get(x.qkey) ?? null),
    });
  }
  vars.push({
    name: `WEIGHT_W${n}`, label: `WEIGHT_W${n}. Wave ${n} weight`, format: 'F10.6',
    values: surveyWeights(people.map((x) => x.person.designWeight / responseProbability(x)), rng.fork(`W${n}/weight`)),
  });
  return { label: `Synthetic ATP wave ${n} (demo data)`, variables: vars };
}
