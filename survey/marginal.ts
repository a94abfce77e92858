/**
 * The population-marginal baseline: every group's distribution on a question is predicted by the question's
 * weighted distribution over all respondents (population.jsonl of the aggregation). It reads the test
 * question's own overall answers, so it is no rival to a model that has never seen them; it is the reference
 * for the realistic case "a poll of the whole population exists, predict its subgroups". Its WD for a row is
 * also the group's distance from the population on that question, which the bias audit uses.
 */
import type { EvalRow, EvalSet } from './evaluate-sets.js';
import { jsonNumber, summarise, type Summary } from './evaluate-summary.js';
import type { SubpopRow } from './rows.js';
import { wasserstein } from './wasserstein.js';

export interface MarginalRow {
  set: string;
  qkey: string;
  wave: string;
  attribute: string;
  group: string;
  /** WD between the group's distribution and the population's. */
  wd: number;
}

export interface MarginalSetMetrics {
  name: string;
  file: string;
  rows: number;
  /** Rows without a population distribution (an external file's rows name no wave with respondents). */
  without_population: number;
  marginal: Summary | null;
}

const key = (wave: string, qkey: string): string => `${wave}\u0000${qkey}`;

/** Population rows by (wave, qkey); a question listed twice is an error naming the file. */
export function populationIndex(rows: readonly SubpopRow[], file: string): Map<string, SubpopRow> {
  const index = new Map<string, SubpopRow>();
  rows.forEach((r, i) => {
    const k = key(r.wave, r.qkey);
    if (index.has(k)) throw new Error(`${file}:${i + 1}: a second population row for ${r.qkey} (${r.wave})`);
    index.set(k, r);
  });
  return index;
}

/** The population row of an evaluated row, checked to be the same question; undefined when there is none. */
function populationOf(row: EvalRow, index: ReadonlyMap<string, SubpopRow>, file: string): SubpopRow | undefined {
  if (row.wave === null) return undefined;
  const pop = index.get(key(row.wave, row.qkey));
  if (!pop) return undefined;
  const same = pop.options.length === row.options.length && pop.options.every((o, i) => o === row.options[i]) && pop.ordinal.every((o, i) => o === row.ordinal[i]);
  if (!same) throw new Error(`${row.where}: ${row.qkey} (${row.wave}) has other options or ordinals than its population row in ${file}; rerun the aggregation`);
  return pop;
}

/** Scores every row of every set against the population marginal; sets with no population get null metrics. */
export function scoreMarginal(sets: readonly EvalSet[], index: ReadonlyMap<string, SubpopRow>, file: string): { rows: MarginalRow[]; sets: MarginalSetMetrics[] } {
  const rows: MarginalRow[] = [];
  const metrics = sets.map((set) => {
    const scored: MarginalRow[] = [];
    for (const row of set.rows) {
      const pop = populationOf(row, index, file);
      if (pop) scored.push({ set: set.name, qkey: row.qkey, wave: pop.wave, attribute: row.attribute, group: row.group, wd: wasserstein(row.responses, pop.responses, row.ordinal) });
    }
    rows.push(...scored);
    return {
      name: set.name,
      file: set.file,
      rows: set.rows.length,
      without_population: set.rows.length - scored.length,
      marginal: scored.length ? summarise(scored) : null,
    };
  });
  return { rows, sets: metrics };
}

/** One line of marginal.jsonl (schemas/marginal-rows.schema.json). */
export const marginalLine = (r: MarginalRow): string =>
  JSON.stringify({ set: r.set, qkey: r.qkey, wave: r.wave, attribute: r.attribute, group: r.group, wd: jsonNumber(r.wd) });
