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

/** A header value: `$NAME`, or a scheme and `$NAME` (`Bearer $HF_TOKEN`); NAME is an environment variable. */
export const HEADER_TEMPLATE = /^((?:[A-Za-z][A-Za-z0-9-]* )?)\$([A-Za-z_][A-Za-z0-9_]*)$/;

/**
 * Header values from the environment; a missing variable is an error that says how to provide it (`stage`
 * names the pipeline stage whose `secrets` must list it). Values are secrets: never logged or recorded.
 */
export function resolveHeaders(
  label: string,
  headers: Readonly<Record<string, string>> | undefined,
  env: Readonly<Record<string, string | undefined>>,
  stage = 'fetch',
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, template] of Object.entries(headers ?? {})) {
    const m = HEADER_TEMPLATE.exec(template);
    if (!m) throw new Error(`${label}: header ${name} must be $NAME or "Scheme $NAME" (an environment variable), not a literal value`);
    const value = env[m[2]!];
    if (!value) throw new Error(`${label}: header ${name} takes its value from $${m[2]}, which is not set (for pipe, also list ${m[2]} under the ${stage} stage's secrets)`);
    out[name] = `${m[1]}${value}`;
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

/** What arrived, before it becomes the wave file. */
interface Delivery {
  /** The file to read: the downloaded temporary file, the local source, or the inbox file. */
  file: string;
  /** How source.json and messages name it. */
  location: string;
  /** The archive member already known to hold the wave (an inbox zip recognised by its content). */
  member?: string;
  /** Hash and size of a download, computed while it streamed. */
  downloaded?: DownloadResult;
  /** Appended to "is not an SPSS file" errors. */
  hint: string;
}

type Report = (note: string) => (p: { done: number; total?: number; note?: string }) => void;

async function deliver(o: FetchWaveOptions, partial: string, report: Report): Promise<Delivery> {
  const { wave, entry } = o;
  const cwd = o.cwd ?? process.cwd();
  const src = resolveSource(entry.source);
  if (src.kind === 'url') {
    const headers = resolveHeaders(wave, entry.headers, o.env ?? process.env);
    const vars = Object.values(entry.headers ?? {}).join(', ');
    try {
      const downloaded = await download(src.url, partial, { ...o.download, label: wave, headers, signal: o.signal, onProgress: report('downloading') });
      const hint = vars ? `; a web page instead of data usually means the login in ${vars} has expired` : '; the URL may lead to a web page rather than the file';
      return { file: partial, location: displayUrl(src.url), downloaded, hint };
    } catch (err) {
      if (vars && err instanceof DownloadError && (err.status === 401 || err.status === 403)) err.message += ` (check the login in ${vars}; it may have expired)`;
      throw err;
    }
  }
  if (src.kind === 'path') {
    const file = path.resolve(cwd, src.path);
    if (!fs.existsSync(file)) throw new Error(`${wave}: source ${src.path} does not exist (looked for ${file})`);
    return { file, location: src.path, hint: '' };
  }
  const inbox = o.inbox ?? defaultInbox;
  const inboxPath = path.resolve(o.root ?? cwd, inbox);
  const found = await findInboxFile(inboxPath, src.name, wave);
  if (!found) throw new Error(missingInboxFileMessage({ wave, name: src.name, format: entry.format, inbox, inboxPath, page: src.page }));
  return {
    file: path.join(inboxPath, found.file),
    location: path.posix.join(inbox.split(path.sep).join('/'), found.file),
    ...(found.member !== undefined && entry.archive_member === undefined ? { member: found.member } : {}),
    hint: '',
  };
}

export async function fetchWave(o: FetchWaveOptions): Promise<SourceRecord> {
  const { wave, entry } = o;
  const file = `${wave}.${entry.format}`;
  const target = path.join(o.outDir, file);
  const partial = path.join(o.outDir, `.${wave}.download`);
  const report: Report = (note) => (p) => o.onProgress?.({ done: p.done, ...(p.total !== undefined ? { total: p.total } : {}), unit: 'B', note: p.note ?? note });
  try {
    const d = await deliver(o, partial, report);
    const check = (tmp: string, what: string) => checkSpss(tmp, wave, what, entry.format, d.hint);
    let member: string | undefined;
    let result: { sha256: string; size: number };
    if (await isZip(d.file)) {
      const where = `${wave}: ${d.location}`;
      const chosen = d.member ?? chooseMember(await listArchive(d.file, where), entry.archive_member, where);
      member = chosen;
      result = await extractMember(d.file, chosen, target, {
        label: wave,
        where: d.location,
        sha256: entry.sha256,
        check: (tmp) => check(tmp, `"${chosen}" in ${d.location}`),
        signal: o.signal,
        onProgress: report(`unpacking ${chosen}`),
      });
    } else {
      result = await withAtomicFile(target, async (tmp) => {
        let r: { sha256: string; size: number };
        if (d.downloaded) {
          await fs.promises.rename(partial, tmp);
          r = d.downloaded;
        } else {
          const { size: total } = await fs.promises.stat(d.file);
          r = await writeHashed(fs.createReadStream(d.file), tmp, { total, signal: o.signal, onProgress: report('copying') });
        }
        await check(tmp, d.location);
        if (entry.sha256 && r.sha256 !== entry.sha256) throw sha256Mismatch(wave, d.location, entry.sha256, r.sha256);
        return r;
      });
    }

    // A wave whose format changed leaves no stale twin behind.
    fs.rmSync(path.join(o.outDir, `${wave}.${entry.format === 'sav' ? 'zsav' : 'sav'}`), { force: true });
    const record: SourceRecord = { wave, kind: resolveSource(entry.source).kind, location: d.location, ...(member !== undefined ? { member } : {}), file, format: entry.format, sha256: result.sha256, size: result.size };
    validate('raw-source', record, `${wave}: source.json`);
    writeFileAtomic(path.join(o.outDir, 'source.json'), `${JSON.stringify(record, null, 2)}\n`);
    return record;
  } finally {
    fs.rmSync(partial, { force: true });
  }
}
