/**
 * Download progress for scripts run from a terminal: a redrawn bar with bytes, rate and ETA on a TTY, and
 * plain lines at a slow pace otherwise (logs, CI). Stages report through `ctx.progress` instead, which the
 * runner renders.
 */
import type { Progress } from '../runner/stage.js';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressPrinterOptions {
  now?: () => number;
  /** Minimum time between two outputs: TTY redraws default to 100 ms, plain lines to 5 s. */
  intervalMs?: number;
}

export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return i === 0 ? `${Math.round(n)} B` : `${n.toFixed(1)} ${units[i]}`;
}

export function formatDuration(seconds: number): string {
  const s = Math.ceil(seconds);
  const [h, m, r] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const pad = (x: number) => String(x).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(r)}` : `${m}:${pad(r)}`;
}

/** `label [####------] 45.0 MB / 100.0 MB  10.0 MB/s  ETA 0:06  note`, leaving out what is unknown. */
export function progressLine(label: string, p: Progress, bytesPerSecond: number | undefined, barWidth = 20): string {
  const parts: string[] = [];
  if (p.total !== undefined && p.total > 0) {
    const filled = Math.min(barWidth, Math.floor((p.done / p.total) * barWidth));
    parts.push(`[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]`, `${formatBytes(p.done)} / ${formatBytes(p.total)}`);
  } else {
    parts.push(formatBytes(p.done));
  }
  if (bytesPerSecond !== undefined && bytesPerSecond > 0) {
    parts.push(`${formatBytes(bytesPerSecond)}/s`);
    if (p.total !== undefined && p.total > p.done) parts.push(`ETA ${formatDuration((p.total - p.done) / bytesPerSecond)}`);
  }
  if (p.note) parts.push(p.note);
  return `${label} ${parts.join('  ')}`;
}

export interface ProgressPrinter {
  update(p: Progress): void;
  /** Prints the final state and ends a TTY line. */
  finish(): void;
}

export function progressPrinter(label: string, out: ProgressStream = process.stderr, options: ProgressPrinterOptions = {}): ProgressPrinter {
  const now = options.now ?? Date.now;
  const tty = out.isTTY === true;
  const interval = options.intervalMs ?? (tty ? 100 : 5000);
  let start: { t: number; done: number } | undefined;
  let last: Progress | undefined;
  let shownAt = -Infinity;
  let shownNote: string | undefined;

  const render = (p: Progress) => {
    const t = now();
    const elapsed = start ? (t - start.t) / 1000 : 0;
    const rate = elapsed > 0 ? (p.done - start!.done) / elapsed : undefined;
    const line = progressLine(label, p, rate);
    if (tty) {
      const width = out.columns ?? 80;
      out.write(`\r${line.slice(0, width - 1).padEnd(width - 1)}`);
    } else {
      out.write(`${line}\n`);
    }
    shownAt = t;
    shownNote = p.note;
  };

  return {
    update(p) {
      const t = now();
      // The rate counts from the first report, and again from a restart (done going down).
      if (!start || (last && p.done < last.done)) start = { t, done: p.done };
      last = p;
      const newNote = p.note !== undefined && p.note !== shownNote;
      if (newNote || t - shownAt >= interval) render(p);
    },
    finish() {
      if (last) render(last);
      if (tty && last) out.write('\n');
    },
  };
}
