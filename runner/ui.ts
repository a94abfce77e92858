/**
 * What `pipe run` prints. Stage output is prefixed with the stage name. On a terminal a live footer shows the
 * running stages with their elapsed time and progress; elsewhere (CI, pipes) progress becomes a plain line at
 * most every PLAIN_PROGRESS_MS per stage.
 */
import type { StageEvents } from './execute.js';
import type { StageOutcome } from './run.js';
import { describeHolder, type Holder } from './locks.js';
import type { Progress } from './stage.js';

const PLAIN_PROGRESS_MS = 10_000;
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m < 60 ? `${m}m${String(s).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function formatAmount(n: number, unit?: string): string {
  if (unit !== 'B') return `${Number.isInteger(n) ? n : n.toFixed(1)}${unit ? ` ${unit}` : ''}`;
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i += 1;
  }
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
}

export function formatProgress(p: Progress, elapsedS: number): string {
  const parts: string[] = [];
  if (p.total) {
    const frac = Math.min(1, p.done / p.total);
    parts.push(`${formatAmount(p.done, p.unit)}/${formatAmount(p.total, p.unit)} (${Math.round(frac * 100)}%)`);
    if (frac > 0 && frac < 1 && elapsedS > 1) parts.push(`ETA ${formatDuration((elapsedS / frac) * (1 - frac))}`);
  } else parts.push(formatAmount(p.done, p.unit));
  if (p.note) parts.push(p.note);
  return parts.join(' · ');
}

interface Running {
  since: number;
  action: 'run' | 'restore';
  progress?: Progress;
  progressSince?: number;
  lastPlain: number;
  partial: { stdout: string; stderr: string };
}

export interface ReporterOptions {
  live: boolean;
  verbose: boolean;
  out?: NodeJS.WriteStream | NodeJS.WritableStream;
}

export class Reporter implements StageEvents {
  private running = new Map<string, Running>();
  private footerLines = 0;
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly out: NodeJS.WritableStream;
  counts = { ran: 0, restored: 0, upToDate: 0, failed: 0, skipped: 0 };

  constructor(private readonly options: ReporterOptions) {
    this.out = options.out ?? process.stdout;
    if (options.live) {
      this.timer = setInterval(() => this.redraw(), 100);
      this.timer.unref();
    }
  }

  private write(text: string): void {
    if (!this.options.live) {
      this.out.write(text);
      return;
    }
    this.clearFooter();
    this.out.write(text);
    this.drawFooter();
  }

  line(text: string): void {
    this.write(`${text}\n`);
  }

  /** `holder` is the process holding the stage's outputs, or a description of what the stage waits for. */
  waiting(stage: string, holder: Holder | string): void {
    this.line(`… ${stage}: waiting for ${typeof holder === 'string' ? holder : `its outputs, locked by ${describeHolder(holder)}`}`);
  }

  /** `where` says where a stage runs when it is not this process's machine, e.g. "Slurm job 12". */
  started(stage: string, action: 'run' | 'restore', where?: string): void {
    this.running.set(stage, { since: Date.now(), action, lastPlain: Date.now(), partial: { stdout: '', stderr: '' } });
    if (!this.options.live) this.line(`▶ ${stage}: ${action === 'run' ? 'running' : 'restoring from the run cache'}${where ? ` (${where})` : ''}`);
  }

  output(stage: string, text: string, stream: 'stdout' | 'stderr'): void {
    const r = this.running.get(stage);
    const pending = (r?.partial[stream] ?? '') + text;
    const lines = pending.split('\n');
    const rest = lines.pop()!;
    if (r) r.partial[stream] = rest;
    else if (rest) lines.push(rest);
    if (lines.length) this.write(lines.map((l) => `${stage} │ ${l.replace(/\r/g, '')}\n`).join(''));
  }

  progress(stage: string, p: Progress): void {
    const r = this.running.get(stage);
    if (!r) return;
    r.progress = p;
    r.progressSince ??= Date.now();
    if (!this.options.live && Date.now() - r.lastPlain >= PLAIN_PROGRESS_MS) {
      r.lastPlain = Date.now();
      this.line(`${stage} │ … ${formatProgress(p, (Date.now() - r.progressSince) / 1000)}`);
    }
  }

  ended(stage: string, outcome: StageOutcome): void {
    const r = this.running.get(stage);
    if (r) for (const s of ['stdout', 'stderr'] as const) if (r.partial[s]) this.output(stage, '\n', s);
    this.running.delete(stage);
    switch (outcome.status) {
      case 'up-to-date':
        this.counts.upToDate += 1;
        if (this.options.verbose) this.line(`= ${stage}: up to date`);
        break;
      case 'restored':
        this.counts.restored += 1;
        this.line(
          outcome.inPlace
            ? `↺ ${stage}: outputs already match a cached run; recorded it`
            : `↺ ${stage}: restored from the run cache (ran ${outcome.record.ranAt.replace('T', ' ').slice(0, 19)} on ${outcome.record.host} in ${formatDuration(outcome.record.seconds)}), not recomputed`,
        );
        break;
      case 'ran':
        this.counts.ran += 1;
        this.line(`✓ ${stage}: ran in ${formatDuration(outcome.seconds)}`);
        break;
      case 'failed':
        this.counts.failed += 1;
        this.line(`✗ ${stage}: failed, ${outcome.message}${outcome.log ? ` — log: ${outcome.log}` : ''}`);
        break;
      case 'cancelled':
        this.counts.failed += 1;
        this.line(`✗ ${stage}: cancelled`);
        break;
      case 'skipped':
        this.counts.skipped += 1;
        this.line(`- ${stage}: not run, ${outcome.because}`);
        break;
    }
  }

  summary(seconds: number): void {
    const c = this.counts;
    const parts = [`${c.ran} ran`, `${c.restored} restored`, `${c.upToDate} up to date`];
    if (c.failed) parts.push(`${c.failed} failed`);
    if (c.skipped) parts.push(`${c.skipped} not run`);
    this.line(`${parts.join(', ')} (${formatDuration(seconds)})`);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.clearFooter();
  }

  private clearFooter(): void {
    if (this.footerLines) this.out.write(`\x1b[${this.footerLines}A\x1b[J`);
    this.footerLines = 0;
  }

  private drawFooter(): void {
    const now = Date.now();
    const columns = (this.out as NodeJS.WriteStream).columns ?? 100;
    const lines = [...this.running].map(([name, r]) => {
      const elapsed = (now - r.since) / 1000;
      const what = r.progress ? formatProgress(r.progress, (now - (r.progressSince ?? r.since)) / 1000) : r.action === 'restore' ? 'restoring' : '';
      return `${FRAMES[this.frame % FRAMES.length]} ${name}  ${formatDuration(elapsed)}  ${what}`.slice(0, columns - 1);
    });
    if (lines.length) this.out.write(`${lines.join('\n')}\n`);
    this.footerLines = lines.length;
  }

  private redraw(): void {
    if (this.running.size === 0 && this.footerLines === 0) return;
    this.frame += 1;
    this.clearFooter();
    this.drawFooter();
  }
}
