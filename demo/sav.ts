/**
 * Writes a dataset as an SPSS system file through GNU PSPP: the dataset becomes a CSV file plus a PSPP syntax
 * file that reads it, labels it and saves it compressed. PSPP stamps the wall-clock date and time into the file
 * header; `stampHeader` overwrites them so that the same data always gives the same bytes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { withAtomicFile } from '../lib/atomic.js';

/** Value labels in code order: [code, label]. */
export type ValueLabels = readonly (readonly [number, string])[];

export interface Variable {
  readonly name: string;
  /** Variable label; SPSS keeps at most 255 bytes. */
  readonly label?: string;
  /** Print/write format, e.g. `F2.0`, `F10.6`, `DATETIME20`. */
  readonly format: string;
  readonly valueLabels?: ValueLabels;
  /** Declared user-missing values in PSPP syntax, e.g. `-100 THRU -97`. */
  readonly missing?: string;
  /** One value per case; null is system-missing. */
  readonly values: readonly (number | null)[];
}

export interface Dataset {
  /** File label stored in the header (at most 64 bytes). */
  readonly label: string;
  readonly variables: readonly Variable[];
}

export function caseCount(ds: Dataset): number {
  return ds.variables[0]?.values.length ?? 0;
}

function check(ds: Dataset): void {
  const n = caseCount(ds);
  const seen = new Set<string>();
  if (Buffer.byteLength(ds.label) > 64) throw new Error(`${ds.label}: file label longer than 64 bytes`);
  for (const v of ds.variables) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(v.name)) throw new Error(`${ds.label}: bad variable name ${JSON.stringify(v.name)}`);
    if (seen.has(v.name.toUpperCase())) throw new Error(`${ds.label}: duplicate variable ${v.name}`);
    seen.add(v.name.toUpperCase());
    if (v.values.length !== n) throw new Error(`${ds.label}: ${v.name} has ${v.values.length} values, expected ${n}`);
    if (v.label !== undefined && Buffer.byteLength(v.label) > 255) throw new Error(`${ds.label}: label of ${v.name} is longer than 255 bytes`);
    for (const x of v.values) {
      if (x !== null && !Number.isFinite(x)) throw new Error(`${ds.label}: ${v.name} holds ${x}`);
    }
  }
}

const quote = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** PSPP syntax that reads `dataFile` (from `dataCsv`) and saves the system file `outFile`. */
export function psppSyntax(ds: Dataset, dataFile: string, outFile: string): string {
  check(ds);
  const lines: string[] = [];
  // Read every column with no implied decimals; the display formats are set afterwards.
  lines.push(`DATA LIST LIST (',') FILE=${quote(dataFile)} ENCODING='UTF-8'`);
  lines.push(`  / ${ds.variables.map((v) => `${v.name} (F40.0)`).join('\n    ')}.`);
  lines.push(...ds.variables.map((v) => `FORMATS ${v.name} (${v.format}).`));
  for (const v of ds.variables) {
    if (v.label !== undefined) lines.push(`VARIABLE LABELS ${v.name} ${quote(v.label)}.`);
    if (v.valueLabels?.length) {
      lines.push(`VALUE LABELS ${v.name} ${v.valueLabels.map(([code, text]) => `${code} ${quote(text)}`).join(' ')}.`);
    }
    if (v.missing) lines.push(`MISSING VALUES ${v.name} (${v.missing}).`);
  }
  // Categorical variables are nominal, as in Pew's and NORC's files; the rest keep PSPP's default, scale.
  const nominal = ds.variables.filter((v) => v.valueLabels?.length).map((v) => v.name);
  if (nominal.length) lines.push(`VARIABLE LEVEL ${nominal.join(' ')} (NOMINAL).`);
  lines.push(`FILE LABEL ${quote(ds.label)}.`);
  lines.push(`SAVE OUTFILE=${quote(outFile)} /COMPRESSED.`);
  return lines.join('\n') + '\n';
}

/** One CSV line per case; system-missing is an empty field. Numbers print in shortest round-trip form. */
export function dataCsv(ds: Dataset): string {
  const n = caseCount(ds);
  const rows: string[] = [];
  for (let i = 0; i < n; i++) rows.push(ds.variables.map((v) => (v.values[i] === null ? '' : String(v.values[i]))).join(','));
  return rows.join('\n') + '\n';
}

/**
 * The file header record of a system file (PSPP manual, "System File Format", "File Header Record"): rec_type
 * char[4] at 0, prod_name char[60] at 4, layout_code, nominal_case_size, compression, weight_index and ncases
 * (int32 each) at 64-83, bias flt64 at 84, creation_date char[9] "dd mmm yy" at 92, creation_time char[8]
 * "hh:mm:ss" at 101, file_label char[64] at 109, padding char[3] at 173.
 */
export const headerLayout = { creationDate: 92, creationTime: 101, fileLabel: 109, size: 176 } as const;
export const fixedCreation = { date: '01 Jan 25', time: '00:00:00' } as const;

export function stampHeader(file: Buffer, where: string): void {
  const magic = file.subarray(0, 4).toString('latin1');
  if (magic !== '$FL2' && magic !== '$FL3') throw new Error(`${where}: byte 0: not an SPSS system file (${JSON.stringify(magic)})`);
  if (file.length < headerLayout.size) throw new Error(`${where}: byte ${file.length}: header truncated`);
  file.write(fixedCreation.date, headerLayout.creationDate, 'latin1');
  file.write(fixedCreation.time, headerLayout.creationTime, 'latin1');
}

/** Runs PSPP on the dataset and puts the stamped .sav at `outFile` atomically. */
export async function writeSav(ds: Dataset, outFile: string, pspp = 'pspp'): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-sav-'));
  try {
    const data = path.join(work, 'data.csv');
    const syntax = path.join(work, 'save.sps');
    const saved = path.join(work, 'out.sav');
    fs.writeFileSync(data, dataCsv(ds));
    fs.writeFileSync(syntax, psppSyntax(ds, data, saved));
    let log: string;
    try {
      log = execFileSync(pspp, ['-b', syntax], { env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' }, encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`${outFile}: PSPP failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
    // PSPP reports unreadable data as a warning and carries on with a system-missing value.
    if (/\b(warning|error):/.test(log)) throw new Error(`${outFile}: PSPP reported problems:\n${log}`);
    const bytes = fs.readFileSync(saved);
    stampHeader(bytes, saved);
    await withAtomicFile(outFile, (tmp) => fs.writeFileSync(tmp, bytes));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** True when the PSPP executable runs. */
export function psppAvailable(pspp = 'pspp'): boolean {
  try {
    execFileSync(pspp, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
