/**
 * A pinned release: files of a public repository at one commit, each pinned by its sha256 (config/subpop-release.yaml,
 * schemas/subpop-release.schema.json). The SubPOP authors' metadata come in this way: steering texts, group sets,
 * question lists and curated ordinals.
 *
 * A file is used only when its bytes are the pinned ones. It is read from the mirror (vendor/subpop/, the files
 * under their paths in the repository), or, when the mirror lacks it, downloaded from the pinned URL into the
 * mirror (resumed, verified, atomic; `fetchReleaseFile`). Readers of configured paths go through
 * `readInputFile`, which verifies any file that lies inside the mirror and reads other files as they are; the
 * project's manifest governs (`defaultRelease`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { packageRoot } from '../lib/paths.js';
import { loadYaml } from '../lib/schema.js';
import { download, type DownloadOptions } from './download.js';
import { sha256Mismatch } from './verify.js';

export const defaultReleaseManifest = 'config/subpop-release.yaml';

export interface ReleaseManifest {
  repository: string;
  commit: string;
  url: string;
  mirror: string;
  /** Path in the repository → sha256. */
  files: Record<string, string>;
}

export interface Release extends ReleaseManifest {
  /** The manifest file, for messages. */
  manifestFile: string;
  /** The project root the mirror is relative to. */
  root: string;
}

/** Parses and validates a manifest; `root` is the project root its `mirror` is relative to. */
export function loadRelease(manifestFile: string, root: string): Release {
  return { ...loadYaml<ReleaseManifest>('subpop-release', manifestFile).data, manifestFile, root };
}

const releases = new Map<string, Release>();

/**
 * The release manifest of the project in the working directory (stages run in the project root), or, where
 * there is none, this package's: config/subpop-release.yaml with its mirror vendor/subpop/.
 */
export function defaultRelease(): Release {
  const cwd = process.cwd();
  let release = releases.get(cwd);
  if (!release) {
    const root = fs.existsSync(path.join(cwd, defaultReleaseManifest)) ? cwd : packageRoot;
    releases.set(cwd, (release = loadRelease(path.join(root, defaultReleaseManifest), root)));
  }
  return release;
}

/** Where the mirror keeps `file` (a path in the repository). */
export function mirrorPath(release: Release, file: string): string {
  return path.join(release.root, release.mirror, ...file.split('/'));
}

/** The pinned URL of `file`. */
export function releaseUrl(release: Release, file: string): string {
  return release.url + file.split('/').map(encodeURIComponent).join('/');
}

function pin(release: Release, file: string): string {
  if (!Object.hasOwn(release.files, file)) {
    throw new Error(`${release.manifestFile}: ${file} is not one of the pinned files (${Object.keys(release.files).join(', ')})`);
  }
  return release.files[file]!;
}

/** The path in the repository of a file on disk that lies inside the mirror, else undefined. */
export function releasePathOf(release: Release, file: string): string | undefined {
  const rel = path.relative(path.resolve(release.root, release.mirror), path.resolve(file));
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : undefined;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function verified(release: Release, file: string, bytes: Buffer, from: string): Buffer {
  const expected = pin(release, file);
  const actual = sha256(bytes);
  if (actual !== expected) {
    throw sha256Mismatch(from, `${file} as pinned by ${release.manifestFile} (${release.repository}@${release.commit.slice(0, 12)})`, expected, actual);
  }
  return bytes;
}

const refreshHint = (release: Release) => `\`npx subpop-release\` fetches the pinned files from ${release.url}`;

/** The pinned bytes of `file` from the mirror; an error names the file and, on a mismatch, both hashes. */
export function readReleaseFile(release: Release, file: string): Buffer {
  pin(release, file);
  const local = mirrorPath(release, file);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(local);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${local}: cannot read (${(err as Error).message})`);
    throw new Error(`${local}: missing from the mirror of ${release.manifestFile}; ${refreshHint(release)}`);
  }
  try {
    return verified(release, file, bytes, local);
  } catch (err) {
    (err as Error).message += `; restore the file (git checkout) or ${refreshHint(release)} with --refresh`;
    throw err;
  }
}

export interface FetchReleaseOptions extends Pick<DownloadOptions, 'retry' | 'stallMs' | 'signal' | 'onProgress' | 'sleep' | 'random'> {
  /** Download even when the mirror holds the file, and replace it (after verification). */
  refresh?: boolean;
}

/** The pinned bytes of `file`: from the mirror, or downloaded from the pinned URL into the mirror when absent. */
export async function fetchReleaseFile(release: Release, file: string, options: FetchReleaseOptions = {}): Promise<{ bytes: Buffer; fetched: boolean }> {
  const expected = pin(release, file);
  const local = mirrorPath(release, file);
  if (!options.refresh && fs.existsSync(local)) return { bytes: readReleaseFile(release, file), fetched: false };
  const { retry, stallMs, signal, onProgress, sleep, random } = options;
  await download(releaseUrl(release, file), local, { retry, stallMs, signal, onProgress, sleep, random, label: file, sha256: expected });
  return { bytes: readReleaseFile(release, file), fetched: true };
}

/**
 * The bytes of a configured input file. One inside the release mirror must match its pin (or the mirror holds a
 * file the manifest does not pin, which is an error); any other file is read as it is.
 */
export function readInputFile(file: string, release: Release = defaultRelease()): Buffer {
  const inRelease = releasePathOf(release, file);
  if (inRelease !== undefined) return readReleaseFile(release, inRelease);
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`${file}: cannot read (${(err as Error).message})`);
  }
}

/** `readInputFile` as UTF-8 text. */
export const readInputText = (file: string, release?: Release): string => readInputFile(file, release).toString('utf8');
