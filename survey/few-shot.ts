/**
 * The few-shot prompting baseline of the paper's Table 1: before the question it is asked, the base model sees k
 * training questions answered as the group answered them.
 *
 * Layout. The steering context and the first example are `buildPrompt(example₁, group, style)` — exactly the text
 * a zero-shot prompt for that question would be — followed by the group's answer, written as SubPOP's QA
 * steering writes an answer (" B. Oppose"); the other examples follow as survey blocks with their answers, then
 * the question itself, a blank line between each:
 *
 *     <buildPrompt(example 1, group, style)> B. Oppose
 *
 *     <survey block of example 2> A. Favor
 *
 *     <survey block of the question>            (ends in "Answer:", where the letters are read)
 *
 * This is OpinionQA's (and HELM's) in-context layout — answered multiple-choice blocks before the question — in
 * SubPOP's own prompt format. The answer shown is the group's majority option (the largest share; the earliest
 * option on a tie): a group has no single answer, and its modal one is what a draw would show most often, without
 * a draw's noise. With k = 1 the model sees one answered question, as in OpinionQA's steer-qa context.
 *
 * Examples are k distinct training questions the group has a row for (never the question itself), drawn without
 * replacement by a generator seeded from the run's seed and the row's identity, so a prompt depends on neither the
 * row order nor the batching. A group with fewer training questions shows all of them.
 */
import { rowSeed, seededDraw } from './bootstrap.js';
import { buildPrompt, LETTERS, MAX_OPTIONS, surveyBlock, type GroupLike, type QuestionLike, type SteeringStyle } from './prompts.js';

/** A training row as an example needs it. */
export type ExampleRow = QuestionLike & GroupLike & { qkey: string; responses: readonly number[] };

/** The group's majority option as a prompt shows an answer: " B. Oppose". */
export function majorityAnswer(row: Pick<ExampleRow, 'options' | 'responses'>): string {
  let best = 0;
  row.responses.forEach((p, i) => {
    if (p > row.responses[best]!) best = i;
  });
  return ` ${LETTERS[best]}. ${row.options[best]!.trim()}`;
}

/** Training rows by group, in the order given (the split's sorted order), rows that cannot be prompted left out. */
export function examplePool(train: readonly ExampleRow[]): Map<string, ExampleRow[]> {
  const pool = new Map<string, ExampleRow[]>();
  for (const r of train) {
    if (r.options.length > MAX_OPTIONS) continue;
    const key = `${r.attribute}\u0000${r.group}`;
    let list = pool.get(key);
    if (!list) pool.set(key, (list = []));
    list.push(r);
  }
  return pool;
}

/** The k examples for `row`: a seeded draw without replacement from its group's pool, its own question excluded. */
export function chooseExamples(row: GroupLike & { qkey: string; wave?: string | null }, pool: ReadonlyMap<string, readonly ExampleRow[]>, k: number, seed: number): ExampleRow[] {
  const candidates = (pool.get(`${row.attribute}\u0000${row.group}`) ?? []).filter((r) => r.qkey !== row.qkey);
  const draw = seededDraw(rowSeed(seed, ['few-shot', row.wave ?? null, row.qkey, row.attribute, row.group]));
  const picked = [...candidates];
  const n = Math.min(k, picked.length);
  for (let i = 0; i < n; i++) {
    const j = i + draw(picked.length - i);
    [picked[i], picked[j]] = [picked[j]!, picked[i]!];
  }
  return picked.slice(0, n);
}

/** The few-shot prompt for `row` asked of `group` in `style` with `examples` (none: the zero-shot prompt). */
export function fewShotPrompt(row: QuestionLike, group: GroupLike, style: SteeringStyle, examples: readonly ExampleRow[]): string {
  if (!examples.length) return buildPrompt(row, group, style);
  const [first, ...rest] = examples;
  return [
    `${buildPrompt(first!, group, style)}${majorityAnswer(first!)}`,
    ...rest.map((e) => `${surveyBlock(e)}${majorityAnswer(e)}`),
    surveyBlock(row),
  ].join('\n\n');
}
