/**
 * The dictionary part of a system file as raw records: everything between the file header and the dictionary
 * termination record, with numbers decoded (byte order) but text kept as bytes, because the encoding record
 * that says how to decode text comes after most of the text.
 */
import type { ByteReader } from './bytes.js';

export interface RawHeader {
  product: Buffer;
  compression: 0 | 1 | 2;
  weightIndex: number;
  caseCount: number;
  bias: number;
  creationDate: Buffer;
  creationTime: Buffer;
  fileLabel: Buffer;
}

export interface RawVariable {
  offset: number;
  /** 1-based position among all variable records, continuation records included. */
  dictIndex: number;
  /** 0 numeric, 1–255 string width, -1 continuation of a long string. */
  type: number;
  name: Buffer;
  label: Buffer | null;
  /** As in the file: 0–3 discrete values, -2 a range, -3 a range plus one value. */
  missingCount: number;
  missing: Buffer[];
  print: number;
  write: number;
}

export interface RawValueLabels {
  offset: number;
  values: Buffer[];
  labels: Buffer[];
  dictIndexes: number[];
}

/** Long string value labels (subtype 21) or missing values (subtype 22) of one variable. */
export interface RawLongStringEntry {
  offset: number;
  name: Buffer;
  values: Buffer[];
  labels: Buffer[];
}

export interface RawDictionary {
  header: RawHeader;
  variables: RawVariable[];
  valueLabels: RawValueLabels[];
  documents: Buffer[];
  characterCode: number | null;
  sysmis: number | null;
  highest: number | null;
  lowest: number | null;
  displayParams: { offset: number; values: number[] } | null;
  longNames: { offset: number; text: Buffer } | null;
  veryLongStrings: { offset: number; text: Buffer } | null;
  encoding: { offset: number; text: Buffer } | null;
  longStringLabels: RawLongStringEntry[];
  longStringMissing: RawLongStringEntry[];
  caseCount64: number | null;
  /** File offset of the first byte after the dictionary termination record. */
  dataOffset: number;
}

const HEADER_SIZE = 176;

export async function readHeader(r: ByteReader): Promise<RawHeader> {
  await r.need(HEADER_SIZE, 'the file header');
  const magic = r.bytes(4).toString('latin1');
  if (magic !== '$FL2' && magic !== '$FL3') r.fail(`not an SPSS system file (starts with ${JSON.stringify(magic)})`, 0);
  const product = r.bytes(60);
  const layoutLE = r.i32();
  if (layoutLE !== 2 && layoutLE !== 3) {
    const layoutBE = Buffer.from(new Int32Array([layoutLE]).buffer).readInt32BE(0);
    if (layoutBE !== 2 && layoutBE !== 3) r.fail(`unrecognized layout code ${layoutLE} (expected 2 or 3)`, 64);
    r.littleEndian = false;
  }
  r.i32(); // nominal_case_size: unreliable per the format documentation
  const compression = r.i32();
  if (compression !== 0 && compression !== 1 && compression !== 2) r.fail(`unknown compression type ${compression}`, 72);
  if ((compression === 2) !== (magic === '$FL3')) {
    r.fail(`compression type ${compression} does not match the ${magic} signature`, 72);
  }
  const weightIndex = r.i32();
  const caseCount = r.i32();
  const bias = r.f64();
  const creationDate = r.bytes(9);
  const creationTime = r.bytes(8);
  const fileLabel = r.bytes(64);
  r.skip(3);
  return { product, compression, weightIndex, caseCount, bias, creationDate, creationTime, fileLabel };
}

