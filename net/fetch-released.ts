/**
 * Bringing in one released row file (config/released.yaml): the copy in the inbox when the user dropped one there,
 * else a download from the entry's URL with its headers (a token from the environment, e.g. `Bearer $HF_TOKEN`
 * for a gated Hugging Face dataset). A file that is nowhere to be had, or a server that refuses the token, gets a
 * message that says what to do; a header value never appears in a message.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadYaml, validate } from '../lib/schema.js';
import type { Progress } from '../runner/stage.js';
import { download, displayUrl, DownloadError, type DownloadOptions } from './download.js';
import { HEADER_TEMPLATE, resolveHeaders } from './fetch-wave.js';
import { redact, sha256File, sha256Mismatch } from './verify.js';

export const defaultReleasedManifest = 'config/released.yaml';

export interface ReleasedEntry {
  role: 'train' | 'eval';
  /** The file's name in the inbox. */
  file: string;
  url?: string;
  /** Header name → `$NAME` or `Scheme $NAME`. */
  headers?: Record<string, string>;
  /** Where a person gets the file. */
  page?: string;
  sha256?: string;
}

export interface ReleasedManifest {
  sets: Record<string, Record<string, ReleasedEntry>>;
}

export function loadReleasedManifest(file = defaultReleasedManifest): ReleasedManifest {
  return loadYaml<ReleasedManifest>('released', file).data;
}

/** Validates one entry handed over on its own (the released stage's `foreach` item) with the manifest's schema. */
export function validateReleasedEntry(id: string, entry: unknown, where: string): ReleasedEntry {
  try {
    return validate<ReleasedManifest>('released', { sets: { item: { [id]: entry } } }, where).sets.item![id]!;
  } catch (err) {
    (err as Error).message = (err as Error).message.replaceAll(`sets.item.${id}`, id);
    throw err;
  }
}

export interface FetchReleasedOptions {
  id: string;
  entry: ReleasedEntry;
  /** The inbox as the wave manifest gives it, relative to `root`. */
  inbox: string;
  root: string;
  /** Where a download goes (a temporary file the caller removes). */
  downloadTo: string;
  env: Readonly<Record<string, string | undefined>>;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Retry, stall and clock settings for downloads. */
  download?: Pick<DownloadOptions, 'retry' | 'stallMs' | 'maxRedirects' | 'sleep' | 'random'>;
}

export interface FetchedReleased {
  kind: 'inbox' | 'url';
  /** How messages and released.json name it: the inbox path, or the URL. */
  location: string;
  /** The local file to read. */
  file: string;
  sha256: string;
  size: number;
}

/** The environment variables the entry's headers take their values from. */
const headerVariables = (entry: ReleasedEntry): string[] => Object.values(entry.headers ?? {}).map((t) => HEADER_TEMPLATE.exec(t)?.[2] ?? t);

const isHuggingFace = (url: string): boolean => new URL(url).hostname.endsWith('huggingface.co');

/** What to tell a user who has neither the file in the inbox nor a way to download it. */
function missingMessage(o: FetchReleasedOptions, unset: string[]): string {
  const { id, entry } = o;
  const folder = `${path.resolve(o.root, o.inbox)}${path.sep}`;
  const page = entry.page ?? entry.url;
  const why = entry.url ? ` and ${unset.join(', ')} ${unset.length > 1 ? 'are' : 'is'} not set, so it cannot be downloaded` : '';
  const token = unset.length
    ? `set ${unset.join(' and ')} to an access token of that account${entry.url && isHuggingFace(entry.url) ? ' (https://huggingface.co/settings/tokens)' : ''}: the file is then downloaded from ${displayUrl(entry.url!)}`
    : undefined;
  const drop = `download "${entry.file}" and put it into ${folder}`;
  const steps = [
    ...(page ? [`  1. open ${page}, sign in and accept the dataset's terms if it asks (a gated dataset serves nobody who has not)`] : []),
    ...(token ? [`  ${page ? '2' : '1'}. either ${token}`, `     or ${drop}`] : [`  ${page ? '2' : '1'}. ${drop}`]),
  ];
  return [`${id}: "${entry.file}" is not in the inbox ${o.inbox}${why}. To get it:`, ...steps, 'then run again.'].join('\n');
}

/** The entry's file as a local file, from the inbox or downloaded, verified against its sha256 when it has one. */
export async function fetchReleased(o: FetchReleasedOptions): Promise<FetchedReleased> {
  const { id, entry } = o;
  const inboxFile = path.resolve(o.root, o.inbox, entry.file);
  if (fs.existsSync(inboxFile)) {
    const location = path.posix.join(o.inbox.split(path.sep).join('/'), entry.file);
    const { sha256, size } = await sha256File(inboxFile);
    if (entry.sha256 && sha256 !== entry.sha256) throw sha256Mismatch(id, location, entry.sha256, sha256);
    return { kind: 'inbox', location, file: inboxFile, sha256, size };
  }
  const variables = headerVariables(entry);
  const unset = variables.filter((v) => !o.env[v]);
  if (!entry.url || unset.length) throw new Error(missingMessage(o, unset));

  const secrets = variables.map((v) => o.env[v]!);
  const headers = resolveHeaders(id, entry.headers, o.env, 'released');
  const url = displayUrl(entry.url);
  try {
    const got = await download(entry.url, o.downloadTo, {
      ...o.download,
      label: id,
      headers,
      ...(entry.sha256 ? { sha256: entry.sha256 } : {}),
      signal: o.signal,
      onProgress: (p) => o.onProgress?.({ done: p.done, ...(p.total !== undefined ? { total: p.total } : {}), unit: 'B', note: p.note ?? 'downloading' }),
    });
    return { kind: 'url', location: url, file: o.downloadTo, ...got };
  } catch (err) {
    const e = redact(err, secrets);
    const status = e instanceof DownloadError ? e.status : undefined;
    const vars = variables.join(', ');
    if ((status === 401 || status === 403) && vars) {
      e.message += `: the server refused the token in ${vars}. Accept the dataset's terms${entry.page ? ` at ${entry.page}` : ''} and set ${vars} to a valid access token of the account that accepted them, or put "${entry.file}" into ${o.inbox}/`;
    } else if (status === 404) {
      e.message += `: no such file at this URL; correct url: of ${id} in ${defaultReleasedManifest}, or put "${entry.file}" into ${o.inbox}/`;
    }
    throw e;
  }
}
