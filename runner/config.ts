/**
 * Loads pipeline.yaml into concrete stage instances: validates it against schemas/pipeline.schema.json, applies
 * command-line param overrides, loads `vars`, expands `foreach`/`matrix`, and interpolates `${...}`. Every error
 * names `file:line:col` and the key.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { locateIn, type PositionIndex } from '../lib/positions.js';
import { interpolate, interpolatePaths, interpolateText, InterpolationError, type Scope } from './interpolate.js';
import { applyOverrides } from './params.js';
import { ParseCache } from './parse-cache.js';
import type { ParamValue, StageResources } from './stage.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export type Executor = 'local' | 'slurm';

interface RawStage {
  desc?: string;
  cmd?: string | string[];
  run?: string;
  deps?: (string | { path: string; hint?: string; optional?: boolean })[];
  params?: string[];
  outs?: string[];
  metrics?: string[];
  env?: string[];
  secrets?: string[];
  resources?: { cpus?: number | string; gpus?: number | string; mem?: number | string; time?: string };
  executor?: Executor;
  default?: boolean;
  checkpoint_every?: number | string;
  foreach?: ParamValue;
  matrix?: Record<string, ParamValue>;
  when?: ParamValue;
}

export interface SlurmSettings {
  partition?: string;
  account?: string;
  time?: string;
  extra?: string[];
  /** Seconds before the time limit at which a job asks its stage for a checkpoint, then requeues itself. */
  signal_before?: number;
  /** Most times a stage's job may start: its first run and its requeues. */
  attempts?: number;
}

interface RawPipeline {
  params?: Record<string, ParamValue>;
  vars?: Record<string, ParamValue>;
  executor?: Executor;
  slurm?: SlurmSettings;
  cache_dir?: string;
  stages: Record<string, RawStage>;
}

export interface Dep {
  /** Normalised: relative to the root when inside it, else absolute; no trailing slash. */
  path: string;
  /** What to do when the path is missing; interpolated only then (it may name things that exist only then). */
  hint?: () => string;
  /** May be absent: then the stage runs without it, and its appearance (or change) reruns the stage. */
  optional?: boolean;
  /** `file:line:col` of the declaration. */
  where: string;
}

export interface Out {
  path: string;
  /** Declared with a trailing slash: the stage starts with an empty directory there. */
  dir: boolean;
  where: string;
}

export interface StageInstance {
  name: string;
  group: string;
  key?: string;
  item?: ParamValue;
  desc?: string;
  cmd?: string[];
  run?: string;
  deps: Dep[];
  outs: Out[];
  /** Metrics files: outputs of their own, or files inside an output directory. */
  metrics: string[];
  params: Record<string, ParamValue>;
  env: string[];
  secrets: string[];
  resources: StageResources & { time?: string };
  executor: Executor;
  /** Run by a `pipe run` that names no stage (`default: false` keeps a costly experiment out of it). */
  default: boolean;
  /** Minutes between checkpoints of a checkpointing stage. */
  checkpointEvery: number;
  /** `file:line:col` of the stage definition, and a locator for its keys. */
  where: string;
  locate(...keys: (string | number)[]): string;
}

export interface Pipeline {
  root: string;
  file: string;
  params: Record<string, ParamValue>;
  defaults: Record<string, ParamValue>;
  slurm: SlurmSettings;
  /** `cache_dir` from the file, when set (relative to the root). */
  cacheDir?: string;
  stages: Map<string, StageInstance>;
  /** Stage group name → instance names, in definition order. */
  groups: Map<string, string[]>;
}

export interface LoadOptions {
  overrides?: ReadonlyArray<[string, string]>;
  executor?: Executor;
}