/** Reads records up to and including the dictionary termination record (type 999). */
export async function readRecords(r: ByteReader, header: RawHeader): Promise<RawDictionary> {
  const d: RawDictionary = {
    header, variables: [], valueLabels: [], documents: [], characterCode: null, sysmis: null, highest: null,
    lowest: null, displayParams: null, longNames: null, veryLongStrings: null, encoding: null,
    longStringLabels: [], longStringMissing: [], caseCount64: null, dataOffset: 0,
  };
  for (;;) {
    const at = r.offset;
    await r.need(4, 'a record type');
    const type = r.i32();
    switch (type) {
      case 2:
        d.variables.push(await readVariable(r, at, d.variables.length + 1));
        break;
      case 3:
        d.valueLabels.push(await readValueLabels(r, at));
        break;
      case 4:
        r.fail('value label variables record (type 4) without a value label record before it', at);
      case 6:
        d.documents.push(...(await readDocument(r)));
        break;
      case 7:
        await readExtension(r, d, at);
        break;
      case 999:
        await r.need(4, 'the dictionary termination record');
        r.skip(4);
        d.dataOffset = r.offset;
        return d;
      default:
        r.fail(`unknown record type ${type}`, at);
    }
  }
}

/** Fails unless `count` items of at least `unit` bytes each can still fit in the file. */
function checkCount(r: ByteReader, count: number, unit: number, what: string, at: number): void {
  if (count < 0 || count * unit > r.remaining) r.fail(`${what} count ${count} is impossible for the file size`, at);
}

async function readVariable(r: ByteReader, at: number, dictIndex: number): Promise<RawVariable> {
  await r.need(28, 'a variable record');
  const type = r.i32();
  const hasLabel = r.i32();
  const missingCount = r.i32();
  const print = r.i32();
  const write = r.i32();
  const name = r.bytes(8);
  if (type < -1 || type > 255) r.fail(`variable record has invalid type ${type}`, at + 4);
  if (hasLabel !== 0 && hasLabel !== 1) r.fail(`variable record has invalid label flag ${hasLabel}`, at + 8);
  if (missingCount < -3 || missingCount > 3 || missingCount === -1) {
    r.fail(`variable record has invalid missing-value count ${missingCount}`, at + 12);
  }
  let label: Buffer | null = null;
  if (hasLabel) {
    await r.need(4, 'a variable label length');
    const len = r.i32();
    checkCount(r, len, 1, 'variable label length', r.offset - 4);
    const padded = (len + 3) & ~3;
    await r.need(padded, 'a variable label');
    label = r.bytes(len);
    r.skip(padded - len);
  }
  const missing: Buffer[] = [];
  const n = Math.abs(missingCount);
  await r.need(n * 8, 'missing values');
  for (let i = 0; i < n; i++) missing.push(r.bytes(8));
  return { offset: at, dictIndex, type, name, label, missingCount, missing, print, write };
}

async function readValueLabels(r: ByteReader, at: number): Promise<RawValueLabels> {
  await r.need(4, 'a value label count');
  const count = r.i32();
  checkCount(r, count, 16, 'value label', at + 4);
  const values: Buffer[] = [];
  const labels: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    await r.need(9, 'a value label');
    values.push(r.bytes(8));
    const len = r.u8();
    const padded = ((len + 8) & ~7) - 1; // label_len byte + label, padded to a multiple of 8
    await r.need(padded, 'a value label');
    labels.push(r.bytes(len));
    r.skip(padded - len);
  }
  const varsAt = r.offset;
  await r.need(8, 'the value label variables record');
  const type = r.i32();
  if (type !== 4) r.fail(`expected a value label variables record (type 4) after value labels, found type ${type}`, varsAt);
  const n = r.i32();
  checkCount(r, n, 4, 'value label variable', varsAt + 4);
  await r.need(n * 4, 'the value label variables record');
  const dictIndexes: number[] = [];
  for (let i = 0; i < n; i++) dictIndexes.push(r.i32());
  return { offset: varsAt, values, labels, dictIndexes };
}

async function readDocument(r: ByteReader): Promise<Buffer[]> {
  const at = r.offset;
  await r.need(4, 'a document line count');
  const n = r.i32();
  checkCount(r, n, 80, 'document line', at);
  await r.need(n * 80, 'the document record');
  const lines: Buffer[] = [];
  for (let i = 0; i < n; i++) lines.push(r.bytes(80));
  return lines;
}

