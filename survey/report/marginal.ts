/**
 * The report section of the population-marginal baseline (survey/marginal.ts): its WD per evaluation set next
 * to each model's, and the model's WD relative to it.
 */
import type { Summary } from '../evaluate-summary.js';
import type { MarginalSetMetrics } from '../marginal.js';
import { columns, columnTitle, firstRun, fixed, type Results } from '../report.js';
import type { Section } from './sections.js';

export interface MarginalMetrics {
  sets: MarginalSetMetrics[];
}

const ratio = (model: number | null, marginal: number | null | undefined): string =>
  model === null || marginal === null || marginal === undefined || !(marginal > 0) ? '—' : `${(model / marginal).toFixed(2)}×`;

/** Groups (with a defined WD on both sides) whose mean WD is below the marginal's, as "k of n". */
function groupsBelow(model: Summary, marginal: Summary | null | undefined): string {
  if (!marginal) return '—';
  const base = new Map(marginal.groups.map((g) => [`${g.attribute}\u0000${g.group}`, g.wd]));
  const pairs = model.groups.flatMap((g) => {
    const m = base.get(`${g.attribute}\u0000${g.group}`);
    return g.wd === null || m === null || m === undefined ? [] : [[g.wd, m] as const];
  });
  return pairs.length ? `${pairs.filter(([w, m]) => w < m).length} of ${pairs.length}` : '—';
}

export function marginalSection(results: Results, marginal: MarginalMetrics): Section {
  const cols = columns(results).map((c) => ({ c, set: firstRun(c).set, m: marginal.sets.find((s) => s.name === c.name && s.rows === firstRun(c).set.rows)?.marginal }));
  return {
    title: 'Population-marginal baseline',
    blocks: [
      {
        kind: 'text',
        text:
          "Every group's answer distribution predicted by the question's weighted distribution over all respondents. " +
          "It uses the test question's own overall answers, so it is not a rival method: it is the realistic " +
          'reference for the case "a poll of the whole population exists; predict its subgroups", and a model ' +
          'that does not beat it adds nothing to such a poll. Its WD is also how far each group is from the population.',
      },
      {
        kind: 'table',
        head: ['', ...cols.map(({ c }) => columnTitle(c))],
        rows: [
          ['Population marginal', ...cols.map(({ m }) => fixed(m?.wd))],
          ['Zero-shot', ...cols.map(({ set }) => fixed(set.zero_shot.wd))],
          ['Fine-tuned', ...cols.map(({ set }) => fixed(set.fine_tuned.wd))],
          ['Zero-shot ÷ marginal', ...cols.map(({ set, m }) => ratio(set.zero_shot.wd, m?.wd))],
          ['Fine-tuned ÷ marginal', ...cols.map(({ set, m }) => ratio(set.fine_tuned.wd, m?.wd))],
          ['Groups where fine-tuned beats the marginal', ...cols.map(({ set, m }) => groupsBelow(set.fine_tuned, m))],
        ],
      },
      {
        kind: 'terms',
        items: [
          ['÷ marginal', "the model's mean WD divided by the marginal's on the same rows: below 1× the model predicts the groups better than the population's own distribution does."],
          ['Groups where fine-tuned beats the marginal', "groups whose mean fine-tuned WD is below the marginal's mean WD for them."],
          ['—', 'not available: an external file has no respondents, so no population distribution.'],
        ],
      },
    ],
  };
}
