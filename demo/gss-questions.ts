/**
 * Questions of the GSS-layout demo survey: 36 of the GSS 2022 items SubPOP-Eval scores, under their GSS names,
 * with GSS wording and lower-case value labels. Their topics (topics.ts) and latent dimensions (latent.ts) are
 * the ATP bank's, but none of them is asked in the ATP waves: what a model learns there can carry over only
 * through shared attitudes and vocabulary. The prompt wording, capitalised options and ordinals SubPOP-Eval
 * uses for them are in gss/ordinals.yaml. Codes follow the GSS where they depart from 1..k (attend starts at
 * 0, colath uses 4 and 5).
 */
import type { Loadings, OrderedItem } from './latent.js';
import type { TopicId } from './topics.js';

export interface GssQuestion extends OrderedItem {
  readonly name: string;
  readonly topic: TopicId;
  /** GSS questionnaire wording, for the variable label `{name}. {text}`. */
  readonly text: string;
  /** Code of each option, in option order. */
  readonly codes: readonly number[];
  /** Ballots (1-3) the question is asked on; respondents of other ballots are coded inapplicable. */
  readonly ballots: readonly number[];
  /** Share answering "do not know/cannot choose" at an average refusal propensity. */
  readonly dontKnow: number;
  /** An answer option kept as the last value label that records a refusal (owngun). */
  readonly refusal?: { readonly code: number; readonly label: string };
  /** Asked only of respondents who work (satjob). */
  readonly workersOnly?: boolean;
}

type Extra = Partial<Pick<GssQuestion, 'rank' | 'codes' | 'refusal' | 'workersOnly'>> & { ballots?: number[]; dontKnow?: number };

function q(name: string, topic: TopicId, text: string, options: string[], shares: number[], load: Loadings, extra: Extra = {}): GssQuestion {
  return {
    name, topic, text, options, shares, load,
    codes: extra.codes ?? options.map((_, i) => i + 1),
    ballots: extra.ballots ?? [1, 2, 3],
    dontKnow: extra.dontKnow ?? 0.01,
    rank: extra.rank, refusal: extra.refusal, workersOnly: extra.workersOnly,
  };
}

const nat = (name: string, topic: TopicId, problem: string, shares: number[], load: Loadings): GssQuestion =>
  q(name, topic, `We are faced with many problems in this country, none of which can be solved easily or inexpensively. Are we spending too much money, too little money, or about the right amount on ${problem}?`,
    ['too little', 'about right', 'too much'], shares, load, { ballots: [1, 2], dontKnow: 0.03 });

const confidence = (name: string, topic: TopicId, institution: string, shares: number[], load: Loadings): GssQuestion =>
  q(name, topic, `As far as the people running ${institution} are concerned, would you say you have a great deal of confidence, only some confidence, or hardly any confidence at all in them?`,
    ['a great deal', 'only some', 'hardly any'], shares, load, { ballots: [2, 3], dontKnow: 0.03 });


