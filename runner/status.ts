/** `pipe status` and `pipe run --dry-run`: each stage's state and why, as old → new. */
import type { StageState } from './plan.js';

export interface StatusRow {
  stage: string;
  state: StageState['state'];
  reasons: string[];
  /** The Slurm job a run in progress submitted for the stage. */
  job?: { id: string; state: string };
}

export function statusRow(stage: string, s: StageState): StatusRow {
  switch (s.state) {
    case 'restorable':
    case 'will-run':
      return { stage, state: s.state, reasons: s.reasons };
    case 'forced':
      return { stage, state: s.state, reasons: ['--force'] };
    case 'waits':
      return { stage, state: s.state, reasons: s.on.map((u) => `upstream ${u} will change first`) };
    case 'missing-deps':
      return { stage, state: s.state, reasons: s.missing.map((m) => `missing dependency ${m}`) };
    default:
      return { stage, state: s.state, reasons: [] };
  }
}

const LABEL: Record<StageState['state'], string> = {
  'up-to-date': '= {} up to date',
  restorable: '↺ {} restorable from the run cache',
  'will-run': '▶ {} will run',
  forced: '▶ {} will run',
  waits: '… {} may run',
  'missing-deps': '✗ {} cannot run',
};

export function formatStatus(rows: readonly StatusRow[], verbose: boolean): string {
  const lines: string[] = [];
  for (const r of rows) {
    if (r.state === 'up-to-date' && !verbose) continue;
    lines.push(LABEL[r.state].replace('{}', r.stage) + (r.job ? ` (Slurm job ${r.job.id}: ${r.job.state})` : ''));
    for (const why of r.reasons) lines.push(`    ${why}`);
  }
  const upToDate = rows.filter((r) => r.state === 'up-to-date').length;
  if (upToDate === rows.length) lines.push(`Everything is up to date (${rows.length} stages).`);
  else if (!verbose && upToDate) lines.push(`(${upToDate} more up to date)`);
  return `${lines.join('\n')}\n`;
}
