import test from 'ava';
import fs from 'node:fs';
import { buildPrompt, STEERING_STYLES, type SteeringStyle } from '../../survey/prompts.js';
import { loadGroupSetCsv, loadSteering, steeringFile } from '../../survey/subpopulation-metadata.js';

// Made by test/fixtures/prompts/golden.py straight from the vendored steering_prompts.json and demographics CSVs.
const golden = JSON.parse(fs.readFileSync('test/fixtures/prompts/golden.json', 'utf8')) as {
  questions: { question: string; options: string[] }[];
  cases: { attribute: string; group: string; style: SteeringStyle; question: number; prompt: string }[];
};
const metadata = 'vendor/subpop/data/subpopulation_metadata';

test('every group of both group sets, in every style, matches the independently built prompt byte for byte', (t) => {
  for (const c of golden.cases) {
    const row = { qkey: `Q${c.question}`, ...golden.questions[c.question]! };
    t.is(buildPrompt(row, c, c.style), c.prompt, `${c.attribute}/${c.group} ${c.style} question ${c.question}`);
  }
});

test('the golden file covers all 61 groups, the 22, and every style', (t) => {
  const sets = [loadGroupSetCsv(`${metadata}/demographics_61.csv`), loadGroupSetCsv(`${metadata}/demographics_22.csv`)];
  const covered = new Set(golden.cases.map((c) => `${c.attribute}/${c.group}/${c.style}/${c.question}`));
  for (const set of sets) {
    for (const [attribute, groups] of Object.entries(set)) {
      for (const group of groups) {
        for (const style of STEERING_STYLES) for (const q of golden.questions.keys()) t.true(covered.has(`${attribute}/${group}/${style}/${q}`), `${attribute}/${group}`);
      }
    }
  }
  t.is(Object.values(sets[0]!).flat().length, 61);
  t.is(Object.values(sets[1]!).flat().length, 22);
});

test('steering texts and options are the authors\', attribute by attribute', (t) => {
  const table = loadSteering();
  t.deepEqual(Object.keys(table), ['CREGION', 'SEX', 'AGE', 'EDUCATION', 'RACE', 'CITIZEN', 'MARITAL', 'RELIG', 'RELIGATTEND', 'POLPARTY', 'INCOME', 'POLIDEOLOGY']);
  t.deepEqual(table.EDUCATION!.options, ['Less than high school', 'High school graduate', 'Some college, no degree', "Associate's degree", 'College graduate/some postgrad', 'Postgraduate']);
  t.is(table.AGE!.qa_prompt, 'How old are you?');
  t.true(table.INCOME!.bio_prompt.endsWith('Description: Last year, my total family income from all sources, before taxes was'));
  // every group of the 61-group set is one of its attribute's steering options
  for (const [attribute, groups] of Object.entries(loadGroupSetCsv(`${metadata}/demographics_61.csv`))) {
    t.deepEqual(groups, table[attribute]!.options, attribute);
  }
  t.true(steeringFile().endsWith(`${metadata}/steering_prompts.json`));
});
