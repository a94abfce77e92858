import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { openSav } from '../../formats/sav/reader.js';
import { isMissingNumber, isMissingString } from '../../formats/sav/missing.js';
import type { SavMeta } from '../../formats/sav/meta.js';
import { validate } from '../../lib/schema.js';
import { fixture, parseCsv, sav2csv } from './helpers.js';
import { tmp } from '../helpers/files.js';

const VARIANTS = ['atp.sav', 'atp-uncompressed.sav', 'atp.zsav', 'atp-blocks.zsav', 'atp-be.sav', 'atp-uncompressed-be.sav'];
const DATE_COLUMN = 'INTERVIEW_START_W120';
const STRING_COLUMNS = new Set(['FORM_W120', 'CITY_W120', 'OPENEND_W120']);

/** PSPP's plain CSV, in sav2csv's conventions: "MM/DD/YYYY HH:MM:SS" dates become ISO 8601 and the single
 * space PSPP writes for system-missing becomes an empty field. Numbers stay as PSPP wrote them. */
function psppTruth(name: string): string[][] {
  const rows = parseCsv(fs.readFileSync(fixture(name), 'utf8'));
  const header = rows[0];
  return [
    header,
    ...rows.slice(1).map((r) =>
      r.map((cell, j) => {
        if (STRING_COLUMNS.has(header[j])) return cell;
        if (cell === ' ') return '';
        const m = /^(\d\d)\/(\d\d)\/(\d{4}) (\d\d:\d\d:\d\d)$/.exec(cell);
        return header[j] === DATE_COLUMN && m ? `${m[3]}-${m[1]}-${m[2]}T${m[4]}` : cell;
      }),
    ),
  ];
}

/** Numbers are compared by value: PSPP writes 1e-05 where JavaScript writes 0.00001. */
function assertSameTable(t: import('ava').ExecutionContext, actual: string[][], expected: string[][]): void {
  t.deepEqual(actual[0], expected[0]);
  t.is(actual.length, expected.length);
  for (let i = 1; i < expected.length; i++) {
    for (let j = 0; j < expected[0].length; j++) {
      const a = actual[i][j];
      const e = expected[i][j];
      const numeric = e !== '' && !Number.isNaN(Number(e)) && !STRING_COLUMNS.has(expected[0][j]);
      if (numeric ? Number(a) !== Number(e) : a !== e) t.fail(`row ${i} ${expected[0][j]}: ${JSON.stringify(a)} ≠ ${JSON.stringify(e)}`);
    }
  }
}

for (const name of VARIANTS) {
  test(`${name}: data matches PSPP's CSV`, async (t) => {
    const { code, stdout } = await sav2csv(fixture(name));
    t.is(code, 0);
    const rows = parseCsv(stdout);
    assertSameTable(t, rows, psppTruth('atp.csv'));
    // Numbers are in JavaScript's shortest round-trip form.
    const change = rows[0].indexOf('CHANGE_W120');
    t.deepEqual(rows.slice(1, 7).map((r) => r[change]), ['0.3333333333333333', '0.00001', '123456789.123', '-100000000000000000000', '', '0.1']);
  });

  test(`${name}: --labels matches PSPP's CELLS=LABELS CSV`, async (t) => {
    const { stdout } = await sav2csv(fixture(name), '--labels');
    assertSameTable(t, parseCsv(stdout), psppTruth('atp-labels.csv'));
  });
}

test('very long strings keep multibyte characters across 8-byte elements and 255-byte segments', async (t) => {
  const rows = parseCsv((await sav2csv(fixture('atp.sav'))).stdout);
  const col = rows[0].indexOf('OPENEND_W120');
  const open = rows.slice(1).map((r) => r[col]);
  t.is(open[0], 'Zürich, Łódź — “quoted”, ñ, 😀 and a comma');
  t.is(open[1], `${'x'.repeat(254)}é`);
  t.is(open[2], 'y'.repeat(255));
  t.is(open[3], 'z'.repeat(256));
  t.is(Buffer.byteLength(open[4]), 1000);
  t.is(open[4], `${'a'.repeat(998)}é`);
  t.is(open[5], `${'b'.repeat(996)}😀`);
  t.is(open[7], '   leading spaces kept, trailing dropped');
  t.is(open[8], `${'c'.repeat(250)}Łódź${'d'.repeat(250)}€uro`);
  t.is(open[9], '1234567ü123456😀12345€');
  t.is(open[10], '');
});

