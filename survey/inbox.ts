/**
 * The inbox: a folder where users drop the files that Pew (and others) only hand out after a login. A wave's
 * manifest entry names the file loosely (`{inbox: "ATP W92"}`); this module finds it, forgiving the ways
 * browsers and people rename things, and when it is not there says exactly what to download from where.
 */
import fs from 'node:fs';
import path from 'node:path';
import { listArchive } from '../net/zip.js';

const dataExt = /\.z?sav$/i;
const zipExt = /\.zip$/i;

/**
 * A case-insensitive pattern for a name such as "ATP W92": letters and digits in runs, separated by optional
 * spaces, underscores, hyphens or dots (so "atp_w92", "ATPW92", "ATP-W92" match), not glued to a preceding
 * letter or digit, and not followed by a further digit (so W92 never matches W920).
 */
export function inboxNamePattern(name: string): RegExp {
  const runs = name.match(/[A-Za-z]+|\d+/g);
  if (!runs) throw new Error(`inbox name "${name}" has no letters or digits`);
  const body = runs.join('[\\s_.-]*');
  const tail = /\d$/.test(name.trim()) ? '(?!\\d)' : '(?![A-Za-z])';
  return new RegExp(`(?<![A-Za-z0-9])${body}${tail}`, 'i');
}

export interface InboxFile {
  /** Path relative to the inbox folder, with `/` separators. */
  file: string;
  /** The member to take when `file` is an archive that was recognised by what it contains. */
  member?: string;
}

/** Files under `dir` (a few levels down, hidden files and macOS shadows skipped), relative, sorted. */
function walk(dir: string, depth = 3, prefix = ''): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(dir, prefix), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === '__MACOSX') continue;
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory() && depth > 1) out.push(...walk(dir, depth - 1, rel));
    else if (e.isFile()) out.push(rel);
  }
  return out.sort();
}

/**
 * Finds the file for `name` in the inbox `dir`: a .sav/.zsav or .zip whose file name matches, a data file
 * winning over archives (users often unpack the zip next to it); failing that, a .zip that holds a matching
 * .sav/.zsav (Pew names its archives by date, e.g. "W92_Dec21.zip"). Returns undefined when nothing
 * matches; several equally good candidates are an error that lists them.
 */
export async function findInboxFile(dir: string, name: string, where: string): Promise<InboxFile | undefined> {
  const pattern = inboxNamePattern(name);
  const files = walk(dir);
  const named = files.filter((f) => pattern.test(path.posix.basename(f)));
  const data = named.filter((f) => dataExt.test(f));
  const zips = named.filter((f) => zipExt.test(f));
  const pick = (candidates: string[]): string | undefined => {
    if (candidates.length > 1) {
      throw new Error(`${where}: several files in the inbox ${dir} match "${name}": ${candidates.map((c) => JSON.stringify(c)).join(', ')}; keep one`);
    }
    return candidates[0];
  };
  const direct = pick(data) ?? pick(zips);
  if (direct) return { file: direct };
  const holding: InboxFile[] = [];
  for (const zip of files.filter((f) => zipExt.test(f))) {
    const members = await listArchive(path.join(dir, zip), `${where}: ${path.join(dir, zip)}`);
    for (const member of members) {
      if (dataExt.test(member) && !path.posix.basename(member).startsWith('._') && pattern.test(path.posix.basename(member))) holding.push({ file: zip, member });
    }
  }
  if (holding.length > 1) {
    throw new Error(`${where}: several archives in the inbox ${dir} hold "${name}": ${holding.map((h) => `"${h.file}" (${h.member})`).join(', ')}; keep one`);
  }
  return holding[0];
}

export interface MissingInboxFile {
  wave: string;
  /** The name from the manifest, e.g. "ATP W92". */
  name: string;
  format: 'sav' | 'zsav';
  /** The inbox as the manifest gives it, and as an absolute path. */
  inbox: string;
  inboxPath: string;
  /** Where to download the file; defaults to Pew's dataset page for ATP waves. */
  page?: string;
}

/** Pew's dataset page of an ATP wave id such as ATP_W92, or undefined for other ids. */
export function pewDatasetPage(wave: string): string | undefined {
  const m = /^ATP_W(\d+)$/.exec(wave);
  return m ? `https://www.pewresearch.org/dataset/american-trends-panel-wave-${m[1]}/` : undefined;
}

/** What to tell a user whose inbox lacks a wave: which file, from where, into which folder. */
export function missingInboxFileMessage(m: MissingInboxFile): string {
  const file = `${m.name}.${m.format}`;
  const page = m.page ?? pewDatasetPage(m.wave);
  const folder = `${m.inboxPath}${path.sep}`;
  const steps = page
    ? [
        `  1. open ${page} and sign in${page.includes('pewresearch.org') ? ' (a free Pew Research Center account)' : ''}`,
        `  2. download the SPSS dataset (a .zip that holds "${file}")`,
        `  3. put the .zip, or the "${file}" inside it, into ${folder}`,
      ]
    : [`  download "${file}" (or a .zip that holds it) and put it into ${folder}`];
  return [`${m.wave}: "${file}" is not in the inbox ${m.inbox} (nothing there matches "${m.name}"). To get it:`, ...steps, 'then run again.'].join('\n');
}
