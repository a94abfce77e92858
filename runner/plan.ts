/**
 * What each stage needs, decided from the current files and pipe.lock without running anything: up to date,
 * restorable from the run cache, must run (and why), or waiting on an upstream stage that will change.
 */
import type { RunRecord } from './cache.js';
import { fingerprint } from './facts.js';
import type { Project } from './project.js';

export type StageState =
  | { state: 'up-to-date' }
  | { state: 'restorable'; reasons: string[]; fp: string; record: RunRecord }
  | { state: 'will-run'; reasons: string[]; fp: string }
  | { state: 'forced'; fp: string }
  | { state: 'waits'; on: string[] }
  | { state: 'missing-deps'; missing: string[] };

export interface PlanOptions {
  /** Stages to run even when up to date or restorable. */
  force?: ReadonlySet<string>;
}

export function planStages(project: Project, names: readonly string[], options: PlanOptions = {}): Map<string, StageState> {
  const states = new Map<string, StageState>();
  for (const name of names) {
    const stage = project.stage(name);
    const changing = (project.dag.upstream.get(name) ?? []).filter((u) => {
      const s = states.get(u);
      return s !== undefined && s.state !== 'up-to-date';
    });
    if (changing.length) {
      states.set(name, { state: 'waits', on: changing });
      continue;
    }
    const current = project.facts(stage);
    if ('missing' in current) {
      states.set(name, { state: 'missing-deps', missing: current.missing });
      continue;
    }
    if (options.force?.has(name)) {
      states.set(name, { state: 'forced', fp: fingerprint(current.facts) });
      continue;
    }
    const reasons = project.staleness(stage, current.facts);
    if (reasons.length === 0) {
      states.set(name, { state: 'up-to-date' });
      continue;
    }
    const fp = fingerprint(current.facts);
    const record = project.cache.readRun(fp);
    if (record && project.cache.complete(record)) states.set(name, { state: 'restorable', reasons, fp, record });
    else states.set(name, { state: 'will-run', reasons, fp });
  }
  return states;
}
