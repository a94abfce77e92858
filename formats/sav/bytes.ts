/**
 * Sequential reads from a file through one reusable buffer, with the file's byte order. The dictionary parser
 * asks for a record's bytes with `need()` and then decodes fields synchronously; the data decoders take the
 * rest of the file chunk by chunk. Every count read from the file is checked against the file size before
 * anything is allocated, so a corrupt length can neither exhaust memory nor make a read wait forever.
 */
import type { FileHandle } from 'node:fs/promises';
import { SavError } from './errors.js';

export const CHUNK_SIZE = 1 << 20;

export class ByteReader {
  private buf: Buffer;
  private view: DataView;
  /** Read position and end of valid data in `buf`. */
  private pos = 0;
  private end = 0;
  /** File offset of `buf[0]`. */
  private base = 0;
  littleEndian = true;

  constructor(
    private readonly fh: FileHandle,
    readonly file: string,
    readonly size: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.min(CHUNK_SIZE, size));
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  get offset(): number {
    return this.base + this.pos;
  }

  get remaining(): number {
    return this.size - this.offset;
  }

  fail(detail: string, offset = this.offset): never {
    throw new SavError(this.file, offset, detail);
  }

  /** Makes `n` bytes available at the read position, or fails naming `what` when the file is too short. */
  async need(n: number, what: string): Promise<void> {
    if (this.end - this.pos >= n) return;
    if (n > this.remaining) this.fail(`file ends inside ${what} (needs ${n} bytes, ${this.remaining} left)`);
    const kept = this.end - this.pos;
    if (n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(n, Math.min(CHUNK_SIZE, this.remaining)));
      this.buf.copy(bigger, 0, this.pos, this.end);
      this.buf = bigger;
      this.view = new DataView(bigger.buffer, bigger.byteOffset, bigger.byteLength);
    } else {
      this.buf.copy(this.buf, 0, this.pos, this.end);
    }
    this.base += this.pos;
    this.pos = 0;
    this.end = kept;
    while (this.end < n) {
      const want = Math.min(this.buf.length - this.end, this.size - this.base - this.end);
      const { bytesRead } = await this.fh.read(this.buf, this.end, want, this.base + this.end);
      if (bytesRead === 0) this.fail(`file ends inside ${what} (file shrank while reading)`, this.base + this.end);
      this.end += bytesRead;
    }
  }

  i32(): number {
    const v = this.view.getInt32(this.pos, this.littleEndian);
    this.pos += 4;
    return v;
  }

  /** A 64-bit integer as a JS number (exact up to 2^53, far beyond any real offset or count). */
  i64(): number {
    const v = this.view.getBigInt64(this.pos, this.littleEndian);
    this.pos += 8;
    return Number(v);
  }

  f64(): number {
    const v = this.view.getFloat64(this.pos, this.littleEndian);
    this.pos += 8;
    return v;
  }

  u8(): number {
    return this.buf[this.pos++];
  }

  /** A copy of the next `n` bytes (the buffer is reused, so callers must not keep views of it). */
  bytes(n: number): Buffer {
    const out = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  skip(n: number): void {
    this.pos += n;
  }

  /** Moves the read position `n` bytes ahead without reading what lies between. */
  async skipAhead(n: number): Promise<void> {
    if (n > this.remaining) this.fail(`file ends inside a record (needs ${n} bytes, ${this.remaining} left)`);
    if (this.end - this.pos >= n) {
      this.pos += n;
      return;
    }
    this.base = this.offset + n;
    this.pos = 0;
    this.end = 0;
  }

  /** Reads exactly `length` bytes at `offset`, independent of the sequential position. */
  async readAt(offset: number, length: number, what: string): Promise<Buffer> {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      this.fail(`${what} at byte ${offset} (${length} bytes) lies outside the ${this.size}-byte file`, offset);
    }
    const out = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.fh.read(out, done, length - done, offset + done);
      if (bytesRead === 0) this.fail(`file ends inside ${what}`, offset + done);
      done += bytesRead;
    }
    return out;
  }

  /**
   * The rest of the file in chunks, starting at the read position: the already buffered bytes first. Each
   * chunk is valid only until the next one is requested.
   */
  async *chunks(): AsyncGenerator<{ bytes: Buffer; offset: number }> {
    if (this.end > this.pos) {
      yield { bytes: this.buf.subarray(this.pos, this.end), offset: this.offset };
    }
    let next = this.base + this.end;
    const buf = Buffer.allocUnsafe(Math.min(CHUNK_SIZE, this.size - next));
    while (next < this.size) {
      const { bytesRead } = await this.fh.read(buf, 0, Math.min(CHUNK_SIZE, this.size - next), next);
      if (bytesRead === 0) break;
      yield { bytes: buf.subarray(0, bytesRead), offset: next };
      next += bytesRead;
    }
  }
}
