/**
 * Fetching one survey wave: from a URL, a local path or the inbox, unpacking a zip when that is what
 * arrived, into `<outDir>/<WAVE>.sav` (or `.zsav`) plus `source.json`, its provenance. The wave file is
 * checked to be the SPSS file the manifest promises and, when the manifest knows its sha256, that it is
 * that very file. Used by the fetch stage and by scripts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { withAtomicFile, writeFileAtomic } from '../lib/atomic.js';
import { validate } from '../lib/schema.js';
import type { Progress } from '../runner/stage.js';
import { findInboxFile, missingInboxFileMessage } from '../survey/inbox.js';
import { download, displayUrl, DownloadError, type DownloadOptions, type DownloadResult } from './download.js';
import { writeHashed } from './hashed-copy.js';
import { sha256Mismatch } from './verify.js';
import { defaultInbox, resolveSource, type WaveEntry } from './waves.js';
import { chooseMember, extractMember, isZip, listArchive } from './zip.js';

export interface FetchWaveOptions {
  wave: string;
  entry: WaveEntry;
  /** Folder that receives the wave file and source.json. */
  outDir: string;
  /** The inbox folder as the manifest gives it, relative to `root`. */
  inbox?: string;
  /** Where relative source paths resolve (the project root, or the runner's staging copy of it). */
  cwd?: string;
  /** The project root, where the inbox lives. */
  root?: string;
  /** Where `$VAR` header values come from. */
  env?: Readonly<Record<string, string | undefined>>;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Retry, stall and clock settings for URL sources. */
  download?: Pick<DownloadOptions, 'retry' | 'stallMs' | 'maxRedirects' | 'sleep' | 'random'>;
}

/** The content of source.json (schemas/raw-source.schema.json), keys in this order. */
export interface SourceRecord {
  wave: string;
  kind: 'url' | 'path' | 'inbox';
  location: string;
  member?: string;
  file: string;
  format: 'sav' | 'zsav';
  sha256: string;
  size: number;
}

/** Header values from the environment; a missing variable is an error that says how to provide it. */
export function resolveHeaders(wave: string, headers: Readonly<Record<string, string>> | undefined, env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, ref] of Object.entries(headers ?? {})) {
    const variable = ref.slice(1);
    const value = env[variable];
    if (!value) throw new Error(`${wave}: header ${name} takes its value from $${variable}, which is not set (for pipe, also list ${variable} under the fetch stage's secrets)`);
    out[name] = value;
  }
  return out;
}

const spssMagic: Record<string, 'sav' | 'zsav'> = { $FL2: 'sav', $FL3: 'zsav' };

/** Rejects a file that is not the SPSS format the manifest names — typically a login page saved as data. */
async function checkSpss(file: string, wave: string, what: string, format: 'sav' | 'zsav', hint: string): Promise<void> {
  const fh = await fs.promises.open(file, 'r');
  let head: Buffer;
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(16), 0, 16, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const actual = spssMagic[head.subarray(0, 4).toString('latin1')];
  if (!actual) throw new Error(`${wave}: ${what} is not an SPSS file (it starts with ${JSON.stringify(head.toString('latin1'))})${hint}`);
  if (actual !== format) throw new Error(`${wave}: ${what} is a .${actual} file, but the manifest says format: ${format}`);
}

export async function fetchWave(o: FetchWaveOptions): Promise<SourceRecord> {
  const { wave, entry } = o;
  const cwd = o.cwd ?? process.cwd();
  const root = o.root ?? cwd;
  const src = resolveSource(entry.source);
  const file = `${wave}.${entry.format}`;
  const target = path.join(o.outDir, file);
  const report = (note?: string) => (p: { done: number; total?: number; note?: string }) =>
    o.onProgress?.({ done: p.done, ...(p.total !== undefined ? { total: p.total } : {}), unit: 'B', ...(p.note || note ? { note: p.note ?? note } : {}) });

  let delivered: string;
  let location: string;
  let member: string | undefined;
  let downloaded: DownloadResult | undefined;
  let hint = '';
  const partial = path.join(o.outDir, `.${wave}.download`);
  try {
    if (src.kind === 'url') {
      const headers = resolveHeaders(wave, entry.headers, o.env ?? process.env);
      const vars = Object.values(entry.headers ?? {}).join(', ');
      hint = vars ? `; a web page instead of data usually means the login in ${vars} has expired` : '; the URL may lead to a web page rather than the file';
      location = displayUrl(src.url);
      try {
        downloaded = await download(src.url, partial, { ...o.download, label: wave, headers, signal: o.signal, onProgress: report('downloading') });
      } catch (err) {
        if (vars && err instanceof DownloadError && /: HTTP 40[13]\b/.test(err.message)) err.message += ` (check the login in ${vars}; it may have expired)`;
        throw err;
      }
      delivered = partial;
    } else if (src.kind === 'path') {
      location = src.path;
      delivered = path.resolve(cwd, src.path);
      if (!fs.existsSync(delivered)) throw new Error(`${wave}: source ${src.path} does not exist (looked for ${delivered})`);
    } else {
      const inbox = o.inbox ?? defaultInbox;
      const inboxPath = path.resolve(root, inbox);
      const found = await findInboxFile(inboxPath, src.name, wave);
      if (!found) throw new Error(missingInboxFileMessage({ wave, name: src.name, format: entry.format, inbox, inboxPath, page: src.page }));
      location = path.posix.join(inbox.split(path.sep).join('/'), found.file);
      delivered = path.join(inboxPath, found.file);
      member = entry.archive_member === undefined ? found.member : undefined;
    }

    const check = (tmp: string, what: string) => checkSpss(tmp, wave, what, entry.format, hint);
    let result: { sha256: string; size: number };
    if (await isZip(delivered)) {
      member ??= chooseMember(await listArchive(delivered, `${wave}: ${location}`), entry.archive_member, `${wave}: ${location}`);
      const what = `"${member}" in ${location}`;
      result = await extractMember(delivered, member, target, {
        label: wave,
        where: location,
        sha256: entry.sha256,
        check: (tmp) => check(tmp, what),
        signal: o.signal,
        onProgress: report(`unpacking ${member}`),
      });
    } else {
      result = await withAtomicFile(target, async (tmp) => {
        let r: { sha256: string; size: number };
        if (downloaded) {
          await fs.promises.rename(partial, tmp);
          r = downloaded;
        } else {
          const { size: total } = await fs.promises.stat(delivered);
          r = await writeHashed(fs.createReadStream(delivered), tmp, { total, signal: o.signal, onProgress: report('copying') });
        }
        await check(tmp, location);
        if (entry.sha256 && r.sha256 !== entry.sha256) throw sha256Mismatch(wave, location, entry.sha256, r.sha256);
        return r;
      });
    }

    // A wave whose format changed leaves no stale twin behind.
    fs.rmSync(path.join(o.outDir, `${wave}.${entry.format === 'sav' ? 'zsav' : 'sav'}`), { force: true });
    const record: SourceRecord = { wave, kind: src.kind, location, ...(member !== undefined ? { member } : {}), file, format: entry.format, sha256: result.sha256, size: result.size };
    validate('raw-source', record, `${wave}: source.json`);
    writeFileAtomic(path.join(o.outDir, 'source.json'), `${JSON.stringify(record, null, 2)}\n`);
    return record;
  } finally {
    fs.rmSync(partial, { force: true });
  }
}
