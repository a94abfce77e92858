/**
 * `pipe gc`: removes what no run needs any more — staging folders and locks of dead processes, stat-cache
 * entries of deleted files, and cache objects no run record refers to. With `runs`, it first forgets the
 * run records of this pipeline's stages other than the ones pipe.lock points at (this disables going back
 * to those parameter sets without recomputing). Records of other projects sharing the cache are kept.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fingerprint, lockedFacts } from './facts.js';
import { holderAlive, type Holder } from './locks.js';
import type { Project } from './project.js';
import { removeQuietly } from './workspace.js';

export interface GcReport {
  staging: number;
  locks: number;
  statEntries: number;
  runs: number;
  objects: number;
  bytes: number;
}

export function collectGarbage(project: Project, options: { runs: boolean; dryRun: boolean }): GcReport {
  const report: GcReport = { staging: 0, locks: 0, statEntries: 0, runs: 0, objects: 0, bytes: 0 };
  const remove = (p: string): void => {
    if (!options.dryRun) removeQuietly(p);
  };

  const tmp = path.join(project.stateDir, 'tmp');
  for (const name of fs.existsSync(tmp) ? fs.readdirSync(tmp) : []) {
    const pid = Number(/-(\d+)-\d+$/.exec(name)?.[1]);
    if (!pid || !holderAlive({ pid, host: os.hostname(), since: '', what: '' })) {
      remove(path.join(tmp, name));
      report.staging += 1;
    }
  }
  const locks = path.join(project.stateDir, 'locks');
  for (const name of fs.existsSync(locks) ? fs.readdirSync(locks) : []) {
    try {
      const holder = JSON.parse(fs.readFileSync(path.join(locks, name), 'utf8')) as Holder;
      if (holderAlive(holder)) continue;
    } catch {
      // Unreadable: a leftover from a crash.
    }
    remove(path.join(locks, name));
    report.locks += 1;
  }
  if (!options.dryRun) {
    report.statEntries = project.stat.prune();
    project.stat.save();
  }

  const current = new Set<string>();
  for (const [name, entry] of Object.entries(project.lock.stages)) {
    const stage = project.pipeline.stages.get(name);
    if (stage) current.add(fingerprint(lockedFacts(entry)));
  }
  const referenced = new Set<string>();
  for (const { fp, record, file } of project.cache.runs()) {
    if (options.runs && project.pipeline.stages.has(record.stage) && !current.has(fp)) {
      remove(file);
      report.runs += 1;
      continue;
    }
    if (record.log) referenced.add(record.log);
    for (const o of record.outs) {
      if (o.tree) for (const f of o.tree) referenced.add(f.sha256);
      else referenced.add(o.sha256);
    }
  }
  for (const { sha256, file } of project.cache.objects()) {
    if (referenced.has(sha256)) continue;
    report.bytes += fs.statSync(file).size;
    report.objects += 1;
    remove(file);
  }
  return report;
}