const VAR_FILE = /^([^#\s]+\.(?:ya?ml|json))#(.*)$/;

// YAML forbids `{` and `}` in unquoted scalars inside `[...]`, yet `outs: [models/${model}/]` should just work:
// before parsing, the braces of `${...}` become private-use characters (same length, so line:col stay right),
// and they turn back into braces in the parsed values.
const OPEN = '\uE000';
const CLOSE = '\uE001';

export function protectInterpolation(text: string): string {
  let out = '';
  let depth = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (c === '{' && text[i - 1] === '$') {
      depth += 1;
      out += OPEN;
    } else if (c === '}' && depth > 0) {
      depth -= 1;
      out += CLOSE;
    } else {
      if (c === '\n') depth = 0;
      out += c;
    }
  }
  return out;
}

function unprotect<T>(value: T): T {
  if (typeof value === 'string') return value.replaceAll(OPEN, '{').replaceAll(CLOSE, '}') as T;
  if (Array.isArray(value)) return value.map(unprotect) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [unprotect(k), unprotect(v)])) as T;
  }
  return value;
}

export function parseSize(value: number | string, where: string): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(value.trim());
  if (!m) throw new ConfigError(`${where}: cannot read "${value}" as a size (use e.g. 4G or 512M)`);
  const scale = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.round(Number(m[1]) * scale);
}

/** A duration in minutes: a number of minutes, or a number with s, m or h. */
export function parseMinutes(value: number | string, where: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smh]?)$/.exec(String(value).trim());
  const minutes = m ? Number(m[1]) * { s: 1 / 60, m: 1, h: 60, '': 1 }[m[2] as 's' | 'm' | 'h' | ''] : NaN;
  if (!(minutes > 0)) throw new ConfigError(`${where}: cannot read "${value}" as a duration (use minutes, or e.g. 90s, 10m, 1h)`);
  return minutes;
}

/** Normalises a declared path: relative to the root when inside it, forward slashes, no trailing slash. */
export function normalizePath(root: string, p: string): { path: string; dir: boolean; inside: boolean } {
  const dir = p.endsWith('/');
  const expanded = p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : p;
  const abs = path.resolve(root, expanded);
  const rel = path.relative(root, abs);
  const inside = rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  return { path: inside ? rel.split(path.sep).join('/') || '.' : abs, dir, inside };
}

