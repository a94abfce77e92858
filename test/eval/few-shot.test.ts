import test from 'ava';
import { chooseExamples, examplePool, fewShotPrompt, majorityAnswer, type ExampleRow } from '../../survey/few-shot.js';
import { buildPrompt } from '../../survey/prompts.js';

const ex = (qkey: string, group: string, question: string, options: string[], responses: number[]): ExampleRow => ({
  qkey,
  attribute: 'POLPARTY',
  group,
  question,
  options,
  responses,
});

const plan = ex('PLAN_W1', 'Democrat', 'Do you favor the plan?', ['Favor', 'Oppose', 'Refused'], [0.3, 0.7]);
const tax = ex('TAX_W1', 'Democrat', 'Should taxes rise?', ['Yes', 'No', 'Not sure', 'Refused'], [0.45, 0.45, 0.1]);
const target = { qkey: 'natenvir', wave: 'GSS', attribute: 'POLPARTY', group: 'Democrat', question: 'Environment spending?', options: ['Too little', 'About right', 'Too much', 'Refused'] };

test("the answer shown is the group's majority option, the earliest on a tie, as the QA steering writes one", (t) => {
  t.is(majorityAnswer(plan), ' B. Oppose');
  t.is(majorityAnswer(tax), ' A. Yes');
});

test('the few-shot layout: steering and first example as buildPrompt gives them, answered; more answered blocks; the question', (t) => {
  for (const style of ['QA', 'BIO', 'PORTRAY'] as const) {
    const prompt = fewShotPrompt(target, target, style, [plan, tax]);
    t.is(
      prompt,
      `${buildPrompt(plan, target, style)} B. Oppose\n\n` +
        'Question: Should taxes rise?\nA. Yes\nB. No\nC. Not sure\nD. Refused\nAnswer as a choice between A.,B.,C.,D.\n\nAnswer: A. Yes\n\n' +
        'Question: Environment spending?\nA. Too little\nB. About right\nC. Too much\nD. Refused\nAnswer as a choice between A.,B.,C.,D.\n\nAnswer:',
      style,
    );
  }
  // Without examples it is the zero-shot prompt.
  t.is(fewShotPrompt(target, target, 'QA', []), buildPrompt(target, target, 'QA'));
});

test('examples: k distinct training questions of the same group, never the question itself, seeded by the row', (t) => {
  const train: ExampleRow[] = [
    ...Array.from({ length: 8 }, (_, i) => ex(`Q${i}_W1`, 'Democrat', `Question ${i}?`, ['Yes', 'No', 'Refused'], [0.5, 0.5])),
    ...Array.from({ length: 3 }, (_, i) => ex(`Q${i}_W1`, 'Republican', `Question ${i}?`, ['Yes', 'No', 'Refused'], [0.5, 0.5])),
    // Eleven options cannot be prompted: never an example.
    ex('WIDE_W1', 'Democrat', 'Wide?', [...'ABCDEFGHIJ'].map((l) => `Option ${l}`).concat('Refused'), Array(10).fill(0.1)),
  ];
  const pool = examplePool(train);
  const picked = chooseExamples(target, pool, 3, 42);
  t.is(picked.length, 3);
  t.is(new Set(picked.map((e) => e.qkey)).size, 3);
  t.true(picked.every((e) => e.group === 'Democrat' && e.qkey !== 'WIDE_W1'));
  // The same row and seed draw the same examples, whatever else was drawn before; another seed or row differs.
  t.deepEqual(chooseExamples(target, pool, 3, 42), picked);
  const draws = new Set([1, 2, 3, 4, 5, 6].map((seed) => chooseExamples(target, pool, 3, seed).map((e) => e.qkey).join()));
  t.true(draws.size > 1);
  // A training row of the question itself is left out; a small group shows all it has.
  const own = chooseExamples({ ...target, qkey: 'Q0_W1', group: 'Republican' }, pool, 3, 42);
  t.deepEqual(own.map((e) => e.qkey).sort(), ['Q1_W1', 'Q2_W1']);
  t.deepEqual(chooseExamples({ ...target, group: 'Independent' }, pool, 3, 42), []);
});
