/**
 * Safetensors files: an 8-byte little-endian header length, a JSON header mapping tensor names to
 * `{dtype, shape, data_offsets}`, then the raw little-endian tensor bytes. Tensors are read one at a time
 * with positioned reads, so a 14 GB shard is never held in memory at once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../lib/atomic.js';
import { readJson } from '../lib/json-files.js';
import { validate } from '../lib/schema.js';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';
const BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

if (os.endianness() !== 'LE') throw new Error('safetensors: typed-array views assume a little-endian host');

export interface TensorInfo {
  /** Any safetensors dtype may appear in a header; only F32, F16 and BF16 can be read as weights. */
  dtype: string;
  shape: number[];
  /** Byte offsets relative to the end of the header. */
  data_offsets: [number, number];
}

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

/** Header limit from the format's reference implementation: headers beyond 100 MB are rejected. */
const MAX_HEADER = 100_000_000;

export class SafetensorsFile {
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  readonly metadata: Readonly<Record<string, string>>;
  private readonly dataStart: number;

  private constructor(readonly file: string, header: Record<string, unknown>, dataStart: number) {
    const { __metadata__, ...rest } = header;
    this.metadata = (__metadata__ ?? {}) as Record<string, string>;
    this.tensors = new Map(Object.entries(rest) as [string, TensorInfo][]);
    this.dataStart = dataStart;
  }

  static open(file: string): SafetensorsFile {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      if (size < 8) throw new Error(`${file}: byte 0: file too short for a safetensors header (${size} bytes)`);
      const lenBuf = Buffer.alloc(8);
      fs.readSync(fd, lenBuf, 0, 8, 0);
      const len = Number(lenBuf.readBigUInt64LE(0));
      if (len > MAX_HEADER || 8 + len > size) throw new Error(`${file}: byte 0: header length ${len} exceeds the file (${size} bytes)`);
      const headerBuf = Buffer.alloc(len);
      fs.readSync(fd, headerBuf, 0, len, 8);
      let header: unknown;
      try {
        header = JSON.parse(headerBuf.toString('utf8'));
      } catch (err) {
        throw new Error(`${file}: byte 8: header is not JSON (${(err as Error).message})`);
      }
      validate('safetensors-header', header, `${file}: header`);
      const st = new SafetensorsFile(file, header as Record<string, unknown>, 8 + len);
      for (const [name, info] of st.tensors) {
        const count = info.shape.reduce((a, b) => a * b, 1);
        const [begin, end] = info.data_offsets;
        if (end - begin !== count * BYTES[info.dtype] || st.dataStart + end > size) {
          throw new Error(`${file}: tensor "${name}": data_offsets [${begin}, ${end}] do not fit ${info.dtype}${JSON.stringify(info.shape)} in a ${size}-byte file`);
        }
      }
      return st;
    } finally {
      fs.closeSync(fd);
    }
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  /** Reads one tensor and widens it to f32. */
  read(name: string): Tensor {
    const info = this.weightInfo(name);
    return { shape: [...info.shape], data: this.readRows(name, 0, info.shape[0] ?? 1) };
  }

  /**
   * Rows [first, first + count) of a tensor (along its first dimension), widened to f32: a large tensor can
   * be processed in pieces without holding it whole.
   */
  readRows(name: string, first: number, count: number): Float32Array {
    const info = this.weightInfo(name);
    const rows = info.shape[0] ?? 1;
    if (first < 0 || count < 0 || first + count > rows) throw new Error(`${this.file}: tensor "${name}" has ${rows} rows, asked for rows ${first}..${first + count - 1}`);
    const rowBytes = info.shape.slice(1).reduce((a, b) => a * b, 1) * BYTES[info.dtype]!;
    return toFloat32(this.bytes(name, info.data_offsets[0] + first * rowBytes, count * rowBytes), info.dtype as SafetensorsDtype);
  }

  /** Reads an F64 tensor as stored, without narrowing. */
  readFloat64(name: string): Float64Array {
    const info = this.tensors.get(name);
    if (!info) throw new Error(`${this.file}: no tensor "${name}"`);
    if (info.dtype !== 'F64') throw new Error(`${this.file}: tensor "${name}" has dtype ${info.dtype}, not F64`);
    const [begin, end] = info.data_offsets;
    const bytes = this.bytes(name, begin, end - begin);
    return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8);
  }

  private weightInfo(name: string): TensorInfo {
    const info = this.tensors.get(name);
    if (!info) throw new Error(`${this.file}: no tensor "${name}"`);
    if (info.dtype !== 'F32' && info.dtype !== 'F16' && info.dtype !== 'BF16') {
      throw new Error(`${this.file}: tensor "${name}" has dtype ${info.dtype}; weights must be F32, F16 or BF16`);
    }
    return info;
  }

  /** `length` bytes of tensor `name` from `offset` within the data section. */
  private bytes(name: string, offset: number, length: number): Uint8Array {
    const begin = this.dataStart + offset;
    // A fresh ArrayBuffer (not Node's pooled one) so typed-array views start aligned.
    const bytes = new Uint8Array(new ArrayBuffer(length));
    const fd = fs.openSync(this.file, 'r');
    try {
      let done = 0;
      while (done < bytes.length) {
        const n = fs.readSync(fd, bytes, done, bytes.length - done, begin + done);
        if (n === 0) throw new Error(`${this.file}: byte ${begin + done}: unexpected end of file in "${name}"`);
        done += n;
      }
    } finally {
      fs.closeSync(fd);
    }
    return bytes;
  }
}

