/**
 * The dictionary of a system file: variables with their formats, labels, missing values and where their bytes
 * sit in a case. Built from the raw records once the encoding is known.
 */
import type { ByteReader } from './bytes.js';
import { codePageEncoding, textDecoder, type TextDecodeFn } from './encoding.js';
import { unpackFormat, type SavFormat } from './formats.js';
import { readHeader, readRecords, type RawDictionary, type RawVariable } from './records.js';

export type Compression = 'none' | 'bytecode' | 'zlib';
export type Measure = 'nominal' | 'ordinal' | 'scale';

/** Numeric user-missing values: up to three discrete values, or a range (bounds may be ±Infinity) plus one. */
export interface NumericMissing {
  type: 'numeric';
  values: number[];
  range: { low: number; high: number } | null;
}

/** String user-missing values, compared after trailing spaces are trimmed. */
export interface StringMissing {
  type: 'string';
  values: string[];
}

export interface ValueLabel {
  value: number | string;
  label: string;
}

/** One 8-byte-element run of a variable in a case: very long strings have several, everything else one. */
export interface Segment {
  /** Index of the segment's first 8-byte element within a case. */
  element: number;
  /** Width of the segment in bytes (0 for numeric). */
  width: number;
}

export interface SavVariable {
  /** Position in `SavDictionary.variables`. */
  index: number;
  name: string;
  /** The 8-byte name of the variable record. */
  shortName: string;
  type: 'numeric' | 'string';
  /** String width in bytes; 0 for numeric. */
  width: number;
  print: SavFormat;
  write: SavFormat;
  label: string | null;
  /** Sorted by value (numbers ascending, strings by code unit). */
  valueLabels: ValueLabel[];
  missing: NumericMissing | StringMissing | null;
  measure: Measure | null;
  segments: Segment[];
}

export interface SavDictionary {
  file: string;
  product: string;
  created: string;
  fileLabel: string;
  endianness: 'little' | 'big';
  compression: Compression;
  bias: number;
  /** Declared number of cases, or null when the writer did not know it. */
  caseCount: number | null;
  encoding: string;
  variables: SavVariable[];
  weight: string | null;
  documents: string[];
  /** Number of 8-byte elements in one uncompressed case. */
  caseElements: number;
  sysmis: number;
  dataOffset: number;
  decodeText: TextDecodeFn;
}

const DBL_MAX = Number.MAX_VALUE;
/** The pre-SPSS 21 LOWEST value, 0xffeffffffffffffe. */
const OLD_LOWEST = -1.7976931348623155e308;

export async function readDictionary(r: ByteReader): Promise<SavDictionary> {
  const header = await readHeader(r);
  const raw = await readRecords(r, header);
  return resolve(r, raw);
}

