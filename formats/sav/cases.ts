/**
 * Decoding of the data record into column-oriented batches. The decoder is push-based: the reader feeds it the
 * data stream in chunks of any size (file chunks, or inflated zlib blocks), and it keeps the few bytes of an
 * incomplete element or bytecode group for the next chunk. Finished batches queue up in `ready`.
 */
import { SavError } from './errors.js';
import { trimEndSpaces, type SavDictionary } from './dictionary.js';

/** One column per variable (by `SavVariable.index`): numbers with NaN for system-missing, or trimmed strings;
 * null for a variable that was not selected. */
export type Column = Float64Array | string[] | null;

export interface CaseBatch {
  /** Number of cases in the batch. */
  length: number;
  /** Number of cases before this batch. */
  start: number;
  columns: Column[];
}

/** Element kinds: a selected numeric or string element, or one of a variable that was not selected (which
 * still has to be checked, since its type decides which codes are valid). */
const NUM = 1;
const STR = 2;
const NUM_SKIP = 3;
const STR_SKIP = 4;

/** Bytes of string data per very long string segment (each segment occupies 256 bytes of elements). */
const SEGMENT_DATA = 255;

/** Where each 8-byte element of a case goes. */
interface Layout {
  kind: Uint8Array;
  /** NUM: index into the numeric columns; STR: byte offset in the string scratch buffer. */
  target: Int32Array;
  numeric: number[];
  strings: { index: number; start: number; width: number }[];
  scratchSize: number;
}

function buildLayout(dict: SavDictionary, selected: ReadonlySet<number>): Layout {
  const kind = new Uint8Array(dict.caseElements);
  const target = new Int32Array(dict.caseElements);
  const numeric: number[] = [];
  const strings: Layout['strings'] = [];
  let cursor = 0;
  for (const v of dict.variables) {
    if (!selected.has(v.index)) {
      for (const seg of v.segments) kind.fill(v.type === 'numeric' ? NUM_SKIP : STR_SKIP, seg.element, seg.element + Math.max(1, Math.ceil(seg.width / 8)));
      continue;
    }
    if (v.type === 'numeric') {
      kind[v.segments[0].element] = NUM;
      target[v.segments[0].element] = numeric.length;
      numeric.push(v.index);
      continue;
    }
    // Segment k's bytes go to k*255 onward, so the segments of a very long string land packed. The 8 bytes of
    // a segment's last element spill one padding byte into the next segment's start, which that segment then
    // overwrites, since elements arrive in order.
    let extent = 0;
    v.segments.forEach((seg, k) => {
      const elements = Math.ceil(seg.width / 8);
      for (let e = 0; e < elements; e++) {
        kind[seg.element + e] = STR;
        target[seg.element + e] = cursor + k * SEGMENT_DATA + e * 8;
        extent = Math.max(extent, k * SEGMENT_DATA + e * 8 + 8);
      }
    });
    strings.push({ index: v.index, start: cursor, width: v.width });
    cursor += extent;
  }
  return { kind, target, numeric, strings, scratchSize: cursor };
}

export interface Located {
  offset: number;
  where: string;
}

export class CaseDecoder {
  readonly ready: CaseBatch[] = [];
  /** True once the end-of-data code or the declared number of cases was reached. */
  done = false;
  private readonly layout: Layout;
  private readonly nElements: number;
  private readonly bias: number;
  private readonly sysmis: number;
  private readonly littleEndian: boolean;
  private readonly scratch: Buffer;
  private readonly limit: number;
  private numCols: Float64Array[] = [];
  private strCols: string[][] = [];
  private row = 0;
  private cases = 0;
  /** Index of the next element within the current case. */
  private slot = 0;
  private carry: Buffer = Buffer.alloc(0);
  /** Stream position of the first byte of `carry` (or of the next chunk when `carry` is empty). */
  private carryPos = 0;

  constructor(
    private readonly dict: SavDictionary,
    selected: ReadonlySet<number>,
    private readonly batchSize: number,
    /** Maps a position in the data stream to a file offset and a description, for error messages. */
    private readonly locate: (pos: number) => Located,
    /** Stream position of the first byte that will be pushed. */
    startPos: number,
  ) {
    this.carryPos = startPos;
    this.layout = buildLayout(dict, selected);
    this.nElements = dict.caseElements;
    this.bias = dict.bias;
    this.sysmis = dict.sysmis;
    this.littleEndian = dict.endianness === 'little';
    this.scratch = Buffer.alloc(this.layout.scratchSize + 8);
    this.limit = dict.caseCount ?? Infinity;
    if (this.limit === 0 || this.nElements === 0) this.done = true;
    this.newBatch();
  }

  private fail(pos: number, detail: string): never {
    const { offset, where } = this.locate(pos);
    throw new SavError(this.dict.file, offset, `${where}${detail}`);
  }

  private newBatch(): void {
    this.numCols = this.layout.numeric.map(() => new Float64Array(this.batchSize));
    this.strCols = this.layout.strings.map(() => new Array<string>(this.batchSize));
    this.row = 0;
  }

  private emit(): void {
    const columns: Column[] = this.dict.variables.map(() => null);
    const n = this.row;
    this.layout.numeric.forEach((v, i) => (columns[v] = n === this.batchSize ? this.numCols[i] : this.numCols[i].slice(0, n)));
    this.layout.strings.forEach((s, i) => (columns[s.index] = n === this.batchSize ? this.strCols[i] : this.strCols[i].slice(0, n)));
    this.ready.push({ length: n, start: this.cases - n, columns });
    this.newBatch();
  }

