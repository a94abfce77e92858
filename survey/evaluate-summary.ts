/**
 * Aggregation of per-row scores into the metrics the eval and bounds stages write: the micro mean over rows
 * (rows whose WD is undefined — no ordinal spread — are skipped for WD, as in the paper's notebook), then the
 * same per attribute and per (attribute, group). Groups and attributes come out sorted by code units, so the
 * output does not depend on the input order of the groups.
 */

/** Scores of one row; `kl` and `letter_mass` only for model predictions. */
export interface RowScores {
  attribute: string;
  group: string;
  wd: number;
  kl?: number;
  letter_mass?: number;
}

export interface Means {
  rows: number;
  /** Rows with a defined WD. */
  wd_rows: number;
  wd: number | null;
  kl?: number | null;
  letter_mass?: number | null;
}

export interface Summary extends Means {
  attributes: (Means & { attribute: string })[];
  groups: (Means & { attribute: string; group: string })[];
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function mean(values: readonly number[]): number | null {
  let sum = 0;
  for (const v of values) sum += v;
  return values.length ? sum / values.length : null;
}

/** Scores besides WD that a summary averages (all rows carry them). */
export type ExtraScore = 'kl' | 'letter_mass';

function means(rows: readonly RowScores[], extra: readonly ExtraScore[]): Means {
  const wds = rows.map((r) => r.wd).filter((v) => !Number.isNaN(v));
  const out: Means = { rows: rows.length, wd_rows: wds.length, wd: mean(wds) };
  for (const name of extra) {
    out[name] = mean(
      rows.map((r) => {
        const v = r[name];
        if (v === undefined) throw new Error(`summarise: a row of ${r.attribute}/${r.group} has no ${name}`);
        return v;
      }),
    );
  }
  return out;
}

function groupBy<K extends string>(rows: readonly RowScores[], key: (r: RowScores) => K): Map<K, RowScores[]> {
  const out = new Map<K, RowScores[]>();
  for (const r of rows) {
    const k = key(r);
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(r);
  }
  return out;
}

export function summarise(rows: readonly RowScores[], extra: readonly ExtraScore[] = []): Summary {
  const attributes = [...groupBy(rows, (r) => r.attribute)]
    .sort(([a], [b]) => byCodeUnits(a, b))
    .map(([attribute, list]) => ({ attribute, ...means(list, extra) }));
  const groups = [...groupBy(rows, (r) => `${r.attribute}\u0000${r.group}`)]
    .sort(([a], [b]) => byCodeUnits(a, b))
    .map(([, list]) => ({ attribute: list[0]!.attribute, group: list[0]!.group, ...means(list, extra) }));
  return { ...means(rows, extra), attributes, groups };
}

/** A number for JSON: NaN (undefined WD) becomes null. */
export const jsonNumber = (v: number): number | null => (Number.isNaN(v) ? null : v);

/** The overall means of a summary, without its breakdown by attribute and group. */
export function overall(s: Summary): Means {
  const { attributes: _a, groups: _g, ...means } = s;
  return means;
}
