/**
 * The bias audit of one model: which groups it serves well or badly, and whether fine-tuning narrows or
 * widens the gap between them.
 *
 * Per evaluation set and group: the mean WD of the zero-shot and fine-tuned predictions, the group's size
 * (mean respondents behind its rows) and its distance from the population (mean WD between the group's and
 * all respondents' distributions, survey/marginal.ts). Per attribute: the best- and worst-served group and
 * the gap between them (worst − best mean WD), zero-shot and fine-tuned; the change of the gap says whether
 * fine-tuning narrowed it (negative) or widened it. Per set: Pearson's correlation, over groups, of each run's
 * WD with log10(size) and with the distance. Only rows with a defined WD count.
 */
/** One evaluated row, joined with its size and distance (null where unknown, e.g. an external file). */
export interface AuditRow {
  set: string;
  attribute: string;
  group: string;
  zero_shot: number;
  fine_tuned: number;
  n_respondents: number | null;
  distance: number | null;
}

export interface AuditGroup {
  attribute: string;
  group: string;
  rows: number;
  respondents: number | null;
  distance: number | null;
  zero_shot: number;
  fine_tuned: number;
}

export interface Extremes {
  best: { group: string; wd: number };
  worst: { group: string; wd: number };
  gap: number;
}

export interface AuditAttribute {
  attribute: string;
  groups: number;
  zero_shot: Extremes;
  fine_tuned: Extremes;
  /** Fine-tuned gap − zero-shot gap: negative when fine-tuning narrowed it. */
  gap_change: number;
}

export interface Correlations {
  size: number | null;
  distance: number | null;
}

export interface AuditSet {
  name: string;
  groups: AuditGroup[];
  attributes: AuditAttribute[];
  correlations: { zero_shot: Correlations; fine_tuned: Correlations };
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function mean(values: readonly number[]): number | null {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

/** Pearson's r; null with fewer than three points or no spread on either side. */
export function pearson(xs: readonly number[], ys: readonly number[]): number | null {
  const n = xs.length;
  if (n < 3 || ys.length !== n) return null;
  const mx = mean(xs)!;
  const my = mean(ys)!;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  // Clamped: rounding can take a perfect correlation a hair past ±1.
  return sxx > 0 && syy > 0 ? Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy))) : null;
}

/** Best (lowest mean WD) and worst group; among equal WDs the group name first in code-unit order is best. */
function extremes(groups: readonly AuditGroup[], run: 'zero_shot' | 'fine_tuned'): Extremes {
  const sorted = [...groups].sort((a, b) => a[run] - b[run] || byCodeUnits(a.group, b.group));
  const best = sorted[0]!;
  const worst = sorted[sorted.length - 1]!;
  return { best: { group: best.group, wd: best[run] }, worst: { group: worst.group, wd: worst[run] }, gap: worst[run] - best[run] };
}

/** Groups known on one side only (no size or no distance) are left out of that correlation. */
function correlations(groups: readonly AuditGroup[], run: 'zero_shot' | 'fine_tuned'): Correlations {
  const sized = groups.filter((g) => g.respondents !== null && g.respondents > 0);
  const placed = groups.filter((g) => g.distance !== null);
  return {
    size: pearson(sized.map((g) => Math.log10(g.respondents!)), sized.map((g) => g[run])),
    distance: pearson(placed.map((g) => g.distance!), placed.map((g) => g[run])),
  };
}

/** The audit of every set, in first-appearance order of the sets; groups and attributes sorted by code units. */
export function audit(rows: readonly AuditRow[]): AuditSet[] {
  const sets = [...new Set(rows.map((r) => r.set))];
  return sets.map((name) => {
    const defined = rows.filter((r) => r.set === name && !Number.isNaN(r.zero_shot) && !Number.isNaN(r.fine_tuned));
    const byGroup = new Map<string, AuditRow[]>();
    for (const r of defined) {
      const k = `${r.attribute}\u0000${r.group}`;
      const list = byGroup.get(k);
      if (list) list.push(r);
      else byGroup.set(k, [r]);
    }
    const groups = [...byGroup.keys()].sort(byCodeUnits).map((k): AuditGroup => {
      const list = byGroup.get(k)!;
      const known = <T>(values: (T | null)[]) => (values.every((v) => v !== null) ? (values as T[]) : null);
      const sizes = known(list.map((r) => r.n_respondents));
      const distances = known(list.map((r) => r.distance));
      return {
        attribute: list[0]!.attribute,
        group: list[0]!.group,
        rows: list.length,
        respondents: sizes && mean(sizes),
        distance: distances && mean(distances),
        zero_shot: mean(list.map((r) => r.zero_shot))!,
        fine_tuned: mean(list.map((r) => r.fine_tuned))!,
      };
    });
    const attributes = [...new Set(groups.map((g) => g.attribute))]
      .map((attribute) => groups.filter((g) => g.attribute === attribute))
      .filter((list) => list.length >= 2)
      .map((list): AuditAttribute => {
        const zeroShot = extremes(list, 'zero_shot');
        const fineTuned = extremes(list, 'fine_tuned');
        return { attribute: list[0]!.attribute, groups: list.length, zero_shot: zeroShot, fine_tuned: fineTuned, gap_change: fineTuned.gap - zeroShot.gap };
      });
    return { name, groups, attributes, correlations: { zero_shot: correlations(groups, 'zero_shot'), fine_tuned: correlations(groups, 'fine_tuned') } };
  });
}

/** What a prediction line, a bounds line and a marginal line share: the row they score. */
export interface RowKey {
  set: string;
  qkey: string;
  wave: string | null;
  attribute: string;
  group: string;
}

export const rowKey = (r: RowKey): string => [r.set, r.wave ?? '', r.qkey, r.attribute, r.group].join('\u0000');

interface PredictionLine extends RowKey {
  zero_shot: { wd: number | null };
  fine_tuned: { wd: number | null };
}

/** Joins a model's predictions with the bounds' respondent counts and the marginal's distances, by row. */
export function auditRows(
  predictions: readonly PredictionLine[],
  sizes: ReadonlyMap<string, number | null>,
  distances: ReadonlyMap<string, number | null>,
): AuditRow[] {
  const nan = (v: number | null) => (v === null ? Number.NaN : v);
  return predictions.map((p) => {
    const k = rowKey(p);
    const distance = distances.get(k);
    return {
      set: p.set,
      attribute: p.attribute,
      group: p.group,
      zero_shot: nan(p.zero_shot.wd),
      fine_tuned: nan(p.fine_tuned.wd),
      n_respondents: sizes.get(k) ?? null,
      // A row whose distance is undefined (no ordinal spread) has no defined model WD either.
      distance: distance === undefined ? null : distance,
    };
  });
}
