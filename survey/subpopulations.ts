/**
 * Subpopulations as data (config/subpopulations.yaml): group sets (listed there, or a group-set CSV in the SubPOP
 * authors' form such as their demographics_22.csv), and how each group's membership is decided per survey family. `resolveMembership` turns a group's rule into the profile codes that select its members
 * in one wave, using that wave's value labels; the aggregation SQL then joins on those codes.
 */
import { FormatError, loadYaml, locate } from '../lib/schema.js';
import { loadGroupSetCsv } from './subpopulation-metadata.js';

export type Family = 'atp' | 'gss';

export interface Rule {
  variable: string;
  /** The first value label (code order) that starts with this text, ignoring case. */
  label?: string;
  /** Every code whose value label equals one of these, ignoring case. */
  labels?: string[];
  codes?: number[];
}

/** One rule, fallbacks (first rule whose variable is present decides), or a union. */
export type FamilyRule = Rule | Rule[] | { any_of: Rule[] };
export type Membership = Partial<Record<Family, FamilyRule>>;

/** Attribute → group names, in output order; or the path of a group-set CSV in the authors' form. */
export type GroupSetSpec = Record<string, string[]> | string;

export interface SubpopulationsConfig {
  default: string;
  sets: Record<string, GroupSetSpec>;
  groups: Record<string, Record<string, Membership>>;
}

export interface GroupSpec {
  attribute: string;
  group: string;
  membership: Membership;
}

/** `ATTRIBUTE/Group`, the name messages use. */
export const groupName = (g: { attribute: string; group: string }): string => `${g.attribute}/${g.group}`;

const uncatalogued = (config: SubpopulationsConfig, attribute: string, group: string): boolean =>
  !config.groups[attribute] || !Object.hasOwn(config.groups[attribute], group);

/**
 * Loads and checks the file: schema, a default that names a set, listed set entries that name catalogued groups
 * (those of a CSV set are checked when the set is used, see `groupSet`).
 */
export function loadSubpopulations(file: string, text?: string): SubpopulationsConfig {
  const { data, src } = loadYaml<SubpopulationsConfig>('subpopulations', file, text);
  const problems: string[] = [];
  if (!Object.hasOwn(data.sets, data.default)) {
    problems.push(`${locate(src, ['default'])}: default set "${data.default}" is not under sets`);
  }
  for (const [set, attributes] of Object.entries(data.sets)) {
    if (typeof attributes === 'string') continue;
    for (const [attribute, groups] of Object.entries(attributes)) {
      groups.forEach((group, i) => {
        if (uncatalogued(data, attribute, group)) {
          problems.push(`${locate(src, ['sets', set, attribute, i])}: set ${set}: no group "${group}" under groups.${attribute}`);
        }
      });
    }
  }
  if (problems.length) throw new FormatError(problems.join('\n'));
  return data;
}

/** The groups of a set, in output order (attributes, then groups, as listed); a CSV set is read here. */
export function groupSet(config: SubpopulationsConfig, name: string, file = 'config/subpopulations.yaml'): GroupSpec[] {
  const spec = Object.hasOwn(config.sets, name) ? config.sets[name] : undefined;
  if (!spec) throw new Error(`${file}: no group set "${name}" (sets: ${Object.keys(config.sets).join(', ')})`);
  const set = typeof spec === 'string' ? loadGroupSetCsv(spec) : spec;
  if (typeof spec === 'string') {
    const missing = Object.entries(set).flatMap(([attribute, groups]) => groups.filter((g) => uncatalogued(config, attribute, g)).map((g) => `${attribute}/${g}`));
    if (missing.length) throw new FormatError(`${spec}: group set ${name}: ${missing.join(', ')} not under groups of ${file}`);
  }
  return Object.entries(set).flatMap(([attribute, groups]) =>
    groups.map((group) => ({ attribute, group, membership: config.groups[attribute]![group]! })),
  );
}

export interface ValueLabel {
  code: number;
  label: string;
}

/** What one wave offers for membership: the profile variables present and their value labels in code order. */
export interface WaveProfile {
  variables: ReadonlySet<string>;
  labels: ReadonlyMap<string, readonly ValueLabel[]>;
}

export interface MemberCode {
  variable: string;
  code: number;
  /** The value label of the code, when it has one (for the summary). */
  label: string | null;
}

export type Resolution = { ok: true; codes: MemberCode[] } | { ok: false; reason: string };

const norm = (s: string): string => s.trim().toLowerCase();

/** Codes that one rule selects, given that its variable is present. */
function ruleCodes(rule: Rule, profile: WaveProfile): Resolution {
  const labels = profile.labels.get(rule.variable) ?? [];
  const labelOf = (code: number) => labels.find((l) => l.code === code)?.label ?? null;
  if (rule.codes) {
    return { ok: true, codes: rule.codes.map((code) => ({ variable: rule.variable, code, label: labelOf(code) })) };
  }
  if (rule.label !== undefined) {
    const prefix = norm(rule.label);
    const hit = labels.find((l) => norm(l.label).startsWith(prefix));
    return hit
      ? { ok: true, codes: [{ variable: rule.variable, code: hit.code, label: hit.label }] }
      : { ok: false, reason: `no value label of ${rule.variable} starts with "${rule.label}"` };
  }
  const wanted = new Set(rule.labels!.map(norm));
  const hits = labels.filter((l) => wanted.has(norm(l.label)));
  return hits.length
    ? { ok: true, codes: hits.map((l) => ({ variable: rule.variable, code: l.code, label: l.label })) }
    : { ok: false, reason: `no value label of ${rule.variable} is one of ${rule.labels!.map((l) => `"${l}"`).join(', ')}` };
}

const absent = (rules: readonly Rule[]): string =>
  rules.length === 1 ? `${rules[0]!.variable} not present` : `none of ${rules.map((r) => r.variable).join(', ')} present`;

/** The profile codes that make a respondent of `family`'s wave a member of the group, or why there are none. */
export function resolveMembership(membership: Membership, family: Family, profile: WaveProfile): Resolution {
  const spec = membership[family];
  if (!spec) return { ok: false, reason: `no ${family} rule` };
  if (!Array.isArray(spec) && 'any_of' in spec) {
    const present = spec.any_of.filter((r) => profile.variables.has(r.variable));
    if (!present.length) return { ok: false, reason: absent(spec.any_of) };
    const resolved = present.map((r) => ruleCodes(r, profile));
    const codes = resolved.flatMap((r) => (r.ok ? r.codes : []));
    if (codes.length) return { ok: true, codes };
    return { ok: false, reason: resolved.map((r) => (r.ok ? '' : r.reason)).join('; ') };
  }
  const rules = Array.isArray(spec) ? spec : [spec];
  const first = rules.find((r) => profile.variables.has(r.variable));
  return first ? ruleCodes(first, profile) : { ok: false, reason: absent(rules) };
}
