import test from 'ava';
import { buildPrompt, surveyBlock, loadSteering } from '../../survey/prompts.js';

const favor = { qkey: 'FAVOR_W1', question: 'Do you favor X?', options: ['Favor', 'Oppose', 'Refused'] };
const liberal = { attribute: 'POLIDEOLOGY', group: 'Liberal' };

test('survey block matches the published example byte for byte', (t) => {
  t.is(surveyBlock(favor), 'Question: Do you favor X?\nA. Favor\nB. Oppose\nC. Refused\nAnswer as a choice between A.,B.,C.\n\nAnswer:');
});

test('question text and options are stripped', (t) => {
  const q = { question: '  Is it so?  ', options: [' Yes ', 'No', 'Refused'] };
  t.is(surveyBlock(q), 'Question: Is it so?\nA. Yes\nB. No\nC. Refused\nAnswer as a choice between A.,B.,C.\n\nAnswer:');
});

test('QA steering prompt', (t) => {
  t.is(
    buildPrompt(favor, liberal, 'QA'),
    'Question: In general, would you describe your political views as\n' +
      'A. Very conservative\nB. Conservative\nC. Moderate\nD. Liberal\nE. Very liberal\n\n' +
      'Answer: D. Liberal\n\n' +
      'Answer the following question keeping in mind your previous answers.\n' +
      'Question: Do you favor X?\nA. Favor\nB. Oppose\nC. Refused\nAnswer as a choice between A.,B.,C.\n\nAnswer:',
  );
});

test('BIO steering prompt', (t) => {
  t.is(
    buildPrompt(favor, liberal, 'BIO'),
    'Below you will be asked to provide a short description of your political ideology and then answer some questions.\n' +
      'Description: I would describe my political views as Liberal.\n\n' +
      'Question: Do you favor X?\nA. Favor\nB. Oppose\nC. Refused\nAnswer as a choice between A.,B.,C.\n\nAnswer:',
  );
});

test('PORTRAY steering prompt', (t) => {
  t.is(
    buildPrompt(favor, liberal, 'PORTRAY'),
    'Answer the following question as if your political views were Liberal.\n\n' +
      'Question: Do you favor X?\nA. Favor\nB. Oppose\nC. Refused\nAnswer as a choice between A.,B.,C.\n\nAnswer:',
  );
});

test('the group letter is its index in the full option list (RELIG Atheist is I)', (t) => {
  const p = buildPrompt(favor, { attribute: 'RELIG', group: 'Atheist' }, 'QA');
  t.true(p.includes('\nL. Nothing in particular\n\nAnswer: I. Atheist\n\n'));
});

test('61-group names are shown as the authors list them; their row names (code_subgroup) map back to them', (t) => {
  const citizen =
    'Question: Are you a citizen of the United States?\nA. a US Citizen\nB. a Non-US Citizen\n\nAnswer: B. a Non-US Citizen\n\n' +
    'Answer the following question keeping in mind your previous answers.\n' +
    'Question: Do you favor X?\nA. Favor\nB. Oppose\nC. Refused\nAnswer as a choice between A.,B.,C.\n\nAnswer:';
  t.is(buildPrompt(favor, { attribute: 'CITIZEN', group: 'a Non-US Citizen' }, 'QA'), citizen);
  t.is(buildPrompt(favor, { attribute: 'CITIZEN', group: 'No' }, 'QA'), citizen);
  t.is(
    buildPrompt(favor, { attribute: 'MARITAL', group: 'Never been married' }, 'PORTRAY'),
    'Answer the following question as if your current marital status is Unmarried and have never been married.\n\n' +
      'Question: Do you favor X?\nA. Favor\nB. Oppose\nC. Refused\nAnswer as a choice between A.,B.,C.\n\nAnswer:',
  );
  t.is(
    buildPrompt(favor, { attribute: 'POLPARTY', group: 'Other' }, 'BIO'),
    'Below you will be asked to provide a short description of your political affiliation and then answer some questions.\n' +
      'Description: In politics today, I consider myself a Something else.\n\n' +
      'Question: Do you favor X?\nA. Favor\nB. Oppose\nC. Refused\nAnswer as a choice between A.,B.,C.\n\nAnswer:',
  );
  // RACE and RELIG have an option "Other" of their own
  t.true(buildPrompt(favor, { attribute: 'RELIG', group: 'Other' }, 'QA').includes('\n\nAnswer: K. Other\n\n'));
});

test('Python whitespace: U+0085 and U+001F are stripped, U+FEFF is kept', (t) => {
  const q = { question: '\u0085 Is it so?\ufeff \u001f', options: ['\tYes\u00a0', 'No\n', 'Refused'] };
  t.is(surveyBlock(q), 'Question: Is it so?\ufeff\nA. Yes\nB. No\nC. Refused\nAnswer as a choice between A.,B.,C.\n\nAnswer:');
});

test('ten options use letters A-J; eleven are refused with the question key', (t) => {
  const ten = { qkey: 'TEN_W1', question: 'Q?', options: [...'123456789'].map((d) => `o${d}`).concat('Refused') };
  t.true(surveyBlock(ten).endsWith('J. Refused\nAnswer as a choice between A.,B.,C.,D.,E.,F.,G.,H.,I.,J.\n\nAnswer:'));
  const eleven = { ...ten, qkey: 'ELEVEN_W1', options: ['x', ...ten.options] };
  t.throws(() => surveyBlock(eleven), { message: /ELEVEN_W1: 11 options/ });
});

test('unknown attribute or group is an error naming it', (t) => {
  t.throws(() => buildPrompt(favor, { attribute: 'SHOE', group: 'Big' }), { message: /attribute SHOE/ });
  t.throws(() => buildPrompt(favor, { attribute: 'RELIG', group: 'Pastafarian' }), { message: /RELIG has no option "Pastafarian"/ });
});

test('steering data covers the attributes of the 22-group and 61-group sets', (t) => {
  const table = loadSteering();
  const attrs22 = ['CREGION', 'EDUCATION', 'SEX', 'POLIDEOLOGY', 'INCOME', 'POLPARTY', 'RACE', 'RELIG'];
  const attrs61 = [...attrs22, 'AGE', 'CITIZEN', 'MARITAL', 'RELIGATTEND'];
  for (const a of attrs61) t.truthy(table[a], a);
  const sizes: Record<string, number> = { CREGION: 4, SEX: 2, AGE: 4, EDUCATION: 6, RACE: 5, CITIZEN: 2, MARITAL: 6, RELIG: 12, RELIGATTEND: 6, POLPARTY: 4, INCOME: 5, POLIDEOLOGY: 5 };
  t.is(Object.values(sizes).reduce((a, b) => a + b, 0), 61);
  for (const [a, n] of Object.entries(sizes)) t.is(table[a].options.length, n, a);
  const groups22 = ['Northeast', 'South', 'College graduate/some postgrad', 'Less than high school', 'Male', 'Female', 'Liberal', 'Conservative', 'Moderate',
    '$100,000 or more', 'Less than $30,000', 'Democrat', 'Republican', 'Black', 'White', 'Asian', 'Hispanic', 'Protestant', 'Jewish', 'Hindu', 'Atheist', 'Muslim'];
  const attrOf = (g: string) => attrs22.find((a) => table[a].options.includes(g));
  for (const g of groups22) t.truthy(attrOf(g), g);
});
