/**
 * Taking one member out of a zip archive (a Pew download, the GSS release). yauzl reads the central
 * directory, rejects unsafe member names (absolute, `..`), checks sizes while inflating, and streams the
 * member, so archives far larger than memory are fine. The member is written to a name we choose, never to
 * a path taken from the archive.
 */
import fs from 'node:fs';
import path from 'node:path';
import yauzl from 'yauzl';
import { withAtomicFile } from '../lib/atomic.js';
import { writeHashed, type CopyProgress } from './hashed-copy.js';
import { sha256Mismatch } from './verify.js';

const dataFile = /\.z?sav$/i;

/** Whether the file starts like a zip archive (a local file header, or an empty archive's end record). */
export async function isZip(file: string): Promise<boolean> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const { bytesRead, buffer } = await fh.read(Buffer.alloc(4), 0, 4, 0);
    const magic = buffer.subarray(0, bytesRead).toString('latin1');
    return magic === 'PK\x03\x04' || magic === 'PK\x05\x06';
  } finally {
    await fh.close();
  }
}

/** Mac archivers add resource-fork shadows (`__MACOSX/…/._ATP W92.sav`) that are not data. */
function isJunk(name: string): boolean {
  return name.startsWith('__MACOSX/') || path.posix.basename(name).startsWith('._');
}

/** The file members of an archive, in archive order (directory entries left out). */
export async function listArchive(file: string, where = file): Promise<string[]> {
  const zip = await openArchive(file, where);
  try {
    return (await readEntries(zip, where)).map((e) => e.fileName);
  } finally {
    zip.close();
  }
}

/**
 * Which member to take: `wanted` (a full member path or just its file name, any case), else the only
 * .sav/.zsav. Anything else is an error that lists the candidates.
 */
export function chooseMember(members: readonly string[], wanted: string | undefined, where: string): string {
  const real = members.filter((m) => !isJunk(m));
  const list = (names: readonly string[]) => names.map((n) => JSON.stringify(n)).join(', ') || '(nothing)';
  if (wanted !== undefined) {
    const w = wanted.toLowerCase();
    const hits = real.filter((m) => m.toLowerCase() === w || path.posix.basename(m).toLowerCase() === w);
    if (hits.length === 1) return hits[0];
    if (hits.length === 0) throw new Error(`${where}: no member "${wanted}" (archive_member); the archive holds ${list(real)}`);
    throw new Error(`${where}: several members match "${wanted}": ${list(hits)}; give the full path as archive_member`);
  }
  const data = real.filter((m) => dataFile.test(m));
  if (data.length === 1) return data[0];
  if (data.length === 0) throw new Error(`${where}: no .sav or .zsav member; the archive holds ${list(real)}`);
  throw new Error(`${where}: several .sav/.zsav members: ${list(data)}; name the one to use with archive_member`);
}

export interface ExtractOptions {
  /** Names the extraction in messages, e.g. a wave id. */
  label: string;
  /** How to call the archive in messages (e.g. its path relative to the project root). */
  where?: string;
  sha256?: string;
  /** Runs on the complete temporary file before it is renamed into place; throw to reject it. */
  check?: (tmp: string) => Promise<void>;
  signal?: AbortSignal;
  onProgress?: (p: CopyProgress) => void;
}

/** Streams `member` of the archive to `target` (atomically) and returns its sha256 and size. */
export async function extractMember(file: string, member: string, target: string, options: ExtractOptions): Promise<{ sha256: string; size: number }> {
  const where = `${options.label}: ${options.where ?? file}`;
  const zip = await openArchive(file, where);
  try {
    const entry = (await readEntries(zip, where)).find((e) => e.fileName === member);
    if (!entry) throw new Error(`${where}: no member "${member}"`);
    return await withAtomicFile(target, async (tmp) => {
      const stream = await zip.openReadStreamPromise(entry);
      const result = await writeHashed(stream, tmp, { total: entry.uncompressedSize, signal: options.signal, onProgress: options.onProgress }).catch((err: Error) => {
        throw new Error(`${where}: member "${member}": ${err.message}`);
      });
      await options.check?.(tmp);
      if (options.sha256 && result.sha256 !== options.sha256) {
        throw sha256Mismatch(options.label, `"${member}" in ${options.where ?? file}`, options.sha256, result.sha256);
      }
      return result;
    });
  } finally {
    zip.close();
  }
}

async function openArchive(file: string, where: string): Promise<yauzl.ZipFile> {
  try {
    return await yauzl.openPromise(file, { autoClose: false, strictFileNames: false, validateEntrySizes: true });
  } catch (err) {
    throw new Error(`${where}: not a readable zip archive (${(err as Error).message})`);
  }
}

async function readEntries(zip: yauzl.ZipFile, where: string): Promise<yauzl.Entry[]> {
  const entries: yauzl.Entry[] = [];
  try {
    for await (const entry of zip.eachEntry()) if (!entry.fileName.endsWith('/')) entries.push(entry);
  } catch (err) {
    const message = (err as Error).message;
    // yauzl's name validation: a member that would land outside the folder it is unpacked into.
    if (/^(invalid relative path|absolute path|invalid characters in fileName)/.test(message)) {
      throw new Error(`${where}: unsafe member name (${message}); refusing to unpack this archive`);
    }
    throw new Error(`${where}: corrupt zip archive (${message})`);
  }
  return entries;
}