function lookupKey(data: unknown, dotted: string): unknown {
  let value = data;
  for (const key of dotted.split('.').filter(Boolean)) {
    if (value === null || typeof value !== 'object' || !(key in value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function instanceKey(value: ParamValue, index: number): string {
  return value === null || typeof value === 'object' ? String(index) : String(value);
}

interface ParsedPipeline {
  data: RawPipeline;
  positions: PositionIndex;
}

/** Parses and validates pipeline.yaml; the result is cached by content, so unchanged files skip both. */
async function parsePipeline(file: string, cache: ParseCache): Promise<ParsedPipeline> {
  const text = fs.readFileSync(file, 'utf8');
  return cache.get('pipeline', text, async () => {
    const { loadYaml, indexPositions } = await import('../lib/schema.js');
    const loaded = loadYaml<RawPipeline>('pipeline', file, protectInterpolation(text), { transform: unprotect, precheck });
    return { data: loaded.data, positions: indexPositions(loaded.src) };
  });
}

export async function loadPipeline(file: string, options: LoadOptions = {}, cache = new ParseCache()): Promise<Pipeline> {
  const root = path.dirname(path.resolve(file));
  const { data, positions } = await parsePipeline(file, cache);
  const loc = (...keys: (string | number)[]): string => locateIn(positions, keys);
  const defaults = data.params ?? {};
  const params = applyOverrides(defaults, options.overrides ?? []);

  const scope: Record<string, ParamValue> = { ...params };
  for (const [name, raw] of Object.entries(data.vars ?? {})) {
    if (Object.hasOwn(params, name)) throw new ConfigError(`${loc('vars', name)}: var "${name}" has the same name as a param`);
    scope[name] = await resolveVar(root, raw, scope, loc('vars', name), cache);
  }

  const stages = new Map<string, StageInstance>();
  const groups = new Map<string, string[]>();
  for (const [group, raw] of Object.entries(data.stages)) {
    const names: string[] = [];
    const variants = isWanted(raw, scope, (...k) => loc('stages', group, ...k)) ? expandVariants(raw, scope, (...k) => loc('stages', group, ...k)) : [];
    for (const { key, item } of variants) {
      const inst = buildInstance(root, positions, group, raw, key, item, scope, params, data.executor ?? 'local', options.executor);
      if (stages.has(inst.name)) throw new ConfigError(`${inst.where}: two instances are named "${inst.name}"`);
      stages.set(inst.name, inst);
      names.push(inst.name);
    }
    groups.set(group, names);
  }
  for (const name of groups.keys()) {
    if (stages.has(name) && groups.get(name)!.length > 1) throw new ConfigError(`${loc('stages', name)}: "${name}" is both a stage and a group`);
  }
  return {
    root,
    file: path.resolve(file),
    params,
    defaults,
    slurm: data.slurm ?? {},
    ...(data.cache_dir ? { cacheDir: data.cache_dir } : {}),
    stages,
    groups,
  };
}

/** Mistakes the schema would only report as "must match exactly one schema in oneOf". */
function precheck(data: unknown, locate: (keys: readonly (string | number)[], preferKey?: boolean) => string): void {
  const stages = (data as { stages?: unknown } | null)?.stages;
  if (stages === null || typeof stages !== 'object') return;
  for (const [name, stage] of Object.entries(stages)) {
    if (stage === null || typeof stage !== 'object') continue;
    const s = stage as Record<string, unknown>;
    if ('cmd' in s && 'run' in s) throw new ConfigError(`${locate(['stages', name, 'run'], true)}: stage "${name}" has both cmd and run; use one`);
    if (!('cmd' in s) && !('run' in s)) throw new ConfigError(`${locate(['stages', name], true)}: stage "${name}" needs cmd (a shell command) or run (a stage module)`);
  }
}

async function resolveVar(root: string, raw: ParamValue, scope: Scope, where: string, cache: ParseCache): Promise<ParamValue> {
  try {
    if (typeof raw !== 'string') return interpolateDeep(raw, scope);
    // A single reference keeps its value's type (a map stays a map); only text can name a file.
    const interpolated = interpolate(raw, scope);
    const m = typeof interpolated === 'string' ? VAR_FILE.exec(interpolated) : null;
    if (!m) return interpolated;
    let content: string;
    try {
      content = fs.readFileSync(path.resolve(root, m[1]!), 'utf8');
    } catch {
      throw new ConfigError(`${where}: cannot read ${m[1]}`);
    }
    const parsed = await cache.get('yaml', content, async () => {
      const { parseYaml } = await import('../lib/schema.js');
      return parseYaml(m[1]!, content).doc.toJS() as unknown;
    });
    const value = lookupKey(parsed, m[2]!);
    if (value === undefined) throw new ConfigError(`${where}: ${m[1]} has no key "${m[2]}"`);
    return value as ParamValue;
  } catch (err) {
    if (err instanceof InterpolationError) throw new ConfigError(`${where}: ${err.message}`);
    throw err;
  }
}

/** Interpolates every string inside a list or map of `vars`. */
function interpolateDeep(value: ParamValue, scope: Scope): ParamValue {
  if (typeof value === 'string') return interpolate(value, scope);
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, scope));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, scope)]));
  return value;
}

/** False, null, '', 0 and an empty list or map are "no"; anything else is "yes". */
function truthy(value: ParamValue | undefined): boolean {
  if (value === undefined || value === null || value === false || value === '' || value === 0) return false;
  if (Array.isArray(value)) return value.length > 0;
  return typeof value !== 'object' || Object.keys(value).length > 0;
}

