/**
 * The ZLIB-compressed data of a `.zsav` file: a header, independent zlib streams that each inflate to a block
 * of bytecode-compressed data, and a trailer that indexes the blocks. Blocks are read and inflated one at a
 * time, so memory stays at one block (about 4 MB) however large the file.
 */
import { promisify } from 'node:util';
import { inflate } from 'node:zlib';
import type { ByteReader } from './bytes.js';
import type { Located } from './cases.js';

const inflateAsync = promisify(inflate);

export interface ZBlock {
  uncompressedOffset: number;
  compressedOffset: number;
  uncompressedSize: number;
  compressedSize: number;
}

export interface ZIndex {
  headerOffset: number;
  blocks: ZBlock[];
}

export async function readZIndex(r: ByteReader, bias: number): Promise<ZIndex> {
  const at = r.offset;
  await r.need(24, 'the zlib data header');
  const headerOffset = r.i64();
  const trailerOffset = r.i64();
  const trailerLength = r.i64();
  if (headerOffset !== at) r.fail(`zlib header says it is at byte ${headerOffset}`, at);
  if (trailerOffset < at + 24 || trailerLength < 24 || (trailerLength - 24) % 24 !== 0 || trailerOffset + trailerLength !== r.size) {
    r.fail(`zlib trailer at byte ${trailerOffset} with length ${trailerLength} does not end the ${r.size}-byte file`, at + 8);
  }
  const t = await r.readAt(trailerOffset, trailerLength, 'the zlib trailer');
  const view = new DataView(t.buffer, t.byteOffset, t.byteLength);
  const le = r.littleEndian;
  const i64 = (o: number): number => Number(view.getBigInt64(o, le));
  if (i64(0) !== -bias) r.fail(`zlib trailer bias ${i64(0)} does not match the header bias ${bias}`, trailerOffset);
  const blockSize = view.getInt32(16, le);
  const n = view.getInt32(20, le);
  if (n !== (trailerLength - 24) / 24) r.fail(`zlib trailer lists ${n} blocks but has room for ${(trailerLength - 24) / 24}`, trailerOffset + 20);
  const blocks: ZBlock[] = [];
  let uncompressed = headerOffset;
  let compressed = headerOffset + 24;
  for (let i = 0; i < n; i++) {
    const o = 24 + i * 24;
    const b: ZBlock = {
      uncompressedOffset: i64(o),
      compressedOffset: i64(o + 8),
      uncompressedSize: view.getInt32(o + 16, le),
      compressedSize: view.getInt32(o + 20, le),
    };
    if (
      b.uncompressedOffset !== uncompressed ||
      b.compressedOffset !== compressed ||
      b.compressedSize <= 0 ||
      b.uncompressedSize <= 0 ||
      b.uncompressedSize > blockSize
    ) {
      r.fail(`zlib block descriptor ${i + 1} is inconsistent with the blocks before it`, trailerOffset + o);
    }
    uncompressed += b.uncompressedSize;
    compressed += b.compressedSize;
    blocks.push(b);
  }
  if (compressed !== trailerOffset) r.fail(`zlib blocks end at byte ${compressed}, not at the trailer`, trailerOffset);
  return { headerOffset, blocks };
}

/** Error position for a byte of the inflated stream: the compressed block it came from. */
export function locateInBlocks(index: ZIndex, pos: number): Located {
  const i = index.blocks.findIndex((b) => pos < b.uncompressedOffset + b.uncompressedSize);
  const b = index.blocks[i === -1 ? index.blocks.length - 1 : i];
  if (!b) return { offset: index.headerOffset, where: '' };
  return { offset: b.compressedOffset, where: `in zlib block ${index.blocks.indexOf(b) + 1} (inflated byte ${pos}): ` };
}

export async function* inflateBlocks(r: ByteReader, index: ZIndex): AsyncGenerator<Buffer> {
  for (const [i, b] of index.blocks.entries()) {
    const packed = await r.readAt(b.compressedOffset, b.compressedSize, `zlib block ${i + 1}`);
    let out: Buffer;
    try {
      out = await inflateAsync(packed, { maxOutputLength: b.uncompressedSize + 1 });
    } catch (err) {
      r.fail(`zlib block ${i + 1} does not inflate: ${(err as Error).message}`, b.compressedOffset);
    }
    if (out.length !== b.uncompressedSize) {
      r.fail(`zlib block ${i + 1} inflates to ${out.length} bytes, not the ${b.uncompressedSize} its descriptor says`, b.compressedOffset);
    }
    yield out;
  }
}
