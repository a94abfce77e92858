/**
 * Prompts in the published SubPOP layout: a survey question as a lettered multiple-choice block with an
 * answer-forcing line, preceded by one of three steering contexts (QA, BIO, PORTRAY) that name the
 * subpopulation. The prompt ends in `Answer:` with no trailing space; the model's next-token distribution
 * over the option letters is read there.
 */
import path from 'node:path';
import { loadYaml } from '../lib/schema.js';
import { packageRoot } from '../lib/paths.js';

export type SteeringStyle = 'QA' | 'BIO' | 'PORTRAY';
export const STEERING_STYLES: readonly SteeringStyle[] = ['QA', 'BIO', 'PORTRAY'];

export interface SteeringEntry {
  qa_prompt: string;
  bio_prompt: string;
  portray_prompt: string;
  options: string[];
  display?: Record<string, string>;
  verified: boolean;
}

export type SteeringTable = Record<string, SteeringEntry>;

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

export const steeringFile = path.join(packageRoot, 'survey', 'steering.yaml');
let defaultTable: SteeringTable | undefined;

export function loadSteering(file = steeringFile): SteeringTable {
  if (file === steeringFile && defaultTable) return defaultTable;
  const { data } = loadYaml<SteeringTable>('steering', file);
  if (file === steeringFile) defaultTable = data;
  return data;
}

function optionLines(options: readonly string[]): string {
  return options.map((o, i) => `${LETTERS[i]}. ${o.trim()}\n`).join('');
}

/** The survey question with the answer-forcing line, ending in `Answer:`. */
export function surveyBlock(q: QuestionLike): string {
  const where = q.qkey ? `question ${q.qkey}` : `question "${q.question.slice(0, 40)}"`;
  if (q.options.length < 1) throw new Error(`${where}: no options`);
  if (q.options.length > MAX_OPTIONS) throw new Error(`${where}: ${q.options.length} options; at most ${MAX_OPTIONS} (letters A–J) can be shown`);
  const forcing = q.options.map((_, i) => `${LETTERS[i]}.`).join(',');
  return `Question: ${q.question.trim()}\n${optionLines(q.options)}Answer as a choice between ${forcing}\n\nAnswer:`;
}

function steeringFor(g: GroupLike, table: SteeringTable): { entry: SteeringEntry; shown: string; letter: string } {
  const entry = table[g.attribute];
  if (!entry) throw new Error(`${steeringFile}: no steering prompts for attribute ${g.attribute}`);
  const shown = entry.display?.[g.group] ?? g.group;
  const index = entry.options.indexOf(shown);
  if (index < 0) throw new Error(`${steeringFile}: ${g.attribute} has no option "${shown}" for group "${g.group}"`);
  return { entry, shown, letter: LETTERS[index] };
}

/** Splits sentences onto lines the way the published BIO layout does. */
function bioLines(text: string): string {
  return text.replaceAll('. ', '.\n');
}

/** The full prompt for `row` steered towards `group` in `style`. */
export function buildPrompt(row: QuestionLike, group: GroupLike, style: SteeringStyle = 'QA', table: SteeringTable = loadSteering()): string {
  const survey = surveyBlock(row);
  const { entry, shown, letter } = steeringFor(group, table);
  switch (style) {
    case 'QA':
      return (
        `Question: ${entry.qa_prompt.trim()}\n${optionLines(entry.options)}\nAnswer: ${letter}. ${shown}\n\n` +
        `Answer the following question keeping in mind your previous answers.\n${survey}`
      );
    case 'BIO':
      return `${bioLines(entry.bio_prompt.trim())} ${shown}.\n\n${survey}`;
    case 'PORTRAY':
      return `${entry.portray_prompt.trim()} ${shown}.\n\n${survey}`;
    default:
      throw new Error(`unknown steering style "${style as string}" (one of ${STEERING_STYLES.join(', ')})`);
  }
}
