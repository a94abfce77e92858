/** Subpopulation rows for tests that need a few by hand. */
import type { AuditRow } from '../../survey/audit.js';
import type { SubpopRow } from '../../survey/rows.js';

/** One group's answers to a Favor/Oppose question; `over` replaces any field. */
export const subpopRow = (over: Partial<SubpopRow> = {}): SubpopRow => ({
  qkey: 'Q1_W1',
  wave: 'ATP_W1',
  attribute: 'POLIDEOLOGY',
  group: 'Liberal',
  question: 'Do you favor the plan?',
  options: ['Favor', 'Oppose', 'Refused'],
  ordinal: [1, 2],
  responses: [0.5, 0.5],
  refusal_rate: 0,
  n_respondents: 1,
  weight_sum: 1,
  ...over,
});

/** One row of a bias audit: a set's row of a group with its two WDs, size and distance from the population. */
export const auditRow = (set: string, attribute: string, group: string, zero_shot: number, fine_tuned: number, n: number | null, distance: number | null): AuditRow => ({
  set,
  attribute,
  group,
  zero_shot,
  fine_tuned,
  n_respondents: n,
  distance,
});