/** The rows of a table in PSPP's DISPLAY DICTIONARY CSV output. */
function psppTable(title: string): string[][] {
  const text = fs.readFileSync(fixture('atp-dict.csv'), 'utf8');
  const start = text.indexOf(`Table: ${title}\n`);
  const end = text.indexOf('\nTable: ', start + 1);
  return parseCsv(text.slice(start, end === -1 ? undefined : end + 1)).slice(2).filter((r) => r.length > 1 && !r[0].startsWith('Footnote:'));
}

/** A missing-value spec as PSPP displays it: `1; 2`, `LOWEST THRU -4; 999`, `"NA   "`. */
function psppMissing(v: SavMeta['variables'][number]): string {
  if (!v.missing) return '';
  if (v.type === 'string') return v.missing.values.map((s) => `"${String(s).padEnd(Math.min(v.width, 8))}"`).join('; ');
  const parts: string[] = [];
  if (v.missing.range) {
    const { low, high } = v.missing.range;
    parts.push(`${low === 'LO' ? 'LOWEST' : low} THRU ${high === 'HI' ? 'HIGHEST' : high}`);
  }
  return [...parts, ...v.missing.values.map(String)].join('; ');
}

for (const name of VARIANTS) {
  test(`${name}: dictionary matches PSPP's DISPLAY DICTIONARY`, async (t) => {
    const { code, stdout } = await sav2csv(fixture(name), '--meta');
    t.is(code, 0);
    const meta = validate<SavMeta>('sav-meta', JSON.parse(stdout), name);
    const vars = psppTable('Variables');
    t.deepEqual(
      meta.variables.map((v) => [v.name, v.label ?? '', v.measure, v.printFormat, v.writeFormat, psppMissing(v)]),
      vars.map((r) => [r[0], r[2], r[3].toLowerCase(), r[7], r[8], r[9]]),
    );
    // Value labels: PSPP lists them per variable in dictionary order, the user-missing ones marked [a].
    const expected: [string, string, string][] = [];
    let current = '';
    for (const r of psppTable('Value Labels')) {
      if (r[0] !== '') current = r[0];
      expected.push([current, r[1].replace(/\[a\]$/, ''), r[2]]);
    }
    const actual = meta.variables.flatMap((v) => v.valueLabels.map((l) => [v.label ?? v.name, String(l.value), l.label]));
    t.deepEqual(actual.sort(), expected.sort());
    t.is(meta.weight, 'WEIGHT_W120');
    t.is(meta.encoding, 'UTF-8');
    t.is(meta.caseCount, 24);
    t.is(meta.fileLabel, 'ATP-like fixture, wave 120');
    t.deepEqual(meta.documents.slice(0, 2), ['DOCUMENT Fixture for the SPSS reader tests:', '  second document line, Zürich.']);
    t.is(meta.endianness, name.includes('-be') ? 'big' : 'little');
    t.is(meta.compression, name.endsWith('.zsav') ? 'zlib' : name.includes('uncompressed') ? 'none' : 'bytecode');
    const open = meta.variables.find((v) => v.name === 'OPENEND_W120')!;
    t.like(open, { type: 'string', width: 1000, shortName: 'OPENEND_' });
  });
}

