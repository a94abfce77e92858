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

/** How one rule meets a wave's value labels: all it asks for, only some of a label list, or nothing. */
type Match = { kind: 'full'; codes: MemberCode[] } | { kind: 'partial'; rule: Rule; missing: string[] } | { kind: 'none'; reason: string };

/** Codes that one rule selects, given that its variable is present. */
function ruleMatch(rule: Rule, profile: WaveProfile): Match {
  const labels = profile.labels.get(rule.variable) ?? [];
  const labelOf = (code: number) => labels.find((l) => l.code === code)?.label ?? null;
  if (rule.codes) {
    return { kind: 'full', codes: rule.codes.map((code) => ({ variable: rule.variable, code, label: labelOf(code) })) };
  }
  if (rule.label !== undefined) {
    const prefix = norm(rule.label);
    const hit = labels.find((l) => norm(l.label).startsWith(prefix));
    return hit
      ? { kind: 'full', codes: [{ variable: rule.variable, code: hit.code, label: hit.label }] }
      : { kind: 'none', reason: `no value label of ${rule.variable} starts with "${rule.label}"` };
  }
  const wanted = new Set(rule.labels!.map(norm));
  const hits = labels.filter((l) => wanted.has(norm(l.label)));
  const missing = rule.labels!.filter((w) => !hits.some((l) => norm(l.label) === norm(w)));
  if (hits.length && !missing.length) return { kind: 'full', codes: hits.map((l) => ({ variable: rule.variable, code: l.code, label: l.label })) };
  return hits.length
    ? { kind: 'partial', rule, missing }
    : { kind: 'none', reason: `no value label of ${rule.variable} is one of ${rule.labels!.map((l) => `"${l}"`).join(', ')}` };
}

const quoted = (xs: readonly string[]): string => xs.map((x) => `"${x}"`).join(', ');

/**
 * A label list that a wave's value labels only partly match would form a smaller group than the rule means
 * (e.g. "Less than $30,000" as "Less than $10,000" when the wave spells the other brackets differently), so it
 * is an error naming the missing labels and the ones the variable has.
 */
function partialError(where: string, partial: Extract<Match, { kind: 'partial' }>[], profile: WaveProfile): Error {
  const variable = partial[0]!.rule.variable;
  const present = (profile.labels.get(variable) ?? []).map((l) => `${l.code} "${l.label}"`).join(', ');
  const lacks = partial.map((p) => `${partial.length > 1 ? `[${quoted(p.rule.labels!)}] lacks ` : ''}${quoted(p.missing)}`).join('; ');
  return new Error(
    `${where}: ${variable} has only some of the value labels the group's rule lists: missing ${lacks}. ` +
      `Value labels of ${variable}: ${present}. Add the wave's spelling as another ${variable} rule of the group.`,
  );
}

const absent = (rules: readonly Rule[]): string =>
  rules.length === 1 ? `${rules[0]!.variable} not present` : `none of ${rules.map((r) => r.variable).join(', ')} present`;

/**
 * The profile codes that make a respondent of `family`'s wave a member of the group, or why there are none.
 * In a list of rules the first variable the wave has decides; several rules naming that variable are
 * alternative spellings, and the first whose labels all match wins. A label list matched only in part (and no
 * spelling matched in full) throws an error that starts with `where` (the wave and the group).
 */
export function resolveMembership(membership: Membership, family: Family, profile: WaveProfile, where: string): Resolution {
  const spec = membership[family];
  if (!spec) return { ok: false, reason: `no ${family} rule` };
  const anyOf = !Array.isArray(spec) && 'any_of' in spec;
  const rules = anyOf ? spec.any_of : Array.isArray(spec) ? spec : [spec];
  const variable = rules.find((r) => profile.variables.has(r.variable))?.variable;
  if (variable === undefined) return { ok: false, reason: absent(rules) };
  const tried = (anyOf ? rules.filter((r) => profile.variables.has(r.variable)) : rules.filter((r) => r.variable === variable)).map((r) =>
    ruleMatch(r, profile),
  );
  const full = tried.filter((m): m is Extract<Match, { kind: 'full' }> => m.kind === 'full');
  const partial = tried.filter((m): m is Extract<Match, { kind: 'partial' }> => m.kind === 'partial');
  if (anyOf) {
    if (partial.length) throw partialError(where, partial, profile);
    if (full.length) return { ok: true, codes: full.flatMap((m) => m.codes) };
  } else {
    if (full.length) return { ok: true, codes: full[0]!.codes };
    if (partial.length) throw partialError(where, partial, profile);
  }
  return { ok: false, reason: tried.map((m) => (m.kind === 'none' ? m.reason : '')).join('; ') };
}
