/** Parameter defaults from pipeline.yaml and their command-line overrides (`--seed 7`, `--models a,b`). */
import { createRequire } from 'node:module';
import type { ParamValue } from './stage.js';

// The YAML parser is needed only for list and map values; loading it lazily keeps `pipe` quick to start.
const parseYamlValue = (text: string): unknown => (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function typeName(v: ParamValue): string {
  if (v === null) return 'value';
  if (Array.isArray(v)) return 'list';
  return typeof v === 'object' ? 'map' : typeof v;
}

export function describeParams(defaults: Readonly<Record<string, ParamValue>>): string {
  const names = Object.keys(defaults).sort();
  if (names.length === 0) return 'this pipeline declares no params';
  return `valid params: ${names.map((n) => `--${n} <${typeName(defaults[n]!)}> (default ${JSON.stringify(defaults[n])})`).join(', ')}`;
}

/** Converts a command-line string to the type of the param's default, or throws a UsageError. */
export function coerceParam(name: string, raw: string, defaults: Readonly<Record<string, ParamValue>>): ParamValue {
  const def = defaults[name]!;
  const bad = (): never => {
    throw new UsageError(`--${name} ${JSON.stringify(raw)}: expected a ${typeName(def)} like the default ${JSON.stringify(def)}; ${describeParams(defaults)}`);
  };
  if (typeof def === 'string') return raw;
  if (typeof def === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) bad();
    return n;
  }
  if (typeof def === 'boolean') {
    if (raw === 'true' || raw === '1' || raw === 'yes') return true;
    if (raw === 'false' || raw === '0' || raw === 'no') return false;
    return bad();
  }
  if (Array.isArray(def)) {
    let list: unknown;
    try {
      list = raw.trim().startsWith('[') ? parseYamlValue(raw) : raw === '' ? [] : raw.split(',').map((s) => s.trim());
    } catch {
      return bad();
    }
    if (!Array.isArray(list)) return bad();
    const sample = def[0];
    if (sample === undefined || typeof sample === 'string') return list.map(String);
    return list.map((v) => coerceParam(name, String(v), { [name]: sample }));
  }
  let value: unknown;
  try {
    value = parseYamlValue(raw);
  } catch {
    return bad();
  }
  if (def === null) return value as ParamValue;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) bad();
  return value as ParamValue;
}

/** Applies `--name value` overrides; unknown names are usage errors that list the valid params. */
export function applyOverrides(
  defaults: Readonly<Record<string, ParamValue>>,
  overrides: ReadonlyArray<[string, string]>,
): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = { ...defaults };
  for (const [flag, raw] of overrides) {
    const name = Object.hasOwn(defaults, flag) ? flag : flag.replaceAll('-', '_');
    if (!Object.hasOwn(defaults, name)) throw new UsageError(`unknown option --${flag}; ${describeParams(defaults)}`);
    params[name] = coerceParam(name, raw, defaults);
  }
  return params;
}