function toFloat32(bytes: Uint8Array, dtype: SafetensorsDtype): Float32Array {
  if (dtype === 'F32') return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const half = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
  const out = new Float32Array(half.length);
  if (dtype === 'BF16') {
    // bf16 is the top half of an f32.
    const u32 = new Uint32Array(out.buffer);
    for (let i = 0; i < half.length; i++) u32[i] = half[i] << 16;
  } else {
    const table = halfTable();
    for (let i = 0; i < half.length; i++) out[i] = table[half[i]];
  }
  return out;
}

let halfLookup: Float32Array | undefined;
/** All 65,536 IEEE half values, so f16 widening is one lookup per element. */
function halfTable(): Float32Array {
  if (!halfLookup) {
    halfLookup = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) {
      const sign = h & 0x8000 ? -1 : 1;
      const exp = (h >> 10) & 0x1f;
      const frac = h & 0x3ff;
      halfLookup[h] = exp === 0 ? sign * frac * 2 ** -24 : exp === 0x1f ? (frac ? NaN : sign * Infinity) : sign * (1 + frac / 1024) * 2 ** (exp - 15);
    }
  }
  return halfLookup;
}

/**
 * A model's weights, from `model.safetensors` or from the shards listed in `model.safetensors.index.json`.
 */
export class WeightStore {
  private constructor(
    readonly dir: string,
    private readonly where: ReadonlyMap<string, SafetensorsFile>,
  ) {}

  static open(dir: string): WeightStore {
    const index = path.join(dir, 'model.safetensors.index.json');
    const single = path.join(dir, 'model.safetensors');
    const where = new Map<string, SafetensorsFile>();
    if (fs.existsSync(index)) {
      const weightMap = readJson(index, (data, where) => {
        const map = (data as { weight_map?: unknown } | null)?.weight_map;
        if (!map || typeof map !== 'object') throw new Error(`${where}: missing key "weight_map"`);
        return map as Record<string, string>;
      });
      const shards = new Map<string, SafetensorsFile>();
      for (const [name, shard] of Object.entries(weightMap)) {
        let st = shards.get(shard);
        if (!st) {
          st = SafetensorsFile.open(path.join(dir, shard));
          shards.set(shard, st);
        }
        if (!st.has(name)) throw new Error(`${index}: weight_map.${name} names ${shard}, which has no such tensor`);
        where.set(name, st);
      }
    } else if (fs.existsSync(single)) {
      const st = SafetensorsFile.open(single);
      for (const name of st.tensors.keys()) where.set(name, st);
    } else {
      throw new Error(`${dir}: no model.safetensors or model.safetensors.index.json`);
    }
    return new WeightStore(dir, where);
  }

  names(): string[] {
    return [...this.where.keys()];
  }

  has(name: string): boolean {
    return this.where.has(name);
  }

  info(name: string): TensorInfo | undefined {
    return this.where.get(name)?.tensors.get(name);
  }

  /** The file holding `name`, checked against the shape config.json implies. */
  file(name: string, shape?: readonly number[]): SafetensorsFile {
    const st = this.where.get(name);
    if (!st) throw new Error(`${this.dir}: no tensor "${name}" in the model's safetensors`);
    const got = st.tensors.get(name)!.shape;
    if (shape && (got.length !== shape.length || got.some((d, i) => d !== shape[i]))) {
      throw new Error(`${st.file}: tensor "${name}" has shape [${got}], config.json implies [${shape}]`);
    }
    return st;
  }

  read(name: string, shape?: readonly number[]): Tensor {
    return this.file(name, shape).read(name);
  }

}

export interface NamedTensor {
  name: string;
  shape: readonly number[];
  /** Written as F32, or F64 (e.g. optimizer moments in a checkpoint). */
  data: Float32Array | Float64Array;
}

/**
 * Encodes f32 and f64 tensors as a safetensors file. Tensors are laid out in name order and the header keys
 * are sorted, so equal inputs give equal bytes.
 */
export function encodeSafetensors(tensors: readonly NamedTensor[], metadata?: Record<string, string>): Buffer {
  const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = Object.fromEntries(Object.entries(metadata).sort(([a], [b]) => (a < b ? -1 : 1)));
  let offset = 0;
  for (const t of sorted) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`tensor "${t.name}": shape [${t.shape}] holds ${count} values, got ${t.data.length}`);
    header[t.name] = { dtype: t.data instanceof Float64Array ? 'F64' : 'F32', shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let pos = 8 + headerBytes.length;
  for (const t of sorted) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  return out;
}

export function writeSafetensors(file: string, tensors: readonly NamedTensor[], metadata?: Record<string, string>): void {
  writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}
