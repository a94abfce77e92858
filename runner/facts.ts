/**
 * The facts that decide whether a stage must run — command or code, params, item, env, dependency hashes,
 * output paths — their fingerprint (the run-cache key), and the old → new explanation of what changed.
 */
import type { StageInstance } from './config.js';
import { HASH_FORMAT, sha256Bytes, type PathHash } from './hashing.js';
import type { ParamValue } from './stage.js';

export interface HashedPath {
  path: string;
  sha256: string;
  size: number;
  nfiles?: number;
}

export interface Facts {
  cmd?: string[];
  run?: string;
  code?: Record<string, string>;
  item?: ParamValue;
  params: Record<string, ParamValue>;
  env: Record<string, string | null>;
  deps: HashedPath[];
  outs: string[];
}

export interface LockEntry extends Omit<Facts, 'outs'> {
  outs: HashedPath[];
  metrics?: Record<string, Record<string, number>>;
}

/** JSON with object keys sorted at every level: a stable text for hashing. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** Deep equality of JSON values, key order aside: a cheap test that implies equal canonicalJson. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => sameJson(x, (b as unknown[])[i]));
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x).filter((k) => x[k] !== undefined);
  return keys.length === Object.keys(y).filter((k) => y[k] !== undefined).length && keys.every((k) => sameJson(x[k], y[k]));
}

export function hashedPath(p: string, h: PathHash): HashedPath {
  return { path: p, sha256: h.sha256, size: h.size, ...(h.nfiles !== undefined ? { nfiles: h.nfiles } : {}) };
}

export function stageFacts(
  stage: StageInstance,
  code: Record<string, string> | undefined,
  deps: HashedPath[],
  env: NodeJS.ProcessEnv = process.env,
): Facts {
  return {
    ...(stage.cmd ? { cmd: stage.cmd } : {}),
    ...(stage.run ? { run: stage.run, code: code ?? {} } : {}),
    ...(stage.item !== undefined ? { item: stage.item } : {}),
    params: stage.params,
    env: Object.fromEntries(stage.env.map((n) => [n, env[n] ?? null])),
    deps,
    outs: stage.outs.map((o) => o.path),
  };
}

/** The facts a lock entry recorded. */
export function lockedFacts(entry: LockEntry): Facts {
  return {
    ...(entry.cmd ? { cmd: entry.cmd } : {}),
    ...(entry.run ? { run: entry.run, code: entry.code ?? {} } : {}),
    ...(entry.item !== undefined ? { item: entry.item } : {}),
    params: entry.params ?? {},
    env: entry.env ?? {},
    deps: entry.deps ?? [],
    outs: (entry.outs ?? []).map((o) => o.path),
  };
}

export function fingerprint(facts: Facts): string {
  return sha256Bytes(canonicalJson({ format: HASH_FORMAT, ...facts }));
}

const short = (h: string): string => h.slice(0, 12);
const show = (v: unknown): string => (v === undefined ? '(none)' : canonicalJson(v));

/** Human explanations of how `now` differs from `before`, most telling first. */
export function explainChange(before: Facts, now: Facts): string[] {
  const reasons: string[] = [];
  if (canonicalJson(before.cmd) !== canonicalJson(now.cmd)) {
    reasons.push(`command changed: ${show(before.cmd?.join(' && '))} → ${show(now.cmd?.join(' && '))}`);
  }
  if (before.run !== now.run) reasons.push(`module changed: ${before.run ?? '(none)'} → ${now.run ?? '(none)'}`);
  const oldCode = before.code ?? {};
  const newCode = now.code ?? {};
  for (const file of [...new Set([...Object.keys(oldCode), ...Object.keys(newCode)])].sort()) {
    const a = oldCode[file];
    const b = newCode[file];
    if (a === b) continue;
    if (!a) reasons.push(`code ${file}: newly imported`);
    else if (!b) reasons.push(`code ${file}: no longer imported`);
    else reasons.push(`code ${file}: ${short(a)} → ${short(b)}`);
  }
  if (canonicalJson(before.item) !== canonicalJson(now.item)) reasons.push(`item: ${show(before.item)} → ${show(now.item)}`);
  for (const k of [...new Set([...Object.keys(before.params), ...Object.keys(now.params)])].sort()) {
    if (canonicalJson(before.params[k]) !== canonicalJson(now.params[k])) reasons.push(`param ${k}: ${show(before.params[k])} → ${show(now.params[k])}`);
  }
  for (const k of [...new Set([...Object.keys(before.env), ...Object.keys(now.env)])].sort()) {
    if (before.env[k] !== now.env[k]) reasons.push(`env ${k}: ${show(before.env[k])} → ${show(now.env[k])}`);
  }
  const oldDeps = new Map(before.deps.map((d) => [d.path, d]));
  const newDeps = new Map(now.deps.map((d) => [d.path, d]));
  for (const [p, d] of newDeps) {
    const o = oldDeps.get(p);
    if (!o) reasons.push(`dep ${p}: new dependency`);
    else if (o.sha256 !== d.sha256) {
      const files = d.nfiles !== undefined ? ` (${o.nfiles ?? '?'} → ${d.nfiles} files)` : '';
      reasons.push(`dep ${p}: ${short(o.sha256)} → ${short(d.sha256)}${files}`);
    }
  }
  for (const p of oldDeps.keys()) if (!newDeps.has(p)) reasons.push(`dep ${p}: no longer a dependency`);
  if (canonicalJson(before.outs) !== canonicalJson(now.outs)) reasons.push(`outputs: ${before.outs.join(', ') || '(none)'} → ${now.outs.join(', ') || '(none)'}`);
  return reasons;
}