test('windows-1252 file: text is decoded by its encoding record', async (t) => {
  const meta = JSON.parse((await sav2csv(fixture('cp1252.sav'), '--meta')).stdout) as SavMeta;
  t.is(meta.encoding, 'WINDOWS-1252');
  t.is(meta.variables[1].label, 'Ville préférée');
  t.deepEqual(meta.variables[2].valueLabels.map((l) => l.label), ['Très bien', 'Assez bien', 'Mal', 'Refusé']);
  t.is((await sav2csv(fixture('cp1252.sav'))).stdout, fs.readFileSync(fixture('cp1252.csv'), 'utf8'));
  t.is((await sav2csv(fixture('cp1252.sav'), '--labels')).stdout, fs.readFileSync(fixture('cp1252-labels.csv'), 'utf8'));
});

test('user-missing tests follow the discrete values and ranges of the dictionary', async (t) => {
  const sav = await openSav(fixture('atp.sav'));
  await sav.close();
  const v = (name: string) => sav.dictionary.variables.find((x) => x.name === name)!;
  const num = (name: string, xs: number[]) => xs.map(isMissingNumber(v(name)));
  t.deepEqual(num('SATIS_W120', [1, 2, 99, NaN]), [false, false, true, true]);
  t.deepEqual(num('F_INC_SDT1', [9, 97.5, 98, 98.5, 99, 100]), [false, false, true, true, true, false]);
  t.deepEqual(num('TRUST_W120', [-1e300, -5, -4, -3.5, 5, 999]), [true, true, true, false, false, true]);
  t.deepEqual(num('SCORE_W120', [999, 1000, 1e300]), [false, true, true]);
  t.deepEqual(num('QKEY', [1, NaN]), [false, true]);
  t.deepEqual(['NA', 'FORM1'].map(isMissingString(v('FORM_W120'))), [true, false]);
  t.deepEqual(['unknown', 'Paris'].map(isMissingString(v('CITY_W120'))), [true, false]);
});

test('selected columns and small batches give the same values as a full read', async (t) => {
  const full = await openSav(fixture('atp.sav'));
  const all: (number | string)[][] = [];
  for await (const b of full.batches()) for (let i = 0; i < b.length; i++) all.push(b.columns.map((c) => c![i]));
  await full.close();

  const sav = await openSav(fixture('atp.zsav'));
  const names = ['OPENEND_W120', 'QKEY', 'CITY_W120', 'CHANGE_W120'];
  const idx = names.map((n) => sav.dictionary.variables.findIndex((v) => v.name === n));
  const starts: number[] = [];
  const got: (number | string)[][] = [];
  for await (const b of sav.batches({ variables: names, batchSize: 5 })) {
    starts.push(b.start);
    t.true(b.columns.every((c, j) => (c === null) !== idx.includes(j)));
    for (let i = 0; i < b.length; i++) got.push(idx.map((j) => b.columns[j]![i]));
  }
  await sav.close();
  t.deepEqual(starts, [0, 5, 10, 15, 20]);
  t.deepEqual(got, all.map((r) => idx.map((j) => r[j])));
  t.true(Number.isNaN(got[4][3] as number), 'system-missing reads as NaN');
});

test('an unknown extension record is skipped', async (t) => {
  const bytes = fs.readFileSync(fixture('atp.sav'));
  const sav = await openSav(fixture('atp.sav'));
  const end = sav.dictionary.dataOffset - 8; // the dictionary termination record
  await sav.close();
  const unknown = Buffer.alloc(16 + 3 * 5);
  unknown.writeInt32LE(7, 0);
  unknown.writeInt32LE(42, 4); // no such subtype
  unknown.writeInt32LE(3, 8);
  unknown.writeInt32LE(5, 12);
  unknown.fill(0xab, 16);
  const dir = tmp('sav-');
  const file = path.join(dir, 'unknown.sav');
  fs.writeFileSync(file, Buffer.concat([bytes.subarray(0, end), unknown, bytes.subarray(end)]));
  t.is((await sav2csv(file)).stdout, (await sav2csv(fixture('atp.sav'))).stdout);
});

test('batches() can be iterated only once', async (t) => {
  const sav = await openSav(fixture('cp1252.sav'));
  for await (const _ of sav.batches());
  await t.throwsAsync(async () => {
    for await (const _ of sav.batches());
  }, { message: /only once/ });
  await sav.close();
});
