import fs from 'node:fs';
import test from 'ava';
import { fixture, parseCsv, sav2csv } from './helpers.js';

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const mm = (mon: string): string => String(MONTHS.indexOf(mon) + 1).padStart(2, '0');
const dayOfYear = (iso: string): number => (Date.parse(iso.slice(0, 10)) - Date.parse(`${iso.slice(0, 4)}-01-01`)) / 86400000 + 1;

/**
 * What each PSPP print format (TEXTOPTIONS FORMAT=VARIABLE) must agree with in sav2csv's ISO 8601 cell.
 * Formats that print less than a full date (MOYR, QYR, WKYR) are checked on what they print.
 */
const CHECKS: Record<string, (iso: string, pspp: string) => boolean> = {
  dt_date: (iso, p) => iso === p.replace(/^(\d\d)-(\w{3})-(\d{4})$/, (_, d, m, y) => `${y}-${mm(m)}-${d}`),
  dt_adate: (iso, p) => iso === p.replace(/^(\d\d)\/(\d\d)\/(\d{4})$/, '$3-$1-$2'),
  dt_edate: (iso, p) => iso === p.replace(/^(\d\d)\.(\d\d)\.(\d{4})$/, '$3-$2-$1'),
  dt_sdate: (iso, p) => iso === p.replaceAll('/', '-'),
  dt_jdate: (iso, p) => p === `${iso.slice(0, 4)}${String(dayOfYear(iso)).padStart(3, '0')}`,
  dt_moyr: (iso, p) => p === `${MONTHS[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)}`,
  dt_qyr: (iso, p) => p === `${Math.ceil(Number(iso.slice(5, 7)) / 3)} Q ${iso.slice(0, 4)}`,
  dt_wkyr: (iso, p) => p === `${Math.floor((dayOfYear(iso) - 1) / 7) + 1} WK ${iso.slice(0, 4)}`,
  dt_datetime: (iso, p) => iso === p.replace(/^(\d\d)-(\w{3})-(\d{4}) /, (_, d, m, y) => `${y}-${mm(m)}-${d}T`),
  dt_ymdhms: (iso, p) => iso === p.replace(' ', 'T'),
  dt_time: (iso, p) => iso === p,
  dt_dtime: (iso, p) => {
    const [, days, h, rest] = /^(\d+) (\d\d)(:.*)$/.exec(p)!;
    return iso === `${String(Number(days) * 24 + Number(h)).padStart(2, '0')}${rest}`;
  },
  dt_mtime: (iso, p) => {
    const [, h, m, rest] = /^(\d+):(\d\d)(:.*)$/.exec(iso)!;
    return p === `${String(Number(h) * 60 + Number(m)).padStart(2, '0')}${rest}`;
  },
};
CHECKS.dt_datetime2 = CHECKS.dt_datetime;
CHECKS.dt_time2 = CHECKS.dt_time;

test('date and time formats are written in ISO 8601, agreeing with what PSPP prints', async (t) => {
  const ours = parseCsv((await sav2csv(fixture('dates.sav'))).stdout);
  const formatted = parseCsv(fs.readFileSync(fixture('dates-formatted.csv'), 'utf8'));
  const plain = parseCsv(fs.readFileSync(fixture('dates.csv'), 'utf8'));
  t.deepEqual(ours[0], formatted[0]);
  t.is(ours.length, formatted.length);
  const header = ours[0];
  let checked = 0;
  for (let i = 1; i < ours.length; i++) {
    header.forEach((name, j) => {
      const [iso, p] = [ours[i][j], formatted[i][j]];
      if (p === ' ') return t.is(iso, '', `${name} row ${i}: system-missing`);
      const check = CHECKS[name];
      // WKDAY and MONTH are plain numbers, as in PSPP's plain CSV.
      if (!check) return t.is(iso, plain[i][j], `${name} row ${i}`);
      checked++;
      t.true(check(iso, p), `${name} row ${i}: ${iso} vs PSPP ${p}`);
    });
  }
  t.is(checked, 15 * 8 - 2);
  // The ISO shapes themselves.
  t.is(ours[1][header.indexOf('dt_datetime2')], '2022-10-14T09:30:15.00');
  t.is(ours[1][header.indexOf('dt_time2')], '-19:00:30.0');
  t.is(ours[1][header.indexOf('dt_dtime')], '33:30:15');
});
