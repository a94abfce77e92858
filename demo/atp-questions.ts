/**
 * The synthetic ATP question bank: Pew-style wording and options, with the latent dimensions each question
 * loads on (latent.ts: P partisan +conservative, R religiosity, E economic security, A age/tradition, T social
 * trust, C caution/care). A higher loaded score moves the answer towards later options, or along `rank` where
 * the middle answer has the last code. `shares` are the target shares among all U.S. adults.
 */
import type { Loadings, OrderedItem } from './latent.js';

export interface AtpQuestion extends OrderedItem {
  /** Variable stem: the column is `{name}_W{n}`; battery items are `{STEM}_{letter}`. */
  readonly name: string;
  /** Question text for the variable label `{name}. {text}`. */
  readonly text: string;
  /** Log-odds shift of refusing this question (sensitive topics are refused more). */
  readonly sensitivity: number;
}

type Extra = { rank?: number[]; sensitivity?: number };

function single(name: string, text: string, options: string[], shares: number[], load: Loadings, extra: Extra = {}): AtpQuestion[] {
  return [{ name, text, options, shares, load, rank: extra.rank, sensitivity: extra.sensitivity ?? 0 }];
}

/** A battery: one stem, one option set, items `{name}_a`, `{name}_b`, … */
function battery(name: string, stem: string, options: string[], items: [string, number[], Loadings][], extra: Extra = {}): AtpQuestion[] {
  return items.map(([item, shares, load], i) => ({
    name: `${name}_${String.fromCharCode(97 + i)}`,
    text: `${stem} ${item}`,
    options, shares, load, rank: extra.rank, sensitivity: extra.sensitivity ?? 0,
  }));
}

const whichCloser = 'Which comes closer to your view, even if neither is exactly right?';
const strongly4 = ['Strongly favor', 'Favor', 'Oppose', 'Strongly oppose'];