/** Element size and count that a known extension subtype must have (`count` null: any). */
const EXTENSION_SHAPES: Record<number, { size: number; count: number | null }> = {
  3: { size: 4, count: 8 },
  4: { size: 8, count: 3 },
  11: { size: 4, count: null },
  13: { size: 1, count: null },
  14: { size: 1, count: null },
  16: { size: 8, count: 2 },
  20: { size: 1, count: null },
  21: { size: 1, count: null },
  22: { size: 1, count: null },
};

async function readExtension(r: ByteReader, d: RawDictionary, at: number): Promise<void> {
  await r.need(12, 'an extension record header');
  const subtype = r.i32();
  const size = r.i32();
  const count = r.i32();
  if (size < 0 || count < 0 || size * count > r.remaining) {
    r.fail(`extension record (subtype ${subtype}) claims ${size} × ${count} bytes, more than the file holds`, at);
  }
  const bytes = size * count;
  const shape = EXTENSION_SHAPES[subtype];
  if (!shape) {
    await r.skipAhead(bytes); // multiple response sets, attributes, display XML, …: not needed to read data
    return;
  }
  if (size !== shape.size || (shape.count !== null && count !== shape.count)) {
    r.fail(`extension record subtype ${subtype} has element size ${size} and count ${count}, which is invalid`, at);
  }
  await r.need(bytes, `extension record subtype ${subtype}`);
  const body = r.offset;
  switch (subtype) {
    case 3:
      r.skip(28);
      d.characterCode = r.i32();
      break;
    case 4:
      d.sysmis = r.f64();
      d.highest = r.f64();
      d.lowest = r.f64();
      break;
    case 11:
      d.displayParams = { offset: at, values: Array.from({ length: count }, () => r.i32()) };
      break;
    case 13:
      d.longNames = { offset: body, text: r.bytes(bytes) };
      break;
    case 14:
      d.veryLongStrings = { offset: body, text: r.bytes(bytes) };
      break;
    case 16:
      r.skip(8);
      d.caseCount64 = r.i64();
      break;
    case 20:
      d.encoding = { offset: body, text: r.bytes(bytes) };
      break;
    case 21:
    case 22: {
      const entries = parseLongStringEntries(r, body + bytes, subtype === 21);
      (subtype === 21 ? d.longStringLabels : d.longStringMissing).push(...entries);
      break;
    }
  }
}

/** Subtypes 21 and 22: per variable, a name and length-prefixed values (with labels for 21). */
function parseLongStringEntries(r: ByteReader, end: number, withLabels: boolean): RawLongStringEntry[] {
  const out: RawLongStringEntry[] = [];
  const lengthPrefixed = (what: string): Buffer => {
    if (r.offset + 4 > end) r.fail(`${what} runs past the end of its record`);
    const len = r.i32();
    if (len < 0 || r.offset + len > end) r.fail(`${what} length ${len} runs past the end of its record`, r.offset - 4);
    return r.bytes(len);
  };
  while (r.offset < end) {
    const offset = r.offset;
    const name = lengthPrefixed('a variable name');
    const values: Buffer[] = [];
    const labels: Buffer[] = [];
    let n: number;
    if (withLabels) {
      if (r.offset + 8 > end) r.fail('long string value labels run past the end of their record');
      r.skip(4); // var_width: the dictionary already has it
      n = r.i32();
    } else {
      if (r.offset + 1 > end) r.fail('long string missing values run past the end of their record');
      n = r.u8();
    }
    if (n < 0 || n > end - r.offset) r.fail(`impossible count ${n} of long string values`, r.offset - 4);
    for (let i = 0; i < n; i++) {
      values.push(lengthPrefixed('a long string value'));
      if (withLabels) labels.push(lengthPrefixed('a long string value label'));
    }
    out.push({ offset, name, values, labels });
  }
  return out;
}
