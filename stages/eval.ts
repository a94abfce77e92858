/**
 * eval: scores one model in one steering style on every evaluation set (survey/evaluate-sets.ts) with the paper's
 * ordinal WD, KL and the letter mass (survey/evaluate.ts): zero-shot (the base model), few-shot (the base model
 * shown k answered training questions first, survey/few-shot.ts) and fine-tuned (base + LoRA adapter).
 *
 * deps: the split folder (train.jsonl for the few-shot examples, val.jsonl, test.jsonl and the further evaluation
 * sets its manifest lists); the adapter folder (the one holding adapter_config.json,
 * artifacts/models/<model>/adapter/); for models the pipeline builds (`tiny`) the base model folder
 * (artifacts/models/tiny/base/) — downloaded models are found through config/models.yaml; for the llama.cpp
 * engine, the convert stage's artifacts/gguf/<model>/; config/high-relevance.yaml (the authors' high-relevance
 * exclusions: every set is also scored without them).
 * item (a matrix instance) or params: model, steering (QA, BIO or PORTRAY; default QA, the style the paper reports).
 * params: backend (auto; tfjs), engine (auto, tfjs or llama.cpp; lm/evaluator.ts), quant (auto; the GGUF weights,
 * lm/llamacpp/weights.ts), eval_batch_size (16), eval_file ('' = none; a SubPOP-format JSONL scored as one more
 * set, named after the file), few_shot_k (0 = no few-shot run, the default; pipeline.yaml's eval stage sets 3),
 * seed (42; draws the few-shot examples).
 * resources.cpus: llama.cpp's CPU threads.
 * outs: one folder per model and style, artifacts/eval/<model>-<style>/, with predictions.jsonl, metrics.json and,
 * when the adapter has one (a released adapter does not), losses.jsonl: its training curve, copied for the report.
 * Everything is byte-identical between runs on the same engine and backend; the timings (rows/s) go to the stage
 * log and to the caller.
 */
import fs from 'node:fs';
import path from 'node:path';
import { defineStage, type ParamValue, type StageContext } from '../runner/stage.js';
import { writeFileAtomic } from '../lib/atomic.js';
import { readJsonl } from '../lib/json-files.js';
import { validate } from '../lib/schema.js';
import { evalSetFiles, splitFiles } from '../lib/split-files.js';
import { StageParams } from '../lib/stage-params.js';
import { depHolding } from '../lib/dep-folders.js';
import { chooseEngine, openEvaluator } from '../lm/evaluator.js';
import { downloadedGguf, ENGINES } from '../lm/llamacpp/weights.js';
import { checkModelWeights, loadRegistry, modelDir } from '../lm/registry.js';
import { STEERING_STYLES, type SteeringStyle } from '../survey/prompts.js';
import { loadEvalSets, type EvalRow } from '../survey/evaluate-sets.js';
import { overall, summarise } from '../survey/evaluate-summary.js';
import { predictionLine, readDistributions, scorePrediction, type Prediction } from '../survey/evaluate.js';
import { chooseExamples, examplePool, fewShotPrompt } from '../survey/few-shot.js';
import { highRelevanceFile, highRelevanceQkeys, loadHighRelevance } from '../survey/high-relevance.js';
import { readRows } from '../survey/rows.js';

const RUNS = ['zero_shot', 'few_shot', 'fine_tuned'] as const;
type Run = (typeof RUNS)[number];
const label = (run: Run): string => run.replace('_', '-');

/** Wall-clock time of one run over all rows (model loading excluded); printed, never written to a file. */
export interface RunTiming {
  seconds: number;
  rowsPerSecond: number;
}
export type EvalTimings = Partial<Record<Run, RunTiming>>;

/** The adapter's training curve (schemas/adapter-losses.schema.json), when the train stage wrote one. */
function readLosses(dir: string): string | undefined {
  const file = path.join(dir, 'losses.jsonl');
  if (!fs.existsSync(file)) return undefined;
  readJsonl(file, 'adapter-losses');
  return fs.readFileSync(file, 'utf8');
}

/** A matrix item's value for `name`, else the param. */
function itemOrParam(ctx: StageContext, p: StageParams, name: string, fallback: string, allowed?: readonly string[]): string {
  const item = ctx.item !== null && typeof ctx.item === 'object' && !Array.isArray(ctx.item) ? (ctx.item as Record<string, ParamValue>)[name] : undefined;
  return item === undefined ? p.string(name, fallback, allowed) : new StageParams(`${ctx.name} (matrix item)`, { [name]: item }).string(name, fallback, allowed);
}