export const gssQuestions: readonly GssQuestion[] = [
  nat('natenvir', 'environment', 'improving and protecting the environment', [0.63, 0.27, 0.1], { P: 1.3 }),
  nat('natheal', 'health', "improving and protecting the nation's health", [0.66, 0.26, 0.08], { P: 1.0, E: 0.3 }),
  nat('natdrug', 'drugs', 'dealing with drug addiction', [0.58, 0.32, 0.1], { P: 0.2, A: -0.3, E: 0.3 }),
  nat('natspac', 'science', 'the space exploration program', [0.22, 0.48, 0.3], { P: -0.2, E: -0.5, C: 0.4 }),
  nat('natrace', 'race', 'improving the conditions of Blacks', [0.48, 0.32, 0.2], { P: 1.5 }),
  nat('natarms', 'military', 'the military, armaments and defense', [0.28, 0.38, 0.34], { P: -1.2 }),
  nat('natsoc', 'retirement', 'Social Security', [0.6, 0.33, 0.07], { P: 0.5, E: 0.4, A: 0.3 }),
  nat('natroad', 'infrastructure', 'highways and bridges', [0.55, 0.38, 0.07], { P: 0.2, A: 0.2 }),
  nat('nateduc', 'education', "improving the nation's education system", [0.72, 0.2, 0.08], { P: 0.9, A: -0.2 }),
  confidence('conarmy', 'military', 'the military', [0.38, 0.48, 0.14], { P: -0.9, A: -0.3 }),
  confidence('conclerg', 'religion', 'organized religion', [0.14, 0.55, 0.31], { R: -1.4, P: -0.4 }),
  confidence('confed', 'government', 'the executive branch of the federal government', [0.1, 0.45, 0.45], { T: -0.9, P: 0.8 }),
  confidence('conpress', 'news', 'the press', [0.07, 0.4, 0.53], { P: 1.3, T: -0.3 }),
  confidence('consci', 'science', 'the scientific community', [0.4, 0.48, 0.12], { P: 1.0 }),
  q('cappun', 'crime', 'Do you favor or oppose the death penalty for persons convicted of murder?',
    ['favor', 'oppose'], [0.58, 0.42], { P: -1.3, C: 0.3 }, { dontKnow: 0.03 }),
  q('courts', 'crime', 'In general, do you think the courts in this area deal too harshly or not harshly enough with criminals?',
    ['too harshly', 'not harshly enough', 'about right'], [0.22, 0.52, 0.26], { P: 1.0, C: 0.2 }, { ballots: [2, 3], dontKnow: 0.05, rank: [0, 2, 1] }),
  q('gunlaw', 'guns', 'Would you favor or oppose a law which would require a person to obtain a police permit before he or she could buy a gun?',
    ['favor', 'oppose'], [0.71, 0.29], { G: 1.2, P: 0.5, C: -0.4 }, { ballots: [1, 3], dontKnow: 0.02 }),
  q('owngun', 'guns', 'Do you happen to have in your home (or garage) any guns or revolvers?',
    ['yes', 'no'], [0.34, 0.66], { G: -1.7, C: 0.4 }, { ballots: [1, 2], dontKnow: 0.005, refusal: { code: 3, label: 'refused' } }),
  q('abany', 'abortion', 'Please tell me whether or not you think it should be possible for a pregnant woman to obtain a legal abortion if the woman wants it for any reason?',
    ['yes', 'no'], [0.58, 0.42], { P: 1.1, R: 1.2 }, { ballots: [1, 3], dontKnow: 0.03 }),
  q('abdefect', 'abortion', 'Please tell me whether or not you think it should be possible for a pregnant woman to obtain a legal abortion if there is a strong chance of serious defect in the baby?',
    ['yes', 'no'], [0.76, 0.24], { R: 1.1, P: 0.6 }, { ballots: [1, 3], dontKnow: 0.03 }),
  q('homosex', 'sexuality', 'What about sexual relations between two adults of the same sex? Do you think it is always wrong, almost always wrong, wrong only sometimes, or not wrong at all?',
    ['always wrong', 'almost always wrong', 'wrong only sometimes', 'not wrong at all', 'other'], [0.27, 0.03, 0.07, 0.61, 0.02],
    { P: -1.1, R: -1.3, A: -0.5 }, { ballots: [1, 3], dontKnow: 0.03, rank: [0, 1, 2, 4, 3] }),
  q('grass', 'drugs', 'Do you think the use of marijuana should be made legal or not?',
    ['should be legal', 'should not be legal'], [0.7, 0.3], { P: 0.9, R: 0.9, A: 0.6 }, { ballots: [1, 2], dontKnow: 0.04 }),
  q('trust', 'trust', "Generally speaking, would you say that most people can be trusted or that you can't be too careful in dealing with people?",
    ['can trust', "can't be too careful", 'depends'], [0.25, 0.63, 0.12], { T: -1.6 }, { ballots: [2, 3], rank: [0, 2, 1] }),
  q('fair', 'trust', 'Do you think most people would try to take advantage of you if they got a chance, or would they try to be fair?',
    ['would take advantage of you', 'would try to be fair', 'depends'], [0.38, 0.54, 0.08], { T: 1.5 }, { ballots: [2, 3], rank: [0, 2, 1] }),
  q('helpful', 'trust', 'Would you say that most of the time people try to be helpful, or that they are mostly just looking out for themselves?',
    ['try to be helpful', 'looking out for themselves', 'depends'], [0.45, 0.47, 0.08], { T: -1.5 }, { ballots: [2, 3], rank: [0, 2, 1] }),
  q('happy', 'happiness', 'Taken all together, how would you say things are these days? Would you say that you are very happy, pretty happy, or not too happy?',
    ['very happy', 'pretty happy', 'not too happy'], [0.21, 0.56, 0.23], { E: -0.9, R: -0.3, T: -0.5 }, { dontKnow: 0.003 }),
  q('health', 'health', 'Would you say your own health, in general, is excellent, good, fair, or poor?',
    ['excellent', 'good', 'fair', 'poor'], [0.22, 0.5, 0.22, 0.06], { E: -0.8, A: 0.5 }, { dontKnow: 0.003 }),
  q('satfin', 'finances', 'So far as you and your family are concerned, would you say that you are pretty well satisfied with your present financial situation, more or less satisfied, or not satisfied at all?',
    ['pretty well satisfied', 'more or less satisfied', 'not satisfied at all'], [0.28, 0.45, 0.27], { E: -1.4, A: -0.2 }, { dontKnow: 0.005 }),
  q('finalter', 'finances', 'During the last few years, has your financial situation been getting better, worse, or has it stayed the same?',
    ['better', 'worse', 'stayed same'], [0.3, 0.27, 0.43], { E: -0.9, A: 0.2 }, { dontKnow: 0.005, rank: [0, 2, 1] }),
  q('satjob', 'finances', 'On the whole, how satisfied are you with the work you do? Would you say you are very satisfied, moderately satisfied, a little dissatisfied, or very dissatisfied?',
    ['very satisfied', 'moderately satisfied', 'a little dissatisfied', 'very dissatisfied'], [0.48, 0.37, 0.1, 0.05],
    { E: -0.8, A: -0.3, T: -0.3 }, { dontKnow: 0.005, workersOnly: true }),
  q('attend', 'religion', 'How often do you attend religious services?',
    ['never', 'less than once a year', 'about once or twice a year', 'several times a year', 'about once a month',
      '2-3 times a month', 'nearly every week', 'every week', 'several times a week'],
    [0.3, 0.07, 0.11, 0.1, 0.06, 0.07, 0.05, 0.17, 0.07], { R: 2.4 }, { dontKnow: 0.003, codes: [0, 1, 2, 3, 4, 5, 6, 7, 8] }),
  q('relpersn', 'religion', 'To what extent do you consider yourself a religious person? Are you very religious, moderately religious, slightly religious, or not religious at all?',
    ['very religious', 'moderately religious', 'slightly religious', 'not religious at all'], [0.17, 0.33, 0.2, 0.3], { R: -2.2 }, { dontKnow: 0.005 }),
  q('postlife', 'religion', 'Do you believe there is a life after death?',
    ['yes', 'no'], [0.72, 0.28], { R: -1.8 }, { ballots: [1, 3], dontKnow: 0.08 }),
  q('spkath', 'speech', 'Consider somebody who is against all churches and religion. If such a person wanted to make a speech in your community against churches and religion, should he be allowed to speak, or not?',
    ['yes, allowed to speak', 'not allowed'], [0.81, 0.19], { L: -1.2, R: 0.6 }, { ballots: [1, 2], dontKnow: 0.02 }),
  q('colath', 'speech', 'Should such a person, who is against all churches and religion, be allowed to teach in a college or university, or not?',
    ['yes, allowed to teach', 'not allowed'], [0.7, 0.3], { L: -1.2, R: 0.6 }, { ballots: [1, 2], dontKnow: 0.03, codes: [4, 5] }),
  q('letin1a', 'immigration', 'Do you think the number of immigrants to America nowadays should be increased a lot, increased a little, remain the same as it is, reduced a little, or reduced a lot?',
    ['increased a lot', 'increased a little', 'remain the same as it is', 'reduced a little', 'reduced a lot'],
    [0.09, 0.13, 0.4, 0.16, 0.22], { P: 1.4, A: 0.2 }, { ballots: [1, 3], dontKnow: 0.04 }),
];
