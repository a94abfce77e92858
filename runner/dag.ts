/**
 * The stage graph: a stage depends on the stages whose outputs its deps name, contain, or lie inside. Checks
 * that no two stages claim one output, that every dep exists or is produced, and that there is no cycle.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, type Dep, type Pipeline, type StageInstance } from './config.js';

export interface Dag {
  pipeline: Pipeline;
  /** Stage → the stages it depends on (sorted). */
  upstream: Map<string, string[]>;
  /** Stage → the stages that depend on it (sorted). */
  downstream: Map<string, string[]>;
  /** All stages in a deterministic topological order. */
  order: string[];
  /** Dependencies that neither exist nor are produced, by stage; an error only for stages that are selected. */
  missing: Map<string, Dep[]>;
}

function ancestors(p: string): string[] {
  const result: string[] = [];
  let dir = path.posix.dirname(p);
  while (dir !== '.' && dir !== '/' && !result.includes(dir)) {
    result.push(dir);
    dir = path.posix.dirname(dir);
  }
  return result;
}

export function buildDag(pipeline: Pipeline): Dag {
  const producer = new Map<string, StageInstance>();
  const producersUnder = new Map<string, Set<string>>();
  for (const stage of pipeline.stages.values()) {
    for (const out of stage.outs) {
      const clash = producer.get(out.path) ?? ancestors(out.path).map((a) => producer.get(a)).find(Boolean);
      const nested = producersUnder.get(out.path);
      const other = clash ?? (nested ? pipeline.stages.get([...nested][0]!) : undefined);
      if (other) {
        const otherOut = other.outs.find((o) => o.path === out.path || out.path.startsWith(`${o.path}/`) || o.path.startsWith(`${out.path}/`))!;
        throw new ConfigError(
          `${out.where}: output ${out.path} of stage "${stage.name}" overlaps output ${otherOut.path} of stage "${other.name}" (${otherOut.where})`,
        );
      }
      producer.set(out.path, stage);
      for (const a of ancestors(out.path)) {
        let set = producersUnder.get(a);
        if (!set) producersUnder.set(a, (set = new Set()));
        set.add(stage.name);
      }
    }
  }

  const upstream = new Map<string, string[]>();
  const missing = new Map<string, Dep[]>();
  const downstream = new Map<string, string[]>(Array.from(pipeline.stages.keys(), (n) => [n, []]));
  for (const stage of pipeline.stages.values()) {
    const ups = new Set<string>();
    for (const dep of stage.deps) {
      const found = new Set<string>();
      for (const p of [dep.path, ...ancestors(dep.path)]) {
        const s = producer.get(p);
        if (s) found.add(s.name);
      }
      for (const s of producersUnder.get(dep.path) ?? []) found.add(s);
      if (found.has(stage.name)) {
        throw new ConfigError(`${dep.where}: stage "${stage.name}" depends on its own output ${dep.path}`);
      }
      if (found.size === 0 && !dep.optional && !fs.existsSync(path.resolve(pipeline.root, dep.path))) {
        missing.set(stage.name, [...(missing.get(stage.name) ?? []), dep]);
      }
      for (const s of found) ups.add(s);
    }
    const sorted = [...ups].sort();
    upstream.set(stage.name, sorted);
    for (const u of sorted) downstream.get(u)!.push(stage.name);
  }
  for (const list of downstream.values()) list.sort();
  return { pipeline, upstream, downstream, order: topologicalOrder(pipeline, upstream), missing };
}

function topologicalOrder(pipeline: Pipeline, upstream: Map<string, string[]>): string[] {
  const state = new Map<string, 'visiting' | 'done'>();
  const order: string[] = [];
  const stack: string[] = [];
  const visit = (name: string): void => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(name)), name];
      const stage = pipeline.stages.get(name)!;
      throw new ConfigError(`${stage.where}: dependency cycle: ${cycle.join(' → ')}`);
    }
    state.set(name, 'visiting');
    stack.push(name);
    for (const u of upstream.get(name) ?? []) visit(u);
    stack.pop();
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of pipeline.stages.keys()) visit(name);
  return order;
}

/** Fails, before anything runs, when a stage about to be considered lacks a dependency nobody produces. The
 * instances of a foreach that lack the same path are reported together. */
export function checkDependencies(dag: Dag, names: readonly string[]): void {
  const byPlace = new Map<string, { dep: Dep; stages: string[] }>();
  for (const name of names) {
    for (const dep of dag.missing.get(name) ?? []) {
      const key = `${dep.where}\0${dep.path}`;
      const entry = byPlace.get(key) ?? byPlace.set(key, { dep, stages: [] }).get(key)!;
      entry.stages.push(name);
    }
  }
  const problems = [...byPlace.values()].map(({ dep, stages }) => {
    const who = stages.length === 1 ? `stage "${stages[0]}"` : `stages ${stages.slice(0, 3).join(', ')}${stages.length > 3 ? ` and ${stages.length - 3} more` : ''}`;
    return `${dep.where}: dependency ${dep.path} of ${who} neither exists nor is produced by any stage${dep.hint ? `\n  ${dep.hint()}` : ''}`;
  });
  if (problems.length) throw new ConfigError(problems.join('\n'));
}

/** Resolves command-line targets (a stage, a group such as `ingest`, or an instance `train@tiny`) to the
 * targets plus everything they need, in topological order. No targets means every stage not marked
 * `default: false` (with what those need), or with `all`, every stage. */
export function selectStages(dag: Dag, targets: readonly string[], all = false): string[] {
  if (targets.length === 0) {
    const defaults = dag.order.filter((n) => dag.pipeline.stages.get(n)!.default);
    if (all || defaults.length === dag.order.length) return dag.order;
    return selectStages(dag, defaults);
  }
  const wanted = new Set<string>();
  const add = (name: string): void => {
    if (wanted.has(name)) return;
    wanted.add(name);
    for (const u of dag.upstream.get(name) ?? []) add(u);
  };
  for (const t of targets) {
    const names = dag.pipeline.stages.has(t) ? [t] : dag.pipeline.groups.get(t);
    if (!names) {
      const known = [...dag.pipeline.groups.keys()].sort().join(', ');
      throw new ConfigError(`unknown stage "${t}" (stages: ${known})`);
    }
    names.forEach(add);
  }
  return dag.order.filter((n) => wanted.has(n));
}
