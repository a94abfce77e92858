/**
 * Questions of the GSS-layout demo survey: real GSS variable names, GSS-style wording and lower-case option
 * labels, driven by the same latent dimensions as the ATP bank (latent.ts) so that what a model learns from
 * the ATP waves carries over. Codes follow the GSS where it departs from 1..k (attend starts at 0, colath uses
 * 4 and 5).
 */
import type { Loadings, OrderedItem } from './latent.js';

export interface GssQuestion extends OrderedItem {
  readonly name: string;
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

function q(name: string, text: string, options: string[], shares: number[], load: Loadings, extra: Extra = {}): GssQuestion {
  return {
    name, text, options, shares, load,
    codes: extra.codes ?? options.map((_, i) => i + 1),
    ballots: extra.ballots ?? [1, 2, 3],
    dontKnow: extra.dontKnow ?? 0.01,
    rank: extra.rank, refusal: extra.refusal, workersOnly: extra.workersOnly,
  };
}

const nat = (name: string, topic: string, shares: number[], load: Loadings): GssQuestion =>
  q(name, `We are faced with many problems in this country, none of which can be solved easily or inexpensively. Are we spending too much money, too little money, or about the right amount on ${topic}?`,
    ['too little', 'about right', 'too much'], shares, load, { ballots: [1, 2], dontKnow: 0.03 });

const confidence = (name: string, institution: string, shares: number[], load: Loadings): GssQuestion =>
  q(name, `As far as the people running ${institution} are concerned, would you say you have a great deal of confidence, only some confidence, or hardly any confidence at all in them?`,
    ['a great deal', 'only some', 'hardly any'], shares, load, { ballots: [2, 3], dontKnow: 0.03 });


export const gssQuestions: readonly GssQuestion[] = [
  nat('natenvir', 'improving and protecting the environment', [0.58, 0.3, 0.12], { P: 1.3 }),
  nat('natheal', "improving and protecting the nation's health", [0.62, 0.27, 0.11], { P: 1.1, E: 0.2 }),
  nat('natcrime', 'halting the rising crime rate', [0.6, 0.32, 0.08], { P: -0.6, C: -0.3 }),
  nat('natdrug', 'dealing with drug addiction', [0.58, 0.33, 0.09], { P: -0.2, A: -0.3, C: -0.2 }),
  nat('nataid', 'foreign aid', [0.15, 0.33, 0.52], { P: 0.9, T: -0.2 }),
  nat('natspac', 'the space exploration program', [0.22, 0.48, 0.3], { P: -0.1, E: -0.5, C: 0.4 }),
  nat('natcity', 'solving the problems of the big cities', [0.45, 0.33, 0.22], { P: 1.0 }),
  nat('natrace', 'improving the conditions of Blacks', [0.45, 0.35, 0.2], { P: 1.5 }),
  nat('natarms', 'the military, armaments and defense', [0.3, 0.4, 0.3], { P: -1.2 }),
  nat('natfare', 'welfare', [0.22, 0.38, 0.4], { P: 1.3, E: 0.3 }),
  q('cappun', 'Do you favor or oppose the death penalty for persons convicted of murder?',
    ['favor', 'oppose'], [0.6, 0.4], { P: -1.3, C: 0.3 }, { dontKnow: 0.03 }),
  q('gunlaw', 'Would you favor or oppose a law which would require a person to obtain a police permit before he or she could buy a gun?',
    ['favor', 'oppose'], [0.7, 0.3], { P: 1.2, C: -0.6 }, { ballots: [1, 3], dontKnow: 0.02 }),
  q('grass', 'Do you think the use of marijuana should be made legal or not?',
    ['should be legal', 'should not be legal'], [0.66, 0.34], { P: 0.9, R: 0.9, A: 0.6 }, { ballots: [1, 2], dontKnow: 0.04 }),
  q('trust', "Generally speaking, would you say that most people can be trusted or that you can't be too careful in dealing with people?",
    ['can trust', "can't be too careful", 'depends'], [0.25, 0.63, 0.12], { T: -1.6 }, { ballots: [2, 3], rank: [0, 2, 1] }),
  q('fair', 'Do you think most people would try to take advantage of you if they got a chance, or would they try to be fair?',
    ['would take advantage of you', 'would try to be fair', 'depends'], [0.38, 0.54, 0.08], { T: 1.5 }, { ballots: [2, 3], rank: [0, 2, 1] }),
  q('helpful', 'Would you say that most of the time people try to be helpful, or that they are mostly just looking out for themselves?',
    ['try to be helpful', 'just look out for themselves', 'depends'], [0.46, 0.46, 0.08], { T: -1.5 }, { ballots: [2, 3], rank: [0, 2, 1] }),
  q('happy', 'Taken all together, how would you say things are these days? Would you say that you are very happy, pretty happy, or not too happy?',
    ['very happy', 'pretty happy', 'not too happy'], [0.23, 0.56, 0.21], { E: -0.9, R: -0.3, T: -0.5 }, { dontKnow: 0.003 }),
  q('owngun', 'Do you happen to have in your home (or garage) any guns or revolvers?',
    ['yes', 'no'], [0.36, 0.64], { P: -1.2, C: 0.8 }, { ballots: [1, 2], dontKnow: 0.005, refusal: { code: 3, label: 'refused' } }),
  q('xmovie', 'Have you seen an X-rated movie in the last year?',
    ['yes', 'no'], [0.25, 0.75], { A: 0.8, R: 0.9, C: 0.9 }, { ballots: [2, 3], dontKnow: 0.005 }),
  q('abany', 'Please tell me whether or not you think it should be possible for a pregnant woman to obtain a legal abortion if the woman wants it for any reason?',
    ['yes', 'no'], [0.6, 0.4], { P: 1.1, R: 1.2 }, { ballots: [1, 3], dontKnow: 0.03 }),
  q('abdefect', 'Please tell me whether or not you think it should be possible for a pregnant woman to obtain a legal abortion if there is a strong chance of serious defect in the baby?',
    ['yes', 'no'], [0.78, 0.22], { R: 1.1, P: 0.6 }, { ballots: [1, 3], dontKnow: 0.03 }),
  q('spkath', 'Consider somebody who is against all churches and religion. If such a person wanted to make a speech in your community against churches and religion, should he be allowed to speak, or not?',
    ['yes, allowed to speak', 'not allowed'], [0.82, 0.18], { R: 1.0, A: 0.5, E: -0.3 }, { ballots: [1, 2], dontKnow: 0.02 }),
  q('colath', 'Should such a person, who is against all churches and religion, be allowed to teach in a college or university, or not?',
    ['allowed', 'not allowed'], [0.72, 0.28], { R: 1.0, A: 0.5, E: -0.3 }, { ballots: [1, 2], dontKnow: 0.03, codes: [4, 5] }),
  q('libath', 'If some people in your community suggested that a book he wrote against churches and religion should be taken out of your public library, would you favor removing this book, or not?',
    ['remove', 'not remove'], [0.22, 0.78], { R: -1.0, A: -0.5, E: 0.3 }, { ballots: [1, 2], dontKnow: 0.02 }),
  q('homosex', 'What about sexual relations between two adults of the same sex? Do you think it is always wrong, almost always wrong, wrong only sometimes, or not wrong at all?',
    ['always wrong', 'almost always wrong', 'wrong only sometimes', 'not wrong at all', 'other'], [0.28, 0.03, 0.07, 0.6, 0.02],
    { P: -1.1, R: -1.3, A: -0.5 }, { ballots: [1, 3], dontKnow: 0.03, rank: [0, 1, 2, 4, 3] }),
  confidence('confed', 'the executive branch of the federal government', [0.1, 0.45, 0.45], { T: -0.9, P: 0.8 }),
  confidence('consci', 'the scientific community', [0.4, 0.48, 0.12], { P: 1.0 }),
  confidence('conpress', 'the press', [0.07, 0.4, 0.53], { P: 1.3, T: -0.3 }),
  q('attend', 'How often do you attend religious services?',
    ['never', 'less than once a year', 'about once or twice a year', 'several times a year', 'about once a month',
      '2-3 times a month', 'nearly every week', 'every week', 'more than once a week'],
    [0.3, 0.07, 0.11, 0.1, 0.06, 0.07, 0.05, 0.17, 0.07], { R: 2.4 }, { dontKnow: 0.003, codes: [0, 1, 2, 3, 4, 5, 6, 7, 8] }),
  q('relpersn', 'To what extent do you consider yourself a religious person? Are you very religious, moderately religious, slightly religious, or not religious at all?',
    ['very religious', 'moderately religious', 'slightly religious', 'not religious at all'], [0.17, 0.35, 0.2, 0.28], { R: -2.2 }, { dontKnow: 0.005 }),
  q('satjob', 'On the whole, how satisfied are you with the work you do? Would you say you are very satisfied, moderately satisfied, a little dissatisfied, or very dissatisfied?',
    ['very satisfied', 'moderately satisfied', 'a little dissatisfied', 'very dissatisfied'], [0.48, 0.37, 0.1, 0.05],
    { E: -0.8, A: -0.3, T: -0.3 }, { dontKnow: 0.005, workersOnly: true }),
  q('postlife', 'Do you believe there is a life after death?',
    ['yes', 'no'], [0.72, 0.28], { R: -1.8 }, { ballots: [1, 3], dontKnow: 0.08 }),
  q('courts', 'In general, do you think the courts in this area deal too harshly or not harshly enough with criminals?',
    ['too harshly', 'not harshly enough', 'about right'], [0.2, 0.55, 0.25], { P: 1.0, C: 0.2 }, { ballots: [2, 3], dontKnow: 0.05, rank: [0, 2, 1] }),
];
