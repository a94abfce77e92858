/**
 * Metrics: the numbers in a stage's `metrics:` JSON outputs, flattened to dotted keys and recorded in
 * pipe.lock, so that `pipe metrics --diff REV` can compare against any git revision without its artifacts.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { StageInstance } from './config.js';
import { parseLock, LOCK_FILE, type LockFile } from './lockfile.js';
import type { Project } from './project.js';

export type MetricTable = Record<string, Record<string, number>>;

/** Numeric leaves of a JSON value as `a.b.0.c` → number. */
export function flattenNumbers(value: unknown, prefix = '', out: Record<string, number> = {}): Record<string, number> {
  if (typeof value === 'number' && Number.isFinite(value)) out[prefix] = value;
  else if (Array.isArray(value)) value.forEach((v, i) => flattenNumbers(v, prefix ? `${prefix}.${i}` : String(i), out));
  else if (value !== null && typeof value === 'object') {
    for (const k of Object.keys(value).sort()) flattenNumbers((value as Record<string, unknown>)[k], prefix ? `${prefix}.${k}` : k, out);
  }
  return out;
}

export function readMetrics(project: Project, stage: StageInstance): MetricTable {
  const table: MetricTable = {};
  for (const file of stage.metrics) {
    let data: unknown;
    try {
      data = JSON.parse(fs.readFileSync(project.abs(file), 'utf8'));
    } catch (err) {
      throw new Error(`${file}: metrics file is not readable JSON (${(err as Error).message})`);
    }
    table[file] = flattenNumbers(data);
  }
  return table;
}

export function lockMetrics(lock: LockFile): MetricTable {
  const table: MetricTable = {};
  for (const entry of Object.values(lock.stages)) Object.assign(table, entry.metrics ?? {});
  return table;
}

/** pipe.lock's metrics as of a git revision. */
export async function metricsAtRevision(root: string, rev: string): Promise<MetricTable> {
  let top: string;
  let text: string;
  try {
    top = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    const rel = path.relative(top, path.join(root, LOCK_FILE)).split(path.sep).join('/');
    text = execFileSync('git', ['show', `${rev}:${rel}`], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    if (/does not exist|exists on disk, but not in/.test(stderr)) return {};
    throw new Error(`cannot read ${LOCK_FILE} at revision ${rev}: ${stderr || (err as Error).message}`);
  }
  return lockMetrics(await parseLock(text, `${rev}:${LOCK_FILE}`));
}

const fmt = (v: number | undefined): string => (v === undefined ? '—' : Number.isInteger(v) ? String(v) : Number(v.toPrecision(6)).toString());

function delta(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined) return '—';
  const d = b - a;
  if (d === 0) return '0';
  const rel = a !== 0 ? ` (${d > 0 ? '+' : ''}${((d / Math.abs(a)) * 100).toFixed(1)}%)` : '';
  return `${d > 0 ? '+' : ''}${fmt(d)}${rel}`;
}

export interface MetricRow {
  file: string;
  metric: string;
  old?: number;
  new?: number;
}

export function metricRows(now: MetricTable, before?: MetricTable): MetricRow[] {
  const files = [...new Set([...Object.keys(now), ...Object.keys(before ?? {})])].sort();
  const rows: MetricRow[] = [];
  for (const file of files) {
    const a = before?.[file] ?? {};
    const b = now[file] ?? {};
    for (const metric of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      rows.push({ file, metric, ...(before && a[metric] !== undefined ? { old: a[metric] } : {}), ...(b[metric] !== undefined ? { new: b[metric] } : {}) });
    }
  }
  return rows;
}

/** A Markdown table of metrics, with old, new and change columns when `rev` is given. */
export function metricsMarkdown(rows: readonly MetricRow[], rev?: string): string {
  if (rows.length === 0) return 'No metrics recorded.\n';
  const lines = rev ? [`| File | Metric | ${rev} | workspace | Change |`, '|---|---|---:|---:|---:|'] : ['| File | Metric | Value |', '|---|---|---:|'];
  for (const r of rows) {
    lines.push(rev ? `| ${r.file} | ${r.metric} | ${fmt(r.old)} | ${fmt(r.new)} | ${delta(r.old, r.new)} |` : `| ${r.file} | ${r.metric} | ${fmt(r.new)} |`);
  }
  return `${lines.join('\n')}\n`;
}
