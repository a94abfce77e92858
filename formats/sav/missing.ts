/** Tests for missing values: system-missing (NaN in a batch) and the variable's user-missing values. */
import type { SavVariable } from './dictionary.js';

/** True for system-missing and user-missing numbers of `v`. */
export function isMissingNumber(v: SavVariable): (x: number) => boolean {
  const m = v.missing;
  if (!m || m.type !== 'numeric') return Number.isNaN;
  const values = m.values;
  const low = m.range?.low ?? NaN;
  const high = m.range?.high ?? NaN;
  return (x) => Number.isNaN(x) || values.includes(x) || (x >= low && x <= high);
}

/** True for user-missing strings of `v` (strings have no system-missing value). */
export function isMissingString(v: SavVariable): (s: string) => boolean {
  const m = v.missing;
  if (!m || m.type !== 'string') return () => false;
  const values = new Set(m.values);
  return (s) => values.has(s);
}
