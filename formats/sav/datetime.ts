/**
 * SPSS dates and times as ISO 8601 text. SPSS stores a date as seconds since 1582-10-14 00:00:00 (Gregorian)
 * and a time or duration as plain seconds.
 */
import type { TemporalKind } from './formats.js';

/** Days from 1970-01-01 back to the SPSS epoch, 1582-10-14. */
const EPOCH_DAYS = -141428;
const MAX_DECIMALS = 9;

/** Year, month, day of a day count since 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm). */
function civil(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function isoDate(days: number): string {
  const [y, m, d] = civil(days + EPOCH_DAYS);
  const year = y >= 0 && y <= 9999 ? pad(y, 4) : (y < 0 ? '-' : '+') + pad(Math.abs(y), 6);
  return `${year}-${pad(m)}-${pad(d)}`;
}

/** `HH:MM:SS[.fff]` of a non-negative count of 10^-decimals seconds; hours are not wrapped at 24. */
function clock(units: number, decimals: number): string {
  const scale = 10 ** decimals;
  const secs = Math.floor(units / scale);
  const frac = decimals > 0 ? `.${pad(units - secs * scale, decimals)}` : '';
  return `${pad(Math.floor(secs / 3600))}:${pad(Math.floor(secs / 60) % 60)}:${pad(secs % 60)}${frac}`;
}

/** Rounds to the nearest integer, ties to even, as C's printf does (PSPP formats fractions with it). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * `value` seconds as a count of 10^-decimals units, the way PSPP renders time formats: whole seconds are
 * truncated when the format has no decimals, and rounded to the last decimal otherwise.
 */
function toUnits(value: number, decimals: number): number {
  return decimals === 0 ? Math.floor(value) : roundHalfEven(value * 10 ** decimals);
}

/**
 * ISO 8601 text for `value` in a format of the given kind: `YYYY-MM-DD` for dates, `YYYY-MM-DDTHH:MM:SS` for
 * date-times and `[-]HH:MM:SS` for times and durations, with as many fractional-second digits as the format has
 * decimals. Empty for NaN (system-missing).
 */
export function isoTemporal(value: number, kind: Exclude<TemporalKind, null>, decimals: number): string {
  if (!Number.isFinite(value)) return '';
  if (kind === 'date') return isoDate(Math.floor(value / 86400));
  const d = Math.min(decimals, MAX_DECIMALS);
  if (kind === 'time') {
    const units = toUnits(Math.abs(value), d);
    return (value < 0 && units > 0 ? '-' : '') + clock(units, d);
  }
  const units = toUnits(value, d);
  const perDay = 86400 * 10 ** d;
  const days = Math.floor(units / perDay);
  return `${isoDate(days)}T${clock(units - days * perDay, d)}`;
}