export async function runEval(ctx: StageContext): Promise<EvalTimings> {
  const p = new StageParams(ctx.name, ctx.params);
  const model = itemOrParam(ctx, p, 'model', 'tiny');
  const steering = itemOrParam(ctx, p, 'steering', 'QA', STEERING_STYLES) as SteeringStyle;
  const backend = p.string('backend', 'auto');
  const engine = p.string('engine', 'auto', ENGINES);
  const quant = p.string('quant', 'auto');
  const batchSize = p.int('eval_batch_size', 16);
  const evalFile = p.string('eval_file', '');
  const k = p.int('few_shot_k', 0, 0);
  const seed = p.int('seed', 42, 0);
  const outDir = ctx.outs.find((o) => !ctx.metrics.includes(o));
  if (!outDir) throw new Error(`${ctx.name}: declare the output folder artifacts/eval/${model}-${steering}/ under outs`);

  // Everything is located and read before a model is loaded, so bad input fails fast.
  const entry = loadRegistry().models[model];
  const builtDir = depHolding(ctx.deps, 'config.json', 'adapter_config.json');
  const dir = entry && 'built' in entry ? builtDir : modelDir(model, ctx.root, ctx.env);
  if (!dir) throw new Error(`${ctx.name}: model ${model} is built by the pipeline; depend on artifacts/models/${model}/base/`);
  checkModelWeights(model, ctx.root, ctx.env, undefined, engine === 'tfjs' ? undefined : downloadedGguf(entry, dir, quant));
  const ggufDir = depHolding(ctx.deps, 'adapter.gguf');
  const choice = await chooseEngine({ engine, model, entry, dir, quant, ggufDir, backend });
  console.log(`engine: ${choice.engine} (${choice.why})`);
  const adapterDir = depHolding(ctx.deps, 'adapter_config.json');
  if (!adapterDir) throw new Error(`${ctx.name}: no adapter among the dependencies; depend on artifacts/models/${model}/adapter/ (the train stage's output)`);
  if (choice.engine === 'llama.cpp' && !ggufDir) throw new Error(`${ctx.name}: llama.cpp needs the adapter as GGUF; depend on artifacts/gguf/${model}/ (stage convert)`);
  const adapter = choice.engine === 'llama.cpp' ? path.join(ggufDir!, 'adapter.gguf') : adapterDir;
  const losses = readLosses(adapterDir);
  const sets = loadEvalSets(evalSetFiles(ctx.name, ctx.deps), evalFile || undefined);
  const rows = sets.flatMap((s) => s.rows);
  const highRelevance = highRelevanceQkeys(loadHighRelevance(ctx.deps.find((d) => path.basename(d) === path.basename(highRelevanceFile)) ?? highRelevanceFile));
  const pool = k > 0 ? examplePool(readRows(splitFiles(ctx.name, ctx.deps, ['train']).train)) : new Map();
  const runs: Run[] = RUNS.filter((run) => run !== 'few_shot' || k > 0);
  const prompt: Partial<Record<Run, (row: EvalRow) => string>> = {
    few_shot: (row) => fewShotPrompt(row, row, steering, chooseExamples(row, pool, k, seed)),
  };

  const predictions: Partial<Record<Run, Prediction[]>> = {};
  const timings: EvalTimings = {};
  let used = { engine: '', backend: '', quantisation: '' };
  const prompts: Partial<Record<Run, number>> = {};
  // The base model serves zero-shot and few-shot; the adapter is loaded once for fine-tuned.
  for (const withAdapter of [false, true]) {
    const loaded = await openEvaluator(choice, dir, backend, withAdapter ? adapter : undefined, ctx.resources.cpus, (l) => console.log(l));
    used = { engine: loaded.engine, backend: loaded.backend, quantisation: loaded.quantisation };
    try {
      for (const run of runs.filter((r) => (r === 'fine_tuned') === withAdapter)) {
        const started = performance.now();
        const read = await readDistributions(loaded, rows, {
          style: steering,
          ...(prompt[run] ? { prompt: prompt[run] } : {}),
          batchSize,
          signal: ctx.signal,
          progress: (done, total) => ctx.progress({ done, total, unit: 'prompts', note: label(run) }),
        });
        prompts[run] = read.prompts;
        predictions[run] = rows.map((row, i) => scorePrediction(row, read.readouts[i]!));
        const seconds = (performance.now() - started) / 1000;
        timings[run] = { seconds, rowsPerSecond: rows.length / seconds };
        console.log(`${label(run)}: ${rows.length} rows, ${read.prompts} prompts in ${seconds.toFixed(1)} s (${Math.round(rows.length / seconds).toLocaleString('en-US')} rows/s)`);
      }
    } finally {
      await loaded.dispose();
    }
  }

  const lines: string[] = [];
  let offset = 0;
  const setMetrics = sets.map((set) => {
    const scored = Object.fromEntries(runs.map((run) => [run, predictions[run]!.slice(offset, offset + set.rows.length)])) as Partial<Record<Run, Prediction[]>>;
    offset += set.rows.length;
    set.rows.forEach((row, i) => lines.push(predictionLine(set.name, row, Object.fromEntries(runs.map((run) => [run, scored[run]![i]!])))));
    const kept = set.rows.map((r) => !highRelevance.has(r.qkey));
    const highRelevanceRows = kept.filter((x) => !x).length;
    return {
      name: set.name,
      file: set.file,
      sources: set.sources,
      rows: set.rows.length,
      skipped_rows: set.skipped,
      ...Object.fromEntries(runs.map((run) => [run, summarise(scored[run]!, ['kl', 'letter_mass'])])),
      high_relevance_rows: highRelevanceRows,
      without_high_relevance: highRelevanceRows
        ? { rows: set.rows.length - highRelevanceRows, ...Object.fromEntries(runs.map((run) => [run, overall(summarise(scored[run]!.filter((_, i) => kept[i]), ['kl', 'letter_mass']))])) }
        : null,
    };
  });
  const metrics = validate(
    'eval-metrics',
    { model, steering, adapter: adapterDir, ...used, prompts: prompts.zero_shot!, few_shot: k > 0 ? { k, seed, prompts: prompts.few_shot! } : null, sets: setMetrics },
    `${outDir}/metrics.json`,
  );

  fs.mkdirSync(outDir, { recursive: true });
  writeFileAtomic(path.join(outDir, 'predictions.jsonl'), lines.map((l) => `${l}\n`).join(''));
  if (losses !== undefined) writeFileAtomic(path.join(outDir, 'losses.jsonl'), losses);
  writeFileAtomic(path.join(outDir, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  return timings;
}

export default defineStage(runEval);
