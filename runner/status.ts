/** `pipe status` and `pipe run --dry-run`: each stage's state and why, as old → new. */
import { newestCheckpoint } from './checkpoints.js';
import type { StageState } from './plan.js';

export interface StatusRow {
  stage: string;
  state: StageState['state'];
  reasons: string[];
  /** The Slurm job a run in progress submitted for the stage. */
  job?: { id: string; state: string };
  /** The checkpoint a run of the stage would resume from: what it holds and when it was saved. */
  resumable?: { at: string; savedAt: string };
}

/** A stage's row; with the project's state folder, stages that will run say which checkpoint they resume from. */
export function statusRow(stage: string, s: StageState, stateDir?: string): StatusRow {
  const resumable = (fp: string): Pick<StatusRow, 'resumable'> => {
    const c = stateDir === undefined ? undefined : newestCheckpoint(stateDir, fp);
    return c ? { resumable: { at: c.at, savedAt: c.savedAt } } : {};
  };
  switch (s.state) {
    case 'restorable':
      return { stage, state: s.state, reasons: s.reasons };
    case 'will-run':
      return { stage, state: s.state, reasons: s.reasons, ...resumable(s.fp) };
    case 'forced':
      return { stage, state: s.state, reasons: ['--force'], ...resumable(s.fp) };
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

/** "35 s", "2 min", "3 h": how long ago, roughly. */
function age(iso: string, now: number): string {
  const seconds = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 120 * 60) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

export function formatStatus(rows: readonly StatusRow[], verbose: boolean, now = Date.now()): string {
  const lines: string[] = [];
  for (const r of rows) {
    if (r.state === 'up-to-date' && !verbose) continue;
    lines.push(
      LABEL[r.state].replace('{}', r.stage) +
        (r.resumable ? `, resumable from ${r.resumable.at} (checkpoint ${age(r.resumable.savedAt, now)} old)` : '') +
        (r.job ? ` (Slurm job ${r.job.id}: ${r.job.state})` : ''),
    );
    for (const why of r.reasons) lines.push(`    ${why}`);
  }
  const upToDate = rows.filter((r) => r.state === 'up-to-date').length;
  if (upToDate === rows.length) lines.push(`Everything is up to date (${rows.length} stages).`);
  else if (!verbose && upToDate) lines.push(`(${upToDate} more up to date)`);
  return `${lines.join('\n')}\n`;
}
