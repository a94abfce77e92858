/**
 * `${name}` interpolation in pipeline strings.
 *
 * A reference is a dotted path into the scope (`${model}`, `${item.source}`, `${env.HOME}`) and may nest
 * (`${models.${model}.dir}`). As in the shell, `${name:-default}` falls back when the value is unset or empty
 * (a missing key, an unset `env.NAME`, '', an empty list or map) and `${name:+text}` gives `text` only when it
 * is set. `$${` stands for a
 * literal `${` (shell variables). A string that is exactly one
 * reference keeps the referenced value's type; elsewhere values are spliced in as text (lists space-joined).
 */
import type { ParamValue } from './stage.js';

export type Scope = Readonly<Record<string, ParamValue | undefined>>;

export class InterpolationError extends Error {
  constructor(
    message: string,
    readonly reference: string,
  ) {
    super(message);
  }
}

type Part = { text: string } | { ref: Part[] };

/** Splits a template into literal text and (possibly nested) references. */
function parse(template: string): Part[] {
  let i = 0;
  const parseUntil = (closing: boolean): Part[] => {
    const parts: Part[] = [];
    let text = '';
    while (i < template.length) {
      if (template.startsWith('$${', i)) {
        text += '${';
        i += 3;
      } else if (template.startsWith('${', i)) {
        if (text) parts.push({ text });
        text = '';
        i += 2;
        parts.push({ ref: parseUntil(true) });
      } else if (closing && template[i] === '}') {
        i += 1;
        if (text) parts.push({ text });
        return parts;
      } else {
        text += template[i];
        i += 1;
      }
    }
    if (closing) throw new InterpolationError(`unclosed "\${" in "${template}"`, template);
    if (text) parts.push({ text });
    return parts;
  };
  return parseUntil(false);
}

/** The value at a dotted path, or undefined where a key is missing (when `lenient`); unknown names throw. */
function resolvePath(path: string, scope: Scope, lenient: boolean): ParamValue | undefined {
  const [head, ...rest] = path.split('.');
  if (head === 'env' && rest.length === 1) return process.env[rest[0]!] || undefined;
  let value: ParamValue | undefined = Object.hasOwn(scope, head!) ? scope[head!] : undefined;
  if (value === undefined) {
    throw new InterpolationError(`unknown name "\${${path}}" (known: ${Object.keys(scope).sort().join(', ')}, env.NAME)`, path);
  }
  for (const [k, key] of rest.entries()) {
    const here = [head, ...rest.slice(0, k)].join('.');
    if (value === null || typeof value !== 'object') {
      if (lenient) return undefined;
      throw new InterpolationError(`"\${${path}}": ${here} is not a map or list`, path);
    }
    const next: ParamValue | undefined = Array.isArray(value) ? value[Number(key)] : value[key];
    if (next === undefined) {
      if (lenient) return undefined;
      const known = Array.isArray(value) ? `0..${value.length - 1}` : Object.keys(value).join(', ');
      throw new InterpolationError(`"\${${path}}": ${here} has no key "${key}" (has: ${known})`, path);
    }
    value = next;
  }
  return value;
}

/** `name`, `name:-default` (default when unset or empty) or `name:+alternative` (alternative when set). */
function lookup(ref: string, scope: Scope): ParamValue {
  const op = /:[-+]/.exec(ref);
  if (!op) {
    const value = resolvePath(ref, scope, false);
    if (value === undefined) throw new InterpolationError(`environment variable "\${${ref}}" is not set (use \${${ref}:-default})`, ref);
    return value;
  }
  const value = resolvePath(ref.slice(0, op.index), scope, true);
  const empty = value !== null && typeof value === 'object' && (Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0);
  const set = value !== undefined && value !== null && value !== '' && !empty;
  const text = ref.slice(op.index + 2);
  if (op[0] === ':-') return set ? value : text;
  return set ? text : '';
}

function toText(value: ParamValue, ref: string): string {
  if (value === null) return '';
  if (Array.isArray(value)) return value.map((v) => toText(v, ref)).join(' ');
  if (typeof value === 'object') throw new InterpolationError(`"\${${ref}}" is a map and cannot be spliced into text`, ref);
  return String(value);
}

function evalParts(parts: Part[], scope: Scope): ParamValue {
  const first = parts[0];
  if (parts.length === 1 && first && 'ref' in first) return lookup(String(evalParts(first.ref, scope)), scope);
  return parts.map((p) => ('text' in p ? p.text : toText(lookup(toText(evalParts(p.ref, scope), ''), scope), ''))).join('');
}

/** Interpolates a template; a template that is a single reference returns the value itself. */
export function interpolate(template: string, scope: Scope): ParamValue {
  return evalParts(parse(template), scope);
}

export function interpolateText(template: string, scope: Scope): string {
  return toText(interpolate(template, scope), template);
}

/**
 * Interpolates a path template; references to lists (or to maps, meaning their keys) fan the path out into
 * one path per element: `tables/${waves}/` with waves {A:…, B:…} gives `tables/A/`, `tables/B/`.
 */
export function interpolatePaths(template: string, scope: Scope): string[] {
  let results = [''];
  for (const part of parse(template)) {
    let values: string[];
    if ('text' in part) values = [part.text];
    else {
      const value = lookup(toText(evalParts(part.ref, scope), ''), scope);
      if (Array.isArray(value)) values = value.map((v) => toText(v, template));
      else if (value !== null && typeof value === 'object') values = Object.keys(value);
      else values = [toText(value, template)];
    }
    results = results.flatMap((r) => values.map((v) => r + v));
  }
  return results;
}

export function hasReference(template: string): boolean {
  return parse(template).some((p) => 'ref' in p);
}
