/** CSV text (RFC 4180 quoting, LF line ends) for the cases of a system file. */
import type { CaseBatch } from './cases.js';
import { isoTemporal } from './datetime.js';
import type { SavDictionary, SavVariable } from './dictionary.js';
import { temporalKind } from './formats.js';

export interface CsvOptions {
  /** Write a value's label instead of the value where the variable labels it. */
  labels?: boolean;
}

export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

type CellFormatter = (column: Float64Array | string[], row: number) => string;

function numberText(v: SavVariable): (x: number) => string {
  const kind = temporalKind(v.print);
  if (kind) return (x) => isoTemporal(x, kind, v.print.decimals);
  return (x) => (Number.isNaN(x) ? '' : String(x));
}

function cellFormatter(v: SavVariable, labels: boolean): CellFormatter {
  const labelOf = labels && v.valueLabels.length ? new Map(v.valueLabels.map((l) => [l.value, csvField(l.label)])) : null;
  if (v.type === 'string') {
    return labelOf
      ? (c, i) => labelOf.get((c as string[])[i]) ?? csvField((c as string[])[i])
      : (c, i) => csvField((c as string[])[i]);
  }
  const text = numberText(v);
  return labelOf ? (c, i) => labelOf.get((c as Float64Array)[i]) ?? text((c as Float64Array)[i]) : (c, i) => text((c as Float64Array)[i]);
}

export function csvHeader(dict: SavDictionary): string {
  return `${dict.variables.map((v) => csvField(v.name)).join(',')}\n`;
}

/** Returns a function that renders one batch (all variables decoded) as CSV lines. */
export function csvBatchWriter(dict: SavDictionary, options: CsvOptions = {}): (batch: CaseBatch) => string {
  const formatters = dict.variables.map((v) => cellFormatter(v, options.labels ?? false));
  return (batch) => {
    const lines: string[] = new Array(batch.length);
    const cells: string[] = new Array(formatters.length);
    for (let i = 0; i < batch.length; i++) {
      for (let j = 0; j < formatters.length; j++) cells[j] = formatters[j](batch.columns[j]!, i);
      lines[i] = cells.join(',');
    }
    return batch.length ? `${lines.join('\n')}\n` : '';
  };
}