/** A stage with `when:` exists only when that value is truthy (no instances otherwise, like an empty foreach). */
function isWanted(raw: RawStage, scope: Scope, loc: (...k: (string | number)[]) => string): boolean {
  if (raw.when === undefined) return true;
  try {
    return truthy(typeof raw.when === 'string' ? interpolate(raw.when, scope) : raw.when);
  } catch (err) {
    if (err instanceof InterpolationError) throw new ConfigError(`${loc('when')}: ${err.message}`);
    throw err;
  }
}

function expandVariants(raw: RawStage, scope: Scope, loc: (...k: (string | number)[]) => string): { key?: string; item?: ParamValue }[] {
  const resolve = (v: ParamValue, where: string): ParamValue => {
    try {
      return typeof v === 'string' ? interpolate(v, scope) : v;
    } catch (err) {
      if (err instanceof InterpolationError) throw new ConfigError(`${where}: ${err.message}`);
      throw err;
    }
  };
  if (raw.foreach !== undefined && raw.matrix !== undefined) throw new ConfigError(`${loc('matrix')}: use either foreach or matrix, not both`);
  if (raw.foreach !== undefined) {
    const values = resolve(raw.foreach, loc('foreach'));
    if (Array.isArray(values)) return values.map((item, i) => ({ key: instanceKey(item, i), item }));
    if (values !== null && typeof values === 'object') return Object.entries(values).map(([key, item]) => ({ key, item }));
    throw new ConfigError(`${loc('foreach')}: foreach must resolve to a list or a map, got ${JSON.stringify(values)}`);
  }
  if (raw.matrix !== undefined) {
    let combos: { keys: string[]; item: Record<string, ParamValue> }[] = [{ keys: [], item: {} }];
    for (const [dim, v] of Object.entries(raw.matrix)) {
      const values = resolve(v, loc('matrix', dim));
      if (!Array.isArray(values) || values.length === 0) throw new ConfigError(`${loc('matrix', dim)}: matrix.${dim} must resolve to a non-empty list`);
      combos = combos.flatMap((c) => values.map((val, i) => ({ keys: [...c.keys, instanceKey(val, i)], item: { ...c.item, [dim]: val } })));
    }
    return combos.map((c) => ({ key: c.keys.join('-'), item: c.item }));
  }
  return [{}];
}