const bank: AtpQuestion[][] = [
  single('SATIS', 'All in all, are you satisfied or dissatisfied with the way things are going in this country today?',
    ['Satisfied', 'Dissatisfied'], [0.26, 0.74], { P: 0.9, E: -0.5, T: -0.4 }),
  single('ECON1', "Thinking about the nation's economy, how would you rate economic conditions in this country today?",
    ['Excellent', 'Good', 'Only fair', 'Poor'], [0.04, 0.21, 0.43, 0.32], { P: 1.0, E: -0.7 }),
  single('ECON1B', 'A year from now, do you expect that economic conditions in the country as a whole will be',
    ['Better than they are now', 'Worse than they are now', 'About the same as now'], [0.26, 0.4, 0.34], { P: 0.9, E: -0.3 }, { rank: [0, 2, 1] }),
  single('POL1JB', 'Do you approve or disapprove of the way Joe Biden is handling his job as president?',
    ['Approve', 'Disapprove'], [0.41, 0.59], { P: 2.0 }),
  single('GOVSIZE1', 'If you had to choose, would you rather have',
    ['A smaller government providing fewer services', 'A bigger government providing more services'], [0.48, 0.52], { P: -1.5, E: -0.2 }),
  single('GUNSTRICT', 'Do you think gun laws in this country should be more strict than they are today, less strict than they are today, or kept as they are now?',
    ['More strict', 'Less strict', 'Kept as they are now'], [0.56, 0.11, 0.33], { P: 1.4, C: -0.5 }, { rank: [0, 2, 1] }),
  single('ABORTLEGAL', 'Do you think abortion should be',
    ['Legal in all cases', 'Legal in most cases', 'Illegal in most cases', 'Illegal in all cases'], [0.25, 0.37, 0.27, 0.11], { P: 1.1, R: 1.2 }, { sensitivity: 0.6 }),
  single('ENVECON', whichCloser,
    ['Protecting the environment should be given priority, even at the risk of curbing economic growth',
      'Economic growth should be given priority, even if the environment suffers to some extent'], [0.62, 0.38], { P: 1.3, E: 0.2 }),
  single('CLIMHUMAN', "Which of these statements about the earth's temperature comes closest to your view?",
    ['The earth is getting warmer mostly because of human activity such as burning fossil fuels',
      "The earth is getting warmer mostly because of natural patterns in the earth's environment",
      'There is no solid evidence that the earth is getting warmer'], [0.5, 0.31, 0.19], { P: 1.4, A: 0.3 }),
  single('RELIMP', 'How important is religion in your life?',
    ['Very important', 'Somewhat important', 'Not too important', 'Not at all important'], [0.41, 0.25, 0.14, 0.2], { R: -2.0 }),
  single('PRAY', 'Outside of attending religious services, how often do you pray?',
    ['Several times a day', 'Once a day', 'A few times a week', 'Once a week', 'Seldom', 'Never'],
    [0.24, 0.17, 0.1, 0.1, 0.17, 0.22], { R: -2.1, C: -0.3 }),
  single('GOD', 'Do you believe in God or a universal spirit?',
    ['Yes, believe in God', 'No, do not believe in God'], [0.82, 0.18], { R: -2.2 }, { sensitivity: 0.3 }),
  single('FIN_SIT', 'How would you rate your own personal financial situation? Would you say you are in',
    ['Excellent shape', 'Good shape', 'Only fair shape', 'Poor shape'], [0.08, 0.37, 0.36, 0.19], { E: -1.6, A: -0.2 }, { sensitivity: 0.3 }),
  single('WORRYBILL', 'How often, if ever, do you worry about being able to pay your bills?',
    ['Often', 'Sometimes', 'Rarely', 'Never'], [0.27, 0.31, 0.25, 0.17], { E: 1.5, A: 0.3 }),
  single('TRUSTPEOP', "Generally speaking, would you say that most people can be trusted or that you can't be too careful in dealing with people?",
    ['Most people can be trusted', "You can't be too careful in dealing with people"], [0.42, 0.58], { T: -1.6 }),
  single('TRSTFED', 'How much of the time do you think you can trust the government in Washington to do what is right?',
    ['Just about always', 'Most of the time', 'Only some of the time', 'Never'], [0.03, 0.17, 0.6, 0.2], { T: -1.0, P: 0.7 }),
  single('TECHCOMP', 'Overall, would you say technology companies have a positive or negative effect on the way things are going in the country these days?',
    ['Positive effect', 'Negative effect'], [0.55, 0.45], { P: 0.7, A: 0.6 }),
  single('AICONCERN', 'Overall, would you say the increased use of artificial intelligence in daily life makes you feel',
    ['More excited than concerned', 'More concerned than excited', 'Equally excited and concerned'], [0.1, 0.52, 0.38], { A: 0.8, C: 0.5, E: -0.2 }, { rank: [0, 2, 1] }),
  single('IMMCULT', whichCloser,
    ['Immigrants today strengthen our country because of their hard work and talents',
      'Immigrants today are a burden on our country because they take our jobs, housing and health care'], [0.6, 0.4], { P: 1.6 }),
  single('DEATHPEN', 'Do you strongly favor, favor, oppose, or strongly oppose the death penalty for persons convicted of murder?',
    strongly4, [0.27, 0.33, 0.25, 0.15], { P: -1.2, C: 0.3 }),
  single('MARIJLEG', 'Which comes closest to your view about the use of marijuana by adults?',
    ['It should be legal for medical and recreational use', 'It should be legal for medical use only', 'It should not be legal'],
    [0.59, 0.3, 0.11], { P: 0.9, R: 0.9, A: 0.6 }),
  single('SSMARR', 'Do you strongly favor, favor, oppose, or strongly oppose allowing gays and lesbians to marry legally?',
    strongly4, [0.35, 0.26, 0.2, 0.19], { P: 1.0, R: 1.1, A: 0.5 }),
  single('HCGOV', 'Do you think it is the responsibility of the federal government to make sure all Americans have health care coverage?',
    ['Yes, it is the responsibility of the federal government', 'No, it is not the responsibility of the federal government'],
    [0.63, 0.37], { P: 1.5, E: 0.2 }),
  single('POLICESPEND', 'Would you say spending on policing in your area should be',
    ['Increased a lot', 'Increased a little', 'Stay about the same', 'Decreased a little', 'Decreased a lot'],
    [0.2, 0.2, 0.4, 0.1, 0.1], { P: -1.0, A: -0.4 }),
  single('SCIPOL', whichCloser,
    ['Scientists should take an active role in public policy debates about scientific issues',
      'Scientists should focus on establishing sound scientific facts and stay out of public policy debates'], [0.6, 0.4], { P: 1.1 }),
  single('RELGOV', whichCloser,
    ['Religion should be kept separate from government policies', 'Government policies should support religious values and beliefs'],
    [0.63, 0.37], { P: 0.9, R: 1.3 }),
  single('HAPPYLIFE', 'Generally, how would you say things are these days in your life? Would you say that you are',
    ['Very happy', 'Pretty happy', 'Not too happy'], [0.29, 0.56, 0.15], { E: -0.9, R: -0.3, T: -0.5 }),
  single('HELPPEOP', 'Would you say that most of the time people try to be helpful, or that they are mostly just looking out for themselves?',
    ['People try to be helpful', 'People are mostly looking out for themselves'], [0.44, 0.56], { T: -1.5 }),
  single('GUNOWN', 'Do you personally own any guns (not including air guns, such as paintball, BB or pellet guns)?',
    ['Yes, I own a gun', "No, I don't own any guns"], [0.32, 0.68], { P: -1.2, C: 0.8 }, { sensitivity: 0.7 }),
  single('COLLCOST', whichCloser,
    ['A four-year college degree is worth the cost even if someone has to take out loans',
      'A four-year college degree is not worth the cost if someone has to take out loans'], [0.45, 0.55], { P: 0.6, E: -0.3, A: -0.2 }),
  single('SMUSE', 'How often do you use social media sites such as Facebook, Instagram or TikTok?',
    ['Almost constantly', 'Several times a day', 'About once a day', 'Less often', 'Never'], [0.13, 0.34, 0.15, 0.16, 0.22], { A: 1.6, E: -0.2 }),
  single('RETIRECONF', 'How confident are you that you will have enough income and assets for your retirement?',
    ['Very confident', 'Somewhat confident', 'Not too confident', 'Not at all confident'], [0.18, 0.38, 0.26, 0.18], { E: -1.4, T: -0.2 }),
  single('HEALTH', 'In general, would you say your health is',
    ['Excellent', 'Very good', 'Good', 'Fair', 'Poor'], [0.11, 0.31, 0.34, 0.19, 0.05], { E: -0.8, A: 0.5 }),
  single('MINWAGE', 'Would you favor or oppose raising the federal minimum wage to $15.00 an hour?',
    ['Strongly favor', 'Somewhat favor', 'Somewhat oppose', 'Strongly oppose'], [0.35, 0.27, 0.19, 0.19], { P: 1.4, E: 0.3 }),
  single('DIVERSE', 'Overall, do you think having an increasing number of people of many different races, ethnic groups and nationalities in the United States makes this country',
    ['A better place to live', 'A worse place to live', "Doesn't make much difference either way"], [0.55, 0.1, 0.35], { P: 1.0, A: 0.3 }, { rank: [0, 2, 1] }),
  single('TRADE', 'In general, do you think that free trade agreements between the U.S. and other countries have been a good thing or a bad thing for the United States?',
    ['A good thing', 'A bad thing'], [0.59, 0.41], { P: 0.5, E: -0.4 }),
  single('PEACESTR', whichCloser,
    ['Good diplomacy is the best way to ensure peace', 'The best way to ensure peace is through military strength'], [0.6, 0.4], { P: 1.3, C: -0.2 }),
  single('KIDSFUT', 'When children today in the U.S. grow up, do you think they will be',
    ['Better off financially than their parents', 'Worse off financially than their parents'], [0.32, 0.68], { E: -0.5, P: 0.4, A: 0.2 }),
  single('RACEATTN', 'Do you think there is too much, too little, or about the right amount of attention paid to race and racial issues in our country these days?',
    ['Too much attention', 'Too little attention', 'About the right amount of attention'], [0.38, 0.4, 0.22], { P: 1.5 }, { rank: [2, 0, 1] }),
  single('POORBLAME', 'Which is generally more often to blame if a person is poor?',
    ['Lack of effort on his or her part', 'Circumstances beyond his or her control'], [0.35, 0.65], { P: -1.3, E: -0.2 }),
  single('SPEECH', whichCloser,
    ['People being able to speak their minds freely is more important, even if some find what they say offensive',
      'People being protected from speech they find offensive is more important, even if it limits free expression'],
    [0.6, 0.4], { P: -0.8, C: 0.5, A: -0.3 }),
  single('EVOLVE', whichCloser,
    ['Humans and other living things have evolved over time',
      'Humans and other living things have existed in their present form since the beginning of time'], [0.68, 0.32], { R: 1.5, P: 0.4 }),
  single('HOMOACC', whichCloser,
    ['Homosexuality should be accepted by society', 'Homosexuality should be discouraged by society'], [0.72, 0.28], { P: 1.0, R: 1.1, A: 0.5 }),
  single('NEWSFOLLOW', 'How closely, if at all, do you follow news about national politics?',
    ['Very closely', 'Somewhat closely', 'Not too closely', 'Not at all closely'], [0.2, 0.4, 0.28, 0.12], { A: -0.8, E: -0.4 }),
  single('BIGTECHREG', 'Do you think there should be more or less government regulation of major technology companies than there is now?',
    ['More regulation', 'Less regulation', 'About the same amount of regulation as now'], [0.45, 0.2, 0.35], { P: 0.9 }, { rank: [0, 2, 1] }),
  single('FEM', "How well, if at all, does the word 'feminist' describe you?",
    ['Very well', 'Somewhat well', 'Not too well', 'Not at all well'], [0.15, 0.26, 0.24, 0.35], { C: -1.0, P: 0.9 }),
  single('FAMLEAVE', 'Do you think employers should be required to provide paid leave to employees who need to care for a family member with a serious illness?',
    ['Should be required', 'Should not be required'], [0.72, 0.28], { P: 1.1, C: -0.4 }),
  single('EQUALRIGHTS', 'How much more, if anything, needs to be done to ensure equal rights for all Americans regardless of their racial or ethnic backgrounds?',
    ['A lot', 'Some', 'Not much', 'Nothing at all'], [0.4, 0.31, 0.17, 0.12], { P: 1.4 }),
  single('WOMENPROG', 'When it comes to giving women equal rights with men, do you think our country has gone too far, been about right, or not gone far enough?',
    ['Gone too far', 'Been about right', 'Not gone far enough'], [0.12, 0.31, 0.57], { P: -1.0, C: 0.7 }),
  single('MARRFUT', whichCloser,
    ['Society is better off if people make marriage and having children a priority',
      'Society is just as well off if people have priorities other than marriage and children'], [0.37, 0.63], { P: -1.2, R: -0.9 }),
  battery('CONF', 'How much confidence, if any, do you have in each of the following to act in the best interests of the public?',
    ['A great deal', 'A fair amount', 'Not too much', 'No confidence at all'], [
      ['The military', [0.25, 0.44, 0.22, 0.09], { P: -0.9, A: -0.3 }],
      ['Scientists', [0.29, 0.44, 0.18, 0.09], { P: 1.1 }],
      ['Journalists', [0.05, 0.33, 0.38, 0.24], { P: 1.4, T: -0.4 }],
      ['Elected officials', [0.03, 0.24, 0.5, 0.23], { T: -0.9, P: 0.3 }],
      ['Police officers', [0.26, 0.44, 0.2, 0.1], { P: -1.0, A: -0.4 }],
      ['Religious leaders', [0.09, 0.38, 0.35, 0.18], { R: -1.4, P: -0.4 }],
      ['Business leaders', [0.04, 0.37, 0.42, 0.17], { P: -0.5, T: -0.5 }],
    ]),
  battery('PROB', 'How much of a problem do you think each of the following is in the country today?',
    ['A very big problem', 'A moderately big problem', 'A small problem', 'Not a problem at all'], [
      ['Climate change', [0.4, 0.27, 0.18, 0.15], { P: 1.5 }],
      ['Illegal immigration', [0.42, 0.3, 0.2, 0.08], { P: -1.5 }],
      ['Gun violence', [0.49, 0.29, 0.16, 0.06], { P: 1.1, C: -0.5 }],
      ['Drug addiction', [0.6, 0.3, 0.08, 0.02], { A: -0.4, E: 0.3 }],
      ['Violent crime', [0.48, 0.35, 0.14, 0.03], { P: -0.8, C: -0.3 }],
      ['The affordability of health care', [0.6, 0.28, 0.09, 0.03], { P: 0.7, E: 0.6 }],
      ['Racism', [0.35, 0.33, 0.23, 0.09], { P: 1.4 }],
    ]),
  battery('FEDSPEND', 'If you were making up the budget for the federal government this year, would you increase spending, decrease spending or keep spending the same for',
    ['Increase spending', 'Decrease spending', 'Keep spending the same'], [
      ['Environmental protection', [0.55, 0.15, 0.3], { P: 1.3 }],
      ['Military defense', [0.4, 0.2, 0.4], { P: -1.1 }],
      ["Aid to the world's needy", [0.3, 0.35, 0.35], { P: 1.0 }],
      ['Scientific research', [0.5, 0.12, 0.38], { P: 0.6, E: -0.3 }],
      ['Health care', [0.6, 0.1, 0.3], { P: 1.0, E: 0.3 }],
      ['Roads and infrastructure', [0.62, 0.06, 0.32], { P: 0.2, A: -0.2 }],
      ['Space exploration', [0.22, 0.33, 0.45], { P: 0.1, E: -0.5, C: 0.4 }],
    ], { rank: [0, 2, 1] }),
  battery('TECHIMP', 'Do you think each of the following has had a mostly positive or mostly negative effect on the way things are going in this country today?',
    ['Mostly positive', 'Mostly negative'], [
      ['Social media', [0.3, 0.7], { A: 0.9, P: 0.3 }],
      ['Smartphones', [0.6, 0.4], { A: 0.6 }],
      ['Artificial intelligence', [0.4, 0.6], { A: 0.7, C: 0.4 }],
      ['Online shopping', [0.68, 0.32], { A: 0.8 }],
      ['Streaming services', [0.65, 0.35], { A: 0.8, R: 0.3 }],
    ]),
];

/** Question stems (a battery under its stem, e.g. `CONF`) → the questions they expand to. */
export const atpQuestionBank: ReadonlyMap<string, readonly AtpQuestion[]> = new Map(
  bank.map((qs) => [qs.length === 1 ? qs[0].name : qs[0].name.replace(/_a$/, ''), qs]),
);
