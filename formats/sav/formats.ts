/** SPSS print/write formats: the packed int32 of a variable record, and which formats hold dates and times. */

export interface SavFormat {
  /** Format name, e.g. `F`, `A`, `DATETIME`. */
  type: string;
  width: number;
  decimals: number;
}

const FORMAT_NAMES: Record<number, string> = {
  1: 'A', 2: 'AHEX', 3: 'COMMA', 4: 'DOLLAR', 5: 'F', 6: 'IB', 7: 'PIBHEX', 8: 'P', 9: 'PIB', 10: 'PK', 11: 'RB',
  12: 'RBHEX', 15: 'Z', 16: 'N', 17: 'E', 20: 'DATE', 21: 'TIME', 22: 'DATETIME', 23: 'ADATE', 24: 'JDATE',
  25: 'DTIME', 26: 'WKDAY', 27: 'MONTH', 28: 'MOYR', 29: 'QYR', 30: 'WKYR', 31: 'PCT', 32: 'DOT', 33: 'CCA',
  34: 'CCB', 35: 'CCC', 36: 'CCD', 37: 'CCE', 38: 'EDATE', 39: 'SDATE', 40: 'MTIME', 41: 'YMDHMS',
};

/** Decodes a packed format; an unknown type (seen in the wild as 0) becomes F or A by variable type. */
export function unpackFormat(packed: number, isString: boolean): SavFormat {
  const type = FORMAT_NAMES[(packed >>> 16) & 0xff] ?? (isString ? 'A' : 'F');
  return { type, width: (packed >>> 8) & 0xff, decimals: packed & 0xff };
}

/** PSPP's spelling: `A5`, `AHEX10` for strings, `F8.0`, `DATETIME20.0` for numbers. */
export function formatToString(f: SavFormat): string {
  return f.type === 'A' || f.type === 'AHEX' ? `${f.type}${f.width}` : `${f.type}${f.width}.${f.decimals}`;
}

/** How a numeric value of this format is rendered as ISO 8601: a date, a date-time, a duration, or not at all. */
export type TemporalKind = 'date' | 'datetime' | 'time' | null;

const TEMPORAL: Record<string, TemporalKind> = {
  DATE: 'date', ADATE: 'date', EDATE: 'date', SDATE: 'date', JDATE: 'date', MOYR: 'date', QYR: 'date', WKYR: 'date',
  DATETIME: 'datetime', YMDHMS: 'datetime',
  TIME: 'time', DTIME: 'time', MTIME: 'time',
};

export function temporalKind(f: SavFormat): TemporalKind {
  return TEMPORAL[f.type] ?? null;
}
