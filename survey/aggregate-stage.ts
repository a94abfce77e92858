/**
 * An aggregation run by a stage: its inputs found among the stage's declared dependencies (the wave set's
 * tables and curated ordinals, the subpopulation and exclusion configs), then survey/aggregate.ts. Shared by
 * the stages that aggregate (the main rows and the unseen-subpopulation rows), so both read their inputs the
 * same way.
 */
import path from 'node:path';
import { loadWaveManifest } from '../net/waves.js';
import type { StageContext } from '../runner/stage.js';
import { aggregate, loadExclusions, type AggregateSummary, type Exclusions, type WaveInput } from './aggregate.js';
import { groupSet, loadSubpopulations, type SubpopulationsConfig } from './subpopulations.js';

const trim = (p: string) => path.normalize(p).replace(/\/+$/, '');

/** The declared dependency at `file`, or the declared folder that holds it. */
function declared(ctx: Pick<StageContext, 'name' | 'deps'>, file: string, hint: string): string {
  const want = trim(file);
  const hit = ctx.deps.find((d) => trim(d) === want || want.startsWith(`${trim(d)}/`));
  if (!hit) throw new Error(`${ctx.name}: ${hint}: declare ${file} under deps`);
  return file;
}

export interface AggregateInputs {
  waves: WaveInput[];
  subpops: SubpopulationsConfig;
  subpopsFile: string;
  exclusions: Exclusions;
  exclusionsFile: string;
}

function aggregateInputs(ctx: Pick<StageContext, 'name' | 'deps'>, waveset: string): AggregateInputs {
  const manifest = loadWaveManifest(declared(ctx, 'config/waves.yaml', 'the wave manifest'));
  const set = Object.hasOwn(manifest.sets, waveset) ? manifest.sets[waveset] : undefined;
  if (!set) throw new Error(`${ctx.name}: config/waves.yaml has no wave set "${waveset}" (sets: ${Object.keys(manifest.sets).join(', ')})`);
  const subpopsFile = declared(ctx, 'config/subpopulations.yaml', 'the subpopulations');
  const exclusionsFile = declared(ctx, 'config/exclusions.yaml', 'the exclusions');
  declared(ctx, 'survey/aggregate.sql', 'the aggregation SQL');
  const waves = Object.entries(set).map(([id, entry]) => {
    const tables = ctx.deps.find((d) => path.basename(trim(d)) === id);
    if (!tables) throw new Error(`${ctx.name}: no tables for wave ${id}: declare artifacts/tables/${id}/ under deps`);
    const ordinals = typeof entry.ordinals === 'string' ? declared(ctx, entry.ordinals, `curated ordinals of ${id}`) : undefined;
    return { id, family: entry.family, tables, ordinals };
  });
  return { waves, subpops: loadSubpopulations(subpopsFile), subpopsFile, exclusions: loadExclusions(exclusionsFile), exclusionsFile };
}

export interface AggregationRun {
  waveset: string;
  /** A set of config/subpopulations.yaml; default: the file's default. */
  groups?: string;
  minN: number;
  outDir: string;
}

/** Aggregates the wave set's rows for the group set into `outDir`, reporting progress to the stage. */
export async function aggregateForStage(ctx: StageContext, run: AggregationRun): Promise<AggregateSummary> {
  const inputs = aggregateInputs(ctx, run.waveset);
  const groups = run.groups ?? inputs.subpops.default;
  let step = 0;
  return aggregate({
    waves: inputs.waves,
    groups: groupSet(inputs.subpops, groups, inputs.subpopsFile),
    exclusions: inputs.exclusions,
    exclusionsFile: inputs.exclusionsFile,
    minN: run.minN,
    outDir: run.outDir,
    waveset: run.waveset,
    groupSet: groups,
    threads: ctx.resources.cpus || undefined,
    memoryLimit: ctx.resources.mem || undefined,
    signal: ctx.signal,
    progress: (note) => ctx.progress({ done: step++, total: 3, unit: 'steps', note }),
  });
}
