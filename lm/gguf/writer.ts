/**
 * A GGUF v3 writer (layout in ./format.ts). Metadata and tensor infos are written first; tensor data is then
 * pulled from a callback one tensor at a time, in piece-sized chunks, so a model is never held in memory
 * whole. Entries and tensors are written in the order given, as gguf-py's GGUFWriter does, so equal input
 * gives equal bytes. The file appears atomically.
 */
import fs from 'node:fs';
import { withAtomicFile } from '../../lib/atomic.js';
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VERSION, TENSOR_TYPES, ValueType, tensorBytes, type TensorType, type ValueTypeName } from './format.js';

type Scalar = Exclude<ValueTypeName, 'ARRAY' | 'STRING' | 'BOOL'>;

export type GgufValue =
  | { type: Scalar; value: number }
  | { type: 'STRING'; value: string }
  | { type: 'BOOL'; value: boolean }
  | { type: 'ARRAY'; itemType: Scalar; value: readonly number[] }
  | { type: 'ARRAY'; itemType: 'STRING'; value: readonly string[] };

export const gguf = {
  str: (value: string): GgufValue => ({ type: 'STRING', value }),
  u32: (value: number): GgufValue => ({ type: 'UINT32', value }),
  i32: (value: number): GgufValue => ({ type: 'INT32', value }),
  f32: (value: number): GgufValue => ({ type: 'FLOAT32', value }),
  bool: (value: boolean): GgufValue => ({ type: 'BOOL', value }),
  strings: (value: readonly string[]): GgufValue => ({ type: 'ARRAY', itemType: 'STRING', value }),
  array: (itemType: Scalar, value: readonly number[]): GgufValue => ({ type: 'ARRAY', itemType, value }),
};

export interface TensorPlan {
  name: string;
  /** Row-major shape as in PyTorch/numpy; GGUF stores it reversed (innermost dimension first). */
  shape: readonly number[];
  type: TensorType;
}

export interface GgufContents {
  metadata: readonly (readonly [string, GgufValue])[];
  tensors: readonly TensorPlan[];
}

/** Yields a tensor's encoded data in one or more pieces that add up to its byte size. */
export type TensorData = (tensor: TensorPlan, index: number) => Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

const padding = (n: number, alignment: number): number => (alignment - (n % alignment)) % alignment;

/** Little-endian byte buffer that grows as values are appended. */
class Bytes {
  private buf = Buffer.alloc(1 << 16);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  scalar(type: Scalar | 'BOOL', v: number | boolean): void {
    const n = Number(v);
    const sizes: Record<Scalar | 'BOOL', number> = { UINT8: 1, INT8: 1, BOOL: 1, UINT16: 2, INT16: 2, UINT32: 4, INT32: 4, FLOAT32: 4, UINT64: 8, INT64: 8, FLOAT64: 8 };
    this.room(sizes[type]);
    const b = this.buf;
    const at = this.length;
    switch (type) {
      case 'UINT8': case 'BOOL': b.writeUInt8(n, at); break;
      case 'INT8': b.writeInt8(n, at); break;
      case 'UINT16': b.writeUInt16LE(n, at); break;
      case 'INT16': b.writeInt16LE(n, at); break;
      case 'UINT32': b.writeUInt32LE(n, at); break;
      case 'INT32': b.writeInt32LE(n, at); break;
      case 'FLOAT32': b.writeFloatLE(n, at); break;
      case 'UINT64': b.writeBigUInt64LE(BigInt(n), at); break;
      case 'INT64': b.writeBigInt64LE(BigInt(n), at); break;
      case 'FLOAT64': b.writeDoubleLE(n, at); break;
    }
    this.length += sizes[type];
  }

  string(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.scalar('UINT64', bytes.length);
    this.room(bytes.length);
    bytes.copy(this.buf, this.length);
    this.length += bytes.length;
  }

  value(v: GgufValue): void {
    this.scalar('UINT32', ValueType[v.type]);
    if (v.type === 'STRING') this.string(v.value);
    else if (v.type === 'ARRAY') {
      if (v.value.length === 0) throw new Error('GGUF arrays may not be empty');
      this.scalar('UINT32', ValueType[v.itemType]);
      this.scalar('UINT64', v.value.length);
      if (v.itemType === 'STRING') for (const s of v.value as readonly string[]) this.string(s);
      else for (const n of v.value as readonly number[]) this.scalar(v.itemType, n);
    } else this.scalar(v.type, v.value);
  }

  pad(alignment: number): void {
    const n = padding(this.length, alignment);
    this.room(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/** The header (magic through the padding before tensor data), each tensor's data size and the alignment. */
export function encodeHeader(contents: GgufContents): { header: Buffer; sizes: number[]; alignment: number } {
  const names = new Set<string>();
  const keys = new Set<string>();
  const out = new Bytes();
  out.scalar('UINT32', Buffer.from(GGUF_MAGIC).readUInt32LE(0));
  out.scalar('UINT32', GGUF_VERSION);
  out.scalar('UINT64', contents.tensors.length);
  out.scalar('UINT64', contents.metadata.length);
  let alignment = GGUF_DEFAULT_ALIGNMENT;
  for (const [key, value] of contents.metadata) {
    if (keys.has(key)) throw new Error(`duplicate GGUF metadata key "${key}"`);
    keys.add(key);
    if (key === 'general.alignment' && value.type === 'UINT32') alignment = value.value;
    out.string(key);
    out.value(value);
  }
  const sizes: number[] = [];
  let offset = 0;
  for (const t of contents.tensors) {
    if (names.has(t.name)) throw new Error(`duplicate GGUF tensor name "${t.name}"`);
    names.add(t.name);
    if (!(t.type in TENSOR_TYPES)) throw new Error(`tensor "${t.name}": unsupported type ${t.type}`);
    const size = tensorBytes(t.shape, t.type);
    out.string(t.name);
    out.scalar('UINT32', t.shape.length);
    for (let j = t.shape.length - 1; j >= 0; j--) out.scalar('UINT64', t.shape[j]!);
    out.scalar('UINT32', TENSOR_TYPES[t.type].id);
    out.scalar('UINT64', offset);
    offset += size + padding(size, alignment);
    sizes.push(size);
  }
  out.pad(alignment);
  return { header: out.bytes(), sizes, alignment };
}

/** Writes a GGUF file atomically, pulling each tensor's data from `data` in order. */
export async function writeGguf(file: string, contents: GgufContents, data: TensorData): Promise<void> {
  const { header, sizes, alignment } = encodeHeader(contents);
  await withAtomicFile(file, async (tmp) => {
    const fd = fs.openSync(tmp, 'w');
    try {
      const write = (bytes: Uint8Array): void => {
        let done = 0;
        while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
      };
      write(header);
      for (const [i, t] of contents.tensors.entries()) {
        let written = 0;
        for await (const piece of data(t, i)) {
          written += piece.length;
          if (written > sizes[i]!) break;
          write(piece);
        }
        if (written !== sizes[i]) throw new Error(`${file}: tensor "${t.name}" (${t.type} [${t.shape}]) needs ${sizes[i]} bytes of data, got ${written}`);
        write(new Uint8Array(padding(written, alignment)));
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  });
}
