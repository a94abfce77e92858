/**
 * Prompts in the SubPOP authors' layout, byte for byte: a survey question as a lettered multiple-choice block
 * with an answer-forcing line, preceded by one of three steering contexts (QA, BIO, PORTRAY) that name the
 * subpopulation, with the texts of their steering_prompts.json (survey/subpopulation-metadata.ts). The prompt ends in
 * `Answer:` with no trailing space; the model's next-token distribution over the option letters is read there.
 *
 * Layouts (their generate_mcq and prepare_finetuning_data.py; stripping is Python's str.strip):
 *   multiple choice  `Question: {question}\nA. {option}\n…` (+ `\nAnswer as a choice between A.,B.,…` for the
 *                    survey question) + `\n\nAnswer:`
 *   QA               the attribute's steering question without forcing + ` {letter}. {group}\n\n` +
 *                    `Answer the following question keeping in mind your previous answers.\n` + survey question
 *   BIO, PORTRAY     the text with every ". " turned into ".\n" + ` {group}.\n\n` + survey question
 * The group's letter is its index in the attribute's full option list (RELIG has 12 options, so Atheist is I).
 */
import { pyStrip } from '../lib/python-text.js';
import { loadSteering, steeringFile, type SteeringEntry, type SteeringTable } from './subpopulation-metadata.js';

export { loadSteering, type SteeringTable } from './subpopulation-metadata.js';

export type SteeringStyle = 'QA' | 'BIO' | 'PORTRAY';
export const STEERING_STYLES: readonly SteeringStyle[] = ['QA', 'BIO', 'PORTRAY'];

/** A survey question as in the subpopulation rows (docs/data-model.md): options end with "Refused". */
export interface QuestionLike {
  qkey?: string;
  question: string;
  options: readonly string[];
}

export interface GroupLike {
  attribute: string;
  group: string;
}

export const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** Training reads letters A–J, so a survey question may show at most ten options (refusal included). */
export const MAX_OPTIONS = 10;

/**
 * The names some groups carry in the authors' survey rows (their `code_subgroup`, applied to pick a group's
 * rows), by attribute: display name → row name. Prompts always show the display name, so a row carrying the row
 * name is steered with the display name.
 */
const AUTHORS_ROW_NAMES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  CITIZEN: { 'a US Citizen': 'Yes', 'a Non-US Citizen': 'No' },
  MARITAL: { 'Unmarried and have never been married': 'Never been married' },
  POLPARTY: { 'Something else': 'Other' },
};

/** The authors' generate_mcq with the "Question:"/"Answer:" labels and "A. " lettering. */
function multipleChoice(question: string, options: readonly string[], forcing: boolean): string {
  const lettered = pyStrip(options.map((o, i) => `${LETTERS[i]}. ${pyStrip(o)}`).join('\n'));
  const instruction = forcing ? `Answer as a choice between ${options.map((_, i) => `${LETTERS[i]}.`).join(',')}` : '';
  return `${pyStrip(`Question: ${pyStrip(question)}\n${lettered}\n${instruction}`)}\n\nAnswer:`;
}

/** The survey question with the answer-forcing line, ending in `Answer:`. */
export function surveyBlock(q: QuestionLike): string {
  const where = q.qkey ? `question ${q.qkey}` : `question "${q.question.slice(0, 40)}"`;
  if (q.options.length < 1) throw new Error(`${where}: no options`);
  if (q.options.length > MAX_OPTIONS) throw new Error(`${where}: ${q.options.length} options; at most ${MAX_OPTIONS} (letters A–J) can be shown`);
  return multipleChoice(q.question, q.options, true);
}

/** The attribute's steering entry and the group's display name (accepting the authors' row names too). */
function steeringFor(g: GroupLike, table: SteeringTable): { entry: SteeringEntry; shown: string } {
  const entry = Object.hasOwn(table, g.attribute) ? table[g.attribute] : undefined;
  if (!entry) throw new Error(`${steeringFile()}: no steering prompts for attribute ${g.attribute}`);
  if (entry.options.includes(g.group)) return { entry, shown: g.group };
  const renamed = Object.entries(AUTHORS_ROW_NAMES[g.attribute] ?? {}).find(([shown, row]) => row === g.group && entry.options.includes(shown));
  if (!renamed) throw new Error(`${steeringFile()}: ${g.attribute} has no option "${g.group}" (options: ${entry.options.join(', ')})`);
  return { entry, shown: renamed[0] };
}

/** The full prompt for `row` steered towards `group` in `style`. */
export function buildPrompt(row: QuestionLike, group: GroupLike, style: SteeringStyle = 'QA', table: SteeringTable = loadSteering()): string {
  const survey = surveyBlock(row);
  const { entry, shown } = steeringFor(group, table);
  switch (style) {
    case 'QA':
      return (
        `${multipleChoice(entry.qa_prompt, entry.options, false)} ${LETTERS[entry.options.indexOf(shown)]}. ${shown}\n\n` +
        `Answer the following question keeping in mind your previous answers.\n${survey}`
      );
    case 'BIO':
    case 'PORTRAY':
      return `${(style === 'BIO' ? entry.bio_prompt : entry.portray_prompt).replaceAll('. ', '.\n')} ${shown}.\n\n${survey}`;
    default:
      throw new Error(`unknown steering style "${style as string}" (one of ${STEERING_STYLES.join(', ')})`);
  }
}
