/** Streams bytes into a file while hashing them, so a copy and its checksum take one pass. */
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface CopyProgress {
  done: number;
  total?: number;
}

export async function writeHashed(
  source: Readable,
  file: string,
  options: { total?: number; signal?: AbortSignal; onProgress?: (p: CopyProgress) => void } = {},
): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(
    source,
    async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        hash.update(chunk);
        size += chunk.length;
        options.onProgress?.({ done: size, total: options.total });
        yield chunk;
      }
    },
    fs.createWriteStream(file, { flush: true }),
    { signal: options.signal },
  );
  return { sha256: hash.digest('hex'), size };
}