  private endCase(): void {
    const { scratch } = this;
    const decode = this.dict.decodeText;
    const strings = this.layout.strings;
    for (let i = 0; i < strings.length; i++) {
      const s = strings[i];
      this.strCols[i][this.row] = decode(scratch, s.start, trimEndSpaces(scratch, s.start, s.start + s.width));
    }
    this.slot = 0;
    this.cases++;
    if (++this.row === this.batchSize) this.emit();
    if (this.cases >= this.limit) this.done = true;
  }

  private join(chunk: Buffer): { data: Buffer; base: number } {
    if (this.carry.length === 0) return { data: chunk, base: this.carryPos };
    return { data: Buffer.concat([this.carry, chunk]), base: this.carryPos };
  }

  private keep(data: Buffer, p: number, base: number): void {
    this.carry = Buffer.from(data.subarray(p));
    this.carryPos = base + p;
  }

  /** Uncompressed data: one 8-byte element per variable record. */
  pushRaw(chunk: Buffer): void {
    const { data, base } = this.join(chunk);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const { kind, target } = this.layout;
    const { scratch, nElements, sysmis, littleEndian } = this;
    let p = 0;
    while (!this.done && p + 8 <= data.length) {
      const slot = this.slot;
      const k = kind[slot];
      if (k === NUM) {
        const v = view.getFloat64(p, littleEndian);
        this.numCols[target[slot]][this.row] = v === sysmis ? NaN : v;
      } else if (k === STR) {
        data.copy(scratch, target[slot], p, p + 8);
      }
      p += 8;
      if (++this.slot === nElements) this.endCase();
    }
    this.keep(data, this.done ? data.length : p, base);
  }

  /** Bytecode-compressed data: groups of 8 command bytes, each followed by the raw elements its 253 codes need. */
  pushBytecode(chunk: Buffer, final = false): void {
    const { data, base } = this.join(chunk);
    const len = data.length;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const { kind, target } = this.layout;
    const { scratch, nElements, sysmis, littleEndian, bias } = this;
    let p = 0;
    while (!this.done && p < len) {
      if (!final) {
        if (p + 8 > len) break;
        let raw = 0;
        for (let k = 0; k < 8; k++) {
          const c = data[p + k];
          if (c === 253) raw++;
          else if (c === 252) break;
        }
        if (p + 8 + raw * 8 > len) break;
      }
      const group = p;
      const codes = Math.min(8, len - p);
      let q = p + 8;
      for (let k = 0; k < codes && !this.done; k++) {
        const code = data[group + k];
        if (code === 0) continue;
        if (code === 252) {
          if (this.slot !== 0) this.partialCase(base + group + k);
          this.done = true;
          break;
        }
        const slot = this.slot;
        const kd = kind[slot];
        if (code === 253) {
          if (q + 8 > len) this.partialCase(base + len);
          if (kd === NUM) {
            const v = view.getFloat64(q, littleEndian);
            this.numCols[target[slot]][this.row] = v === sysmis ? NaN : v;
          } else if (kd === STR) {
            const t = target[slot];
            for (let b = 0; b < 8; b++) scratch[t + b] = data[q + b];
          }
          q += 8;
        } else if (code === 254) {
          if (kd === NUM || kd === NUM_SKIP) this.fail(base + group + k, `compressed spaces (code 254) in numeric element ${slot} of case ${this.cases + 1}`);
          if (kd === STR) scratch.fill(0x20, target[slot], target[slot] + 8);
        } else if (code === 255) {
          if (kd === NUM) this.numCols[target[slot]][this.row] = NaN;
          else if (kd === STR || kd === STR_SKIP) this.fail(base + group + k, `system-missing code 255 in string element ${slot} of case ${this.cases + 1}`);
        } else if (kd === NUM) {
          this.numCols[target[slot]][this.row] = code - bias;
        } else if (kd === STR || kd === STR_SKIP) {
          // A compressed 0 in a string field stands for 8 NUL bytes; any other number is corruption.
          if (code - bias !== 0) this.fail(base + group + k, `compressed number ${code - bias} in string element ${slot} of case ${this.cases + 1}`);
          if (kd === STR) scratch.fill(0, target[slot], target[slot] + 8);
        }
        if (++this.slot === nElements) this.endCase();
      }
      p = final ? len : q;
    }
    this.keep(data, this.done ? len : Math.min(p, len), base);
  }

  private partialCase(pos: number): never {
    this.fail(pos, `file ends in a partial case (case ${this.cases + 1} has ${this.slot} of ${this.nElements} values)`);
  }

  /** Called at the end of the data stream: checks for a partial or missing case and flushes the last batch. */
  finish(compressed: boolean): void {
    if (!this.done && this.carry.length > 0) {
      if (compressed) this.pushBytecode(Buffer.alloc(0), true);
      else this.partialCase(this.carryPos + this.carry.length);
    }
    const endPos = this.carryPos + this.carry.length;
    if (!this.done && this.slot !== 0) this.partialCase(endPos);
    if (this.limit !== Infinity && this.cases < this.limit) {
      this.fail(endPos, `file ends after ${this.cases} cases, but its header declares ${this.limit}`);
    }
    if (this.row > 0) this.emit();
  }
}