function resolve(r: ByteReader, raw: RawDictionary): SavDictionary {
  const { encoding, decode } = chooseEncoding(r, raw);
  const text = (b: Buffer): string => decode(b, 0, b.length);
  const trimmed = (b: Buffer): string => decode(b, 0, trimEndSpaces(b, 0, b.length));
  const readF64 = (b: Buffer): number => (r.littleEndian ? b.readDoubleLE(0) : b.readDoubleBE(0));

  const variables = buildVariables(r, raw.variables, trimmed, text, readF64, raw);
  mergeVeryLongStrings(r, raw, variables, text);
  applyLongNames(r, raw, variables, text);
  variables.forEach((v, i) => (v.index = i));
  applyValueLabels(r, raw, variables, trimmed, text, readF64);
  applyLongStringExtras(r, raw, variables, trimmed, text);
  applyMeasures(raw, variables);

  const byElement = new Map(variables.map((v) => [v.segments[0].element, v]));
  let weight: string | null = null;
  if (raw.header.weightIndex !== 0) {
    const w = byElement.get(raw.header.weightIndex - 1);
    if (!w || w.type !== 'numeric') r.fail(`weight index ${raw.header.weightIndex} does not name a numeric variable`, 76);
    weight = w.name;
  }
  const declared = raw.header.caseCount >= 0 ? raw.header.caseCount : (raw.caseCount64 ?? -1);
  return {
    file: r.file,
    product: trimmed(raw.header.product).replace(/^@\(#\) SPSS DATA FILE\s*/, ''),
    created: `${text(raw.header.creationDate)} ${text(raw.header.creationTime)}`,
    fileLabel: trimmed(raw.header.fileLabel),
    endianness: r.littleEndian ? 'little' : 'big',
    compression: (['none', 'bytecode', 'zlib'] as const)[raw.header.compression],
    bias: raw.header.bias,
    caseCount: declared >= 0 ? declared : null,
    encoding,
    variables,
    weight,
    documents: raw.documents.map(trimmed),
    caseElements: raw.variables.length,
    sysmis: raw.sysmis ?? -DBL_MAX,
    dataOffset: raw.dataOffset,
    decodeText: decode,
  };
}

export function trimEndSpaces(b: Buffer, start: number, end: number): number {
  while (end > start && b[end - 1] === 0x20) end--;
  return end;
}

function chooseEncoding(r: ByteReader, raw: RawDictionary): { encoding: string; decode: TextDecodeFn } {
  if (raw.encoding) {
    const name = raw.encoding.text.toString('latin1').replace(/\0+$/, '');
    const decode = textDecoder(name);
    if (!decode) r.fail(`unsupported character encoding ${JSON.stringify(name)}`, raw.encoding.offset);
    return { encoding: name.toUpperCase(), decode };
  }
  if (raw.characterCode !== null) {
    const name = codePageEncoding(raw.characterCode);
    const decode = name ? textDecoder(name) : undefined;
    if (!name || !decode) r.fail(`unsupported character code ${raw.characterCode} and no encoding record`);
    return { encoding: name.toUpperCase(), decode };
  }
  // No encoding information at all: old Windows-written files, whose text is windows-1252.
  return { encoding: 'WINDOWS-1252', decode: textDecoder('windows-1252')! };
}

function buildVariables(
  r: ByteReader,
  records: RawVariable[],
  trimmed: (b: Buffer) => string,
  text: (b: Buffer) => string,
  readF64: (b: Buffer) => number,
  raw: RawDictionary,
): SavVariable[] {
  const out: SavVariable[] = [];
  let continuations = 0;
  for (const rec of records) {
    if (rec.type === -1) {
      if (continuations === 0) r.fail('string continuation record without a string variable before it', rec.offset);
      continuations--;
      continue;
    }
    if (continuations > 0) r.fail(`string variable is missing ${continuations} continuation record(s)`, rec.offset);
    const isString = rec.type > 0;
    continuations = isString ? Math.ceil(rec.type / 8) - 1 : 0;
    const name = trimmed(rec.name);
    if (name === '') r.fail('variable record has an empty name', rec.offset + 24);
    out.push({
      index: out.length,
      name,
      shortName: name,
      type: isString ? 'string' : 'numeric',
      width: rec.type,
      print: unpackFormat(rec.print, isString),
      write: unpackFormat(rec.write, isString),
      label: rec.label ? text(rec.label) : null,
      valueLabels: [],
      missing: isString ? stringMissing(r, rec, trimmed) : numericMissing(rec, readF64, raw),
      measure: null,
      segments: [{ element: rec.dictIndex - 1, width: rec.type }],
    });
  }
  if (continuations > 0) r.fail(`string variable is missing ${continuations} continuation record(s)`, raw.dataOffset);
  return out;
}

function numericMissing(rec: RawVariable, readF64: (b: Buffer) => number, raw: RawDictionary): NumericMissing | null {
  if (rec.missingCount === 0) return null;
  const v = rec.missing.map(readF64);
  if (rec.missingCount > 0) return { type: 'numeric', values: v, range: null };
  const lowest = raw.lowest ?? -DBL_MAX;
  const highest = raw.highest ?? DBL_MAX;
  const low = v[0] === lowest || v[0] === -DBL_MAX || v[0] === OLD_LOWEST ? -Infinity : v[0];
  const high = v[1] === highest || v[1] === DBL_MAX ? Infinity : v[1];
  return { type: 'numeric', values: v.slice(2), range: { low, high } };
}

function stringMissing(r: ByteReader, rec: RawVariable, trimmed: (b: Buffer) => string): StringMissing | null {
  if (rec.missingCount === 0) return null;
  if (rec.missingCount < 0) r.fail('string variable has a missing-value range', rec.offset + 12);
  // Only the first 8 bytes are stored; the rest of a wider string's missing value is spaces.
  return { type: 'string', values: rec.missing.map((b) => trimmed(b.subarray(0, Math.min(8, rec.type)))) };
}

/** Splits `KEY=VALUE` pairs separated by `sep` (a very long string record also NUL-terminates each value). */
function pairs(text: string, sep: RegExp): [string, string][] {
  return text
    .split(sep)
    .filter((p) => p.replace(/\0/g, '') !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      return [p.slice(0, eq), p.slice(eq + 1).replace(/\0+$/, '')] as [string, string];
    });
}

function mergeVeryLongStrings(r: ByteReader, raw: RawDictionary, vars: SavVariable[], text: (b: Buffer) => string): void {
  if (!raw.veryLongStrings) return;
  const at = raw.veryLongStrings.offset;
  for (const [short, len] of pairs(text(raw.veryLongStrings.text), /\t/)) {
    const i = vars.findIndex((v) => v.shortName === short);
    const width = Number(len);
    if (i < 0 || !/^\d+$/.test(len) || width <= 255) {
      r.fail(`very long string record entry ${JSON.stringify(`${short}=${len}`)} is invalid`, at);
    }
    const n = Math.floor((width + 251) / 252);
    const parts = vars.slice(i, i + n);
    if (parts.length < n || parts.some((p) => p.type !== 'string')) {
      r.fail(`very long string ${short} needs ${n} string segments, which the dictionary does not have`, at);
    }
    vars[i].width = width;
    // The format's width field is one byte, so the first segment's A255 stands for the whole string.
    vars[i].print = { type: 'A', width, decimals: 0 };
    vars[i].write = { type: 'A', width, decimals: 0 };
    vars[i].segments = parts.map((p) => p.segments[0]);
    vars.splice(i + 1, n - 1);
  }
}

function applyLongNames(r: ByteReader, raw: RawDictionary, vars: SavVariable[], text: (b: Buffer) => string): void {
  if (!raw.longNames) return;
  const byShort = new Map(vars.map((v) => [v.shortName, v]));
  for (const [short, long] of pairs(text(raw.longNames.text), /\t/)) {
    const v = byShort.get(short);
    if (!v || long === '') r.fail(`long variable name entry ${JSON.stringify(`${short}=${long}`)} is invalid`, raw.longNames.offset);
    v.name = long;
  }
  const seen = new Set<string>();
  for (const v of vars) {
    const key = v.name.toUpperCase();
    if (seen.has(key)) r.fail(`duplicate variable name ${v.name}`, raw.longNames.offset);
    seen.add(key);
  }
}

function applyValueLabels(
  r: ByteReader,
  raw: RawDictionary,
  vars: SavVariable[],
  trimmed: (b: Buffer) => string,
  text: (b: Buffer) => string,
  readF64: (b: Buffer) => number,
): void {
  const byElement = new Map(vars.map((v) => [v.segments[0].element, v]));
  for (const rec of raw.valueLabels) {
    const targets = rec.dictIndexes.map((idx) => {
      const v = byElement.get(idx - 1);
      if (!v) r.fail(`value labels refer to dictionary index ${idx}, which is not a variable`, rec.offset);
      if (v.type === 'string' && v.width > 8) r.fail(`value labels record names long string variable ${v.name}`, rec.offset);
      return v;
    });
    if (targets.length && targets.some((v) => v.type !== targets[0].type)) {
      r.fail('one value label record names both numeric and string variables', rec.offset);
    }
    for (const v of targets) {
      const labels = rec.values.map((b, i) => ({
        value: v.type === 'numeric' ? readF64(b) : trimmed(b.subarray(0, v.width)),
        label: text(rec.labels[i]),
      }));
      v.valueLabels = mergeLabels(v.valueLabels, labels);
    }
  }
}

/** Adds labels, keeping the first label of a repeated value, sorted by value. */
function mergeLabels(existing: ValueLabel[], added: ValueLabel[]): ValueLabel[] {
  const seen = new Set(existing.map((l) => l.value));
  const out = [...existing];
  for (const l of added) {
    if (seen.has(l.value)) continue;
    seen.add(l.value);
    out.push(l);
  }
  return out.sort((a, b) =>
    typeof a.value === 'number' ? (a.value as number) - (b.value as number) : a.value < b.value ? -1 : a.value > b.value ? 1 : 0,
  );
}

function applyLongStringExtras(
  r: ByteReader,
  raw: RawDictionary,
  vars: SavVariable[],
  trimmed: (b: Buffer) => string,
  text: (b: Buffer) => string,
): void {
  const byName = new Map(vars.map((v) => [v.name.toUpperCase(), v]));
  const find = (name: Buffer, offset: number): SavVariable => {
    const v = byName.get(text(name).toUpperCase());
    if (!v || v.type !== 'string') r.fail(`long string record names ${JSON.stringify(text(name))}, which is not a string variable`, offset);
    return v;
  };
  for (const e of raw.longStringLabels) {
    const v = find(e.name, e.offset);
    v.valueLabels = mergeLabels(v.valueLabels, e.values.map((b, i) => ({ value: trimmed(b), label: text(e.labels[i]) })));
  }
  for (const e of raw.longStringMissing) {
    const v = find(e.name, e.offset);
    v.missing = { type: 'string', values: e.values.map(trimmed) };
  }
}

const MEASURES: Record<number, Measure> = { 0: 'nominal', 1: 'nominal', 2: 'ordinal', 3: 'scale' };

/** Display parameters come per variable record that is not a continuation, so very long string segments count. */
function applyMeasures(raw: RawDictionary, vars: SavVariable[]): void {
  if (!raw.displayParams) return;
  const segments = vars.flatMap((v) => v.segments.map((_, i) => (i === 0 ? v : null)));
  const { values } = raw.displayParams;
  const stride = values.length === segments.length * 3 ? 3 : values.length === segments.length * 2 ? 2 : 0;
  if (stride === 0) return; // inconsistent count: the record is informational, so ignore it as PSPP does
  segments.forEach((v, i) => {
    if (v) v.measure = MEASURES[values[i * stride]] ?? null;
  });
}
