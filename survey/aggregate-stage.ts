/**
 * An aggregation run by a stage: its inputs found among the stage's declared dependencies (the wave set's
 * tables, curated ordinals and question lists, the subpopulation and exclusion configs, and the release manifest
 * when one of them lies in the release mirror), then survey/aggregate.ts. Shared by the stages that aggregate
 * (the main rows and the unseen-subpopulation rows), so both read their inputs the same way.
 */
import path from 'node:path';
import { defaultRelease, defaultReleaseManifest, releasePathOf } from '../net/release.js';
import { loadWaveManifest } from '../net/waves.js';
import type { StageContext } from '../runner/stage.js';
import { aggregate, loadExclusions, type AggregateSummary, type Exclusions, type QuestionSelection, type WaveInput } from './aggregate.js';
import type { QuestionList } from './question-lists.js';
import { groupSet, loadSubpopulations, type GroupSpec, type SubpopulationsConfig } from './subpopulations.js';

type DepsContext = Pick<StageContext, 'name' | 'deps'>;

const trim = (p: string) => path.normalize(p).replace(/\/+$/, '');

/** `file` when it is declared (itself or a folder holding it), with the release manifest when it lies in the mirror. */
function declared(ctx: DepsContext, file: string, hint: string): string {
  const isDeclared = (f: string) => ctx.deps.some((d) => trim(d) === trim(f) || trim(f).startsWith(`${trim(d)}/`));
  if (!isDeclared(file)) throw new Error(`${ctx.name}: ${hint}: declare ${file} under deps`);
  if (releasePathOf(defaultRelease(), file) !== undefined && !isDeclared(defaultReleaseManifest)) {
    throw new Error(`${ctx.name}: ${hint} ${file} is a pinned release file: declare ${defaultReleaseManifest} under deps`);
  }
  return file;
}

export interface AggregateInputs {
  waves: WaveInput[];
  subpops: SubpopulationsConfig;
  subpopsFile: string;
  exclusions: Exclusions;
  exclusionsFile: string;
}

function aggregateInputs(ctx: DepsContext, run: AggregationRun): AggregateInputs {
  const manifest = loadWaveManifest(declared(ctx, 'config/waves.yaml', 'the wave manifest'));
  const set = Object.hasOwn(manifest.sets, run.waveset) ? manifest.sets[run.waveset] : undefined;
  if (!set) throw new Error(`${ctx.name}: config/waves.yaml has no wave set "${run.waveset}" (sets: ${Object.keys(manifest.sets).join(', ')})`);
  const subpopsFile = declared(ctx, 'config/subpopulations.yaml', 'the subpopulations');
  const subpops = loadSubpopulations(subpopsFile);
  const groupSetFile = subpops.sets[run.groups ?? subpops.default];
  if (typeof groupSetFile === 'string') declared(ctx, groupSetFile, `group set ${run.groups ?? subpops.default}`);
  const exclusionsFile = declared(ctx, 'config/exclusions.yaml', 'the exclusions');
  const exclusions = loadExclusions(exclusionsFile);
  for (const file of exclusions.qkeys_files ?? []) declared(ctx, file, 'qkeys_files of the exclusions');
  declared(ctx, 'survey/aggregate.sql', 'the aggregation SQL');
  const waves = Object.entries(set).map(([id, entry]) => {
    const tables = ctx.deps.find((d) => path.basename(trim(d)) === id);
    if (!tables) throw new Error(`${ctx.name}: no tables for wave ${id}: declare artifacts/tables/${id}/ under deps`);
    const ordinals = typeof entry.ordinals === 'string' ? declared(ctx, entry.ordinals, `curated ordinals of ${id}`) : undefined;
    // A GSS wave holds only its listed questions, which are therefore its allowlist.
    const allowlist = (entry.allowlist ?? (entry.family === 'gss' ? entry.questions : undefined)) as QuestionList | undefined;
    if (allowlist && !Array.isArray(allowlist) && run.questions === 'listed') declared(ctx, allowlist.file, `the question list of ${id}`);
    return { id, family: entry.family, role: entry.role, tables, ordinals, allowlist };
  });
  return { waves, subpops, subpopsFile, exclusions, exclusionsFile };
}

export interface AggregationRun {
  waveset: string;
  /** A set of config/subpopulations.yaml; default: the file's default. */
  groups?: string;
  minN: number;
  questions: QuestionSelection;
  outDir: string;
}

/** Aggregates the wave set's rows for the group set into `outDir`, reporting progress to the stage; returns the
 * summary and the groups it formed rows for. */
export async function aggregateForStage(ctx: StageContext, run: AggregationRun): Promise<{ summary: AggregateSummary; groups: GroupSpec[] }> {
  const inputs = aggregateInputs(ctx, run);
  const name = run.groups ?? inputs.subpops.default;
  const groups = groupSet(inputs.subpops, name, inputs.subpopsFile);
  let step = 0;
  const summary = await aggregate({
    waves: inputs.waves,
    groups,
    exclusions: inputs.exclusions,
    exclusionsFile: inputs.exclusionsFile,
    minN: run.minN,
    questions: run.questions,
    outDir: run.outDir,
    waveset: run.waveset,
    groupSet: name,
    threads: ctx.resources.cpus || undefined,
    memoryLimit: ctx.resources.mem || undefined,
    signal: ctx.signal,
    progress: (note) => ctx.progress({ done: step++, total: 3, unit: 'steps', note }),
  });
  return { summary, groups };
}
