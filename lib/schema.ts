/**
 * JSON Schema validation for every file format the project reads or writes. Schemas live in `schemas/` as
 * `<name>.schema.json` (draft 2020-12). YAML input is validated on its parsed document so that errors point
 * at `file:line:col`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { LineCounter, parseDocument, isMap, isSeq, isPair, isScalar, type Node } from 'yaml';
import { packageRoot } from './paths.js';
import { locateIn, type PositionIndex } from './positions.js';

const schemaDir = path.join(packageRoot, 'schemas');
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
const compiled = new Map<string, ValidateFunction>();

/** A file failed validation; `message` names the file and the place. */
export class FormatError extends Error {
  override readonly name = 'FormatError';
}

export function schemaPath(name: string): string {
  return path.join(schemaDir, `${name}.schema.json`);
}

export function validator(name: string): ValidateFunction {
  let fn = compiled.get(name);
  if (!fn) {
    const schema = JSON.parse(fs.readFileSync(schemaPath(name), 'utf8'));
    fn = ajv.compile(schema);
    compiled.set(name, fn);
  }
  return fn;
}

/** Human wording of one ajv error, with the offending key when there is one. */
export function describeAjvError(e: ErrorObject): string {
  const where = e.instancePath ? e.instancePath.slice(1).replaceAll('/', '.') : '(top level)';
  switch (e.keyword) {
    case 'additionalProperties':
      return `unknown key "${(e.params as { additionalProperty: string }).additionalProperty}" in ${where}`;
    case 'required':
      return `missing key "${(e.params as { missingProperty: string }).missingProperty}" in ${where}`;
    case 'enum':
      return `${where} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${where} ${e.message ?? 'is invalid'}`;
  }
}

/** Keeps the most specific error per location (ajv reports every branch of a oneOf/anyOf). */
function pruneErrors(errors: ErrorObject[]): ErrorObject[] {
  const specific = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && e.keyword !== 'if');
  const seen = new Set<string>();
  return (specific.length ? specific : errors).filter((e) => {
    const k = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Validates plain data (e.g. a JSON line); throws FormatError naming `where` on failure. */
export function validate<T>(name: string, data: unknown, where: string): T {
  const fn = validator(name);
  if (!fn(data)) {
    const msgs = pruneErrors(fn.errors ?? []).map(describeAjvError);
    throw new FormatError(`${where}: ${msgs.join('; ')}`);
  }
  return data as T;
}

export interface YamlSource {
  file: string;
  text: string;
  lines: LineCounter;
  doc: ReturnType<typeof parseDocument>;
}

export function parseYaml(file: string, text = fs.readFileSync(file, 'utf8')): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const pos = lines.linePos(first.pos[0]);
    throw new FormatError(`${file}:${pos.line}:${pos.col}: ${first.message.split('\n')[0]}`);
  }
  return { file, text, lines, doc };
}

/** Line and column of every key and value of a document, for `locateIn` (small enough to cache). */
export function indexPositions(src: YamlSource): PositionIndex {
  const at: PositionIndex['at'] = {};
  const pos = (n: Node | null | undefined): [number, number] => {
    const p = src.lines.linePos(n?.range?.[0] ?? 0);
    return [p.line, p.col];
  };
  const walk = (node: unknown, keys: string[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        const k = [...keys, String(pair.key.value)];
        at[k.join('\u0001')] = [...pos(pair.key as Node), ...pos((pair.value as Node | null) ?? (pair.key as Node))];
        walk(pair.value, k);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const k = [...keys, String(i)];
        at[k.join('\u0001')] = [0, 0, ...pos(item as Node)];
        walk(item, k);
      });
    }
  };
  at[''] = [0, 0, ...pos(src.doc.contents as Node | null)];
  walk(src.doc.contents, []);
  return { file: src.file, at };
}

export function locate(src: YamlSource, pathParts: readonly (string | number)[], preferKey = false): string {
  return locateIn(indexPositions(src), pathParts, preferKey);
}

export interface LoadHooks {
  /** Rewrites the parsed data before it is checked (e.g. to undo a textual preprocessing). */
  transform?: (data: unknown) => unknown;
  /** Throws clearer errors than the schema would for some mistakes. */
  precheck?: (data: unknown, locate: (keys: readonly (string | number)[], preferKey?: boolean) => string) => void;
}

/** Parses and validates a YAML file; errors are `file:line:col: message`, one per line. */
export function loadYaml<T>(name: string, file: string, text?: string, hooks: LoadHooks = {}): { data: T; src: YamlSource } {
  const src = parseYaml(file, text);
  const parsed = src.doc.toJS({ maxAliasCount: 100 }) as unknown;
  const data = hooks.transform ? hooks.transform(parsed) : parsed;
  hooks.precheck?.(data, (keys, preferKey) => locate(src, keys, preferKey));
  const fn = validator(name);
  if (!fn(data)) {
    const msgs = pruneErrors(fn.errors ?? []).map((e) => {
      const parts = e.instancePath.split('/').slice(1).map(decodePointer);
      const extra = e.keyword === 'additionalProperties' ? [(e.params as { additionalProperty: string }).additionalProperty] : [];
      return `${locate(src, [...parts, ...extra], extra.length > 0)}: ${describeAjvError(e)}`;
    });
    throw new FormatError(msgs.join('\n'));
  }
  return { data: data as T, src };
}

function decodePointer(s: string): string {
  return s.replaceAll('~1', '/').replaceAll('~0', '~');
}
