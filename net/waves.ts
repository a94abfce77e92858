/** The wave manifest (config/waves.yaml) as the fetch side reads it: where each wave file comes from. */
import { loadYaml, validate } from '../lib/schema.js';

export const defaultManifest = 'config/waves.yaml';
export const defaultInbox = 'data/inbox';

export type WaveSource = string | { inbox: string; page?: string };

export interface WaveEntry {
  family: 'atp' | 'gss';
  role: 'train' | 'eval';
  format: 'sav' | 'zsav';
  source: WaveSource;
  /** Header name → `$ENV_VAR` that holds its value. */
  headers?: Record<string, string>;
  sha256?: string;
  archive_member?: string;
  /** Fields the fetch side does not use (questions, profile, ordinals, …). */
  [other: string]: unknown;
}

export interface WaveManifest {
  inbox?: string;
  sets: Record<string, Record<string, WaveEntry>>;
}

/** Parses and validates the manifest; errors are `file:line:col: message`. */
export function loadWaveManifest(file = defaultManifest): WaveManifest {
  return loadYaml<WaveManifest>('waves', file).data;
}

/** Validates one entry handed over on its own (a stage's `foreach` item) with the manifest's schema. */
export function validateWaveEntry(wave: string, entry: unknown, where: string): WaveEntry {
  try {
    return validate<WaveManifest>('waves', { sets: { item: { [wave]: entry } } }, where).sets.item[wave];
  } catch (err) {
    (err as Error).message = (err as Error).message.replaceAll(`sets.item.${wave}`, wave);
    throw err;
  }
}

/** The entry of `wave` in whichever set holds it (ids are unique across sets). */
export function findWave(manifest: WaveManifest, wave: string): WaveEntry | undefined {
  for (const set of Object.values(manifest.sets)) if (Object.hasOwn(set, wave)) return set[wave];
  return undefined;
}

export type ResolvedSource = { kind: 'url'; url: string } | { kind: 'path'; path: string } | { kind: 'inbox'; name: string; page?: string };

export function resolveSource(source: WaveSource): ResolvedSource {
  if (typeof source !== 'string') return { kind: 'inbox', name: source.inbox, ...(source.page ? { page: source.page } : {}) };
  return /^https?:\/\//i.test(source) ? { kind: 'url', url: source } : { kind: 'path', path: source };
}