function buildInstance(
  root: string,
  positions: PositionIndex,
  group: string,
  raw: RawStage,
  key: string | undefined,
  item: ParamValue | undefined,
  globalScope: Scope,
  params: Record<string, ParamValue>,
  defaultExecutor: Executor,
  forcedExecutor: Executor | undefined,
): StageInstance {
  const locateKey = (...keys: (string | number)[]): string => locateIn(positions, ['stages', group, ...keys]);
  const where = locateKey();
  if (key !== undefined && !/^[A-Za-z0-9_.+-]+$/.test(key)) {
    throw new ConfigError(`${where}: foreach/matrix value "${key}" cannot be part of a stage name (use letters, digits, _ . + -)`);
  }
  const name = key === undefined ? group : `${group}@${key}`;
  const scope: Scope = key === undefined ? globalScope : { ...globalScope, item: item ?? null, key };
  const guard = <T>(keys: (string | number)[], fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof InterpolationError) throw new ConfigError(`${locateKey(...keys)}: ${err.message}`);
      throw err;
    }
  };

  const declared: Record<string, ParamValue> = {};
  for (const [i, p] of (raw.params ?? []).entries()) {
    if (!Object.hasOwn(params, p)) {
      throw new ConfigError(`${locateKey('params', i)}: stage "${group}" declares unknown param "${p}" (params: ${Object.keys(params).sort().join(', ') || 'none'})`);
    }
    declared[p] = params[p]!;
  }

  const cmd = raw.cmd === undefined ? undefined : (Array.isArray(raw.cmd) ? raw.cmd : [raw.cmd]).map((c, i) =>
    guard(Array.isArray(raw.cmd) ? ['cmd', i] : ['cmd'], () => interpolateText(c, scope)),
  );
  let run: string | undefined;
  if (raw.run !== undefined) {
    const r = guard(['run'], () => normalizePath(root, interpolateText(raw.run!, scope)));
    if (!r.inside) throw new ConfigError(`${locateKey('run')}: stage module ${raw.run} must be inside the project`);
    if (!fs.existsSync(path.join(root, r.path))) throw new ConfigError(`${locateKey('run')}: stage module ${r.path} does not exist`);
    run = r.path;
  }

  const deps: Dep[] = [];
  for (const [i, d] of (raw.deps ?? []).entries()) {
    const spec = typeof d === 'string' ? { path: d } : d;
    // A dependency that interpolates to nothing (an optional input left empty, e.g. `${eval_file}`) is dropped.
    for (const p of guard(['deps', i], () => interpolatePaths(spec.path, scope)).filter((x) => x !== '')) {
      const hint = spec.hint === undefined ? undefined : () => guard(['deps', i, 'hint'], () => interpolateText(spec.hint!, scope));
      const optional = typeof d === 'object' && d.optional === true;
      deps.push({ path: normalizePath(root, p).path, ...(hint !== undefined ? { hint } : {}), ...(optional ? { optional } : {}), where: locateKey('deps', i) });
    }
  }

  const outs: Out[] = [];
  const metrics: string[] = [];
  for (const field of ['outs', 'metrics'] as const) {
    for (const [i, o] of (raw[field] ?? []).entries()) {
      for (const p of guard([field, i], () => interpolatePaths(o, scope))) {
        const n = normalizePath(root, p);
        const where = locateKey(field, i);
        if (!n.inside || n.path === '.') throw new ConfigError(`${where}: output ${p} must be a path inside the project`);
        if (n.path === '.pipe' || n.path.startsWith('.pipe/')) throw new ConfigError(`${where}: output ${p} is inside pipe's own .pipe/ folder`);
        if (field === 'metrics') {
          metrics.push(n.path);
          if (outs.some((x) => x.path === n.path || (x.dir && n.path.startsWith(`${x.path}/`)))) continue;
        }
        outs.push({ path: n.path, dir: n.dir, where });
      }
    }
  }

  const res = raw.resources ?? {};
  const num = (field: 'cpus' | 'gpus', fallback: number): number => {
    const v = res[field];
    if (v === undefined) return fallback;
    const value = typeof v === 'string' ? Number(guard(['resources', field], () => interpolateText(v, scope))) : v;
    if (!Number.isInteger(value) || value < (field === 'cpus' ? 1 : 0)) {
      throw new ConfigError(`${locateKey('resources', field)}: resources.${field} must be a whole number, got ${JSON.stringify(v)}`);
    }
    return value;
  };
  const mem = res.mem === undefined ? 0 : parseSize(typeof res.mem === 'string' ? guard(['resources', 'mem'], () => interpolateText(res.mem as string, scope)) : res.mem, locateKey('resources', 'mem'));

  return {
    name,
    group,
    ...(key !== undefined ? { key, item: item ?? null } : {}),
    ...(raw.desc !== undefined ? { desc: raw.desc } : {}),
    ...(cmd ? { cmd } : {}),
    ...(run ? { run } : {}),
    deps,
    outs,
    metrics,
    params: declared,
    env: raw.env ?? [],
    secrets: raw.secrets ?? [],
    resources: { cpus: num('cpus', 1), gpus: num('gpus', 0), mem, ...(res.time ? { time: res.time } : {}) },
    executor: raw.executor ?? forcedExecutor ?? defaultExecutor,
    default: raw.default ?? true,
    checkpointEvery: raw.checkpoint_every === undefined ? 10 : parseMinutes(typeof raw.checkpoint_every === 'string' ? guard(['checkpoint_every'], () => interpolateText(raw.checkpoint_every as string, scope)) : raw.checkpoint_every, locateKey('checkpoint_every')),
    where,
    locate: locateKey,
  };
}
