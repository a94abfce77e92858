/**
 * eval: scores one model, zero-shot (the base model) and fine-tuned (base + LoRA adapter), on every evaluation
 * set (survey/evaluate-sets.ts) with the paper's ordinal WD, KL and the letter mass (survey/evaluate.ts).
 *
 * deps: the split folder (val.jsonl, test.jsonl); the adapter folder (the one holding adapter_config.json,
 * artifacts/models/<model>/adapter/); for models the pipeline builds (`tiny`) the base model folder
 * (artifacts/models/tiny/base/) — downloaded models are found through config/models.yaml. Depending on
 * artifacts/models/<model>/ covers both; for the llama.cpp engine, the convert stage's artifacts/gguf/<model>/.
 * params: model, steering (QA, BIO or PORTRAY; default QA, the style the paper reports), backend (auto; tfjs),
 * engine (auto, tfjs or llama.cpp; lm/evaluator.ts), quant (auto; the GGUF weights, lm/llamacpp/weights.ts),
 * eval_batch_size (16), eval_file ('' = none; a SubPOP-format JSONL scored as one more set, named after the file).
 * resources.cpus: llama.cpp's CPU threads.
 * outs: one folder per model, artifacts/eval/<model>/, with predictions.jsonl, metrics.json and, when the adapter
 * has one (a released adapter does not), losses.jsonl: its training curve, copied for the report. Everything is
 * byte-identical between runs on the same engine and backend; the timings (rows/s) go to the stage log and to the caller.
 */
import fs from 'node:fs';
import path from 'node:path';
import { defineStage, type StageContext } from '../runner/stage.js';
import { writeFileAtomic } from '../lib/atomic.js';
import { readJsonl } from '../lib/json-files.js';
import { validate } from '../lib/schema.js';
import { splitFiles } from '../lib/split-files.js';
import { StageParams } from '../lib/stage-params.js';
import { depHolding } from '../lib/dep-folders.js';
import { chooseEngine, openEvaluator } from '../lm/evaluator.js';
import { downloadedGguf, ENGINES } from '../lm/llamacpp/weights.js';
import { checkModelWeights, loadRegistry, modelDir } from '../lm/registry.js';
import { STEERING_STYLES, type SteeringStyle } from '../survey/prompts.js';
import { loadEvalSets } from '../survey/evaluate-sets.js';
import { summarise } from '../survey/evaluate-summary.js';
import { predictionLine, readDistributions, scorePrediction, type Prediction } from '../survey/evaluate.js';

const RUNS = ['zero_shot', 'fine_tuned'] as const;
type Run = (typeof RUNS)[number];
const label = (run: Run): string => run.replace('_', '-');

/** Wall-clock time of one run over all rows (model loading excluded); printed, never written to a file. */
export interface RunTiming {
  seconds: number;
  rowsPerSecond: number;
}
export type EvalTimings = Record<Run, RunTiming>;

/** The adapter's training curve (schemas/adapter-losses.schema.json), when the train stage wrote one. */
function readLosses(dir: string): string | undefined {
  const file = path.join(dir, 'losses.jsonl');
  if (!fs.existsSync(file)) return undefined;
  readJsonl(file, 'adapter-losses');
  return fs.readFileSync(file, 'utf8');
}

export async function runEval(ctx: StageContext): Promise<EvalTimings> {
  const p = new StageParams(ctx.name, ctx.params);
  const model = p.string('model', 'tiny');
  const steering = p.string('steering', 'QA', STEERING_STYLES) as SteeringStyle;
  const backend = p.string('backend', 'auto');
  const engine = p.string('engine', 'auto', ENGINES);
  const quant = p.string('quant', 'auto');
  const batchSize = p.int('eval_batch_size', 16);
  const evalFile = p.string('eval_file', '');
  const outDir = ctx.outs.find((o) => !ctx.metrics.includes(o));
  if (!outDir) throw new Error(`${ctx.name}: declare the output folder artifacts/eval/${model}/ under outs`);

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
  const sets = loadEvalSets(splitFiles(ctx.name, ctx.deps, ['val', 'test']), evalFile || undefined);
  const rows = sets.flatMap((s) => s.rows);

  const predictions: Record<Run, Prediction[]> = { zero_shot: [], fine_tuned: [] };
  const timings = {} as EvalTimings;
  let used = { engine: '', backend: '', quantisation: '' };
  let prompts = 0;
  for (const run of RUNS) {
    const loaded = await openEvaluator(choice, dir, backend, run === 'fine_tuned' ? adapter : undefined, ctx.resources.cpus, (l) => console.log(l));
    used = { engine: loaded.engine, backend: loaded.backend, quantisation: loaded.quantisation };
    const started = performance.now();
    try {
      const read = await readDistributions(loaded, rows, {
        style: steering,
        batchSize,
        signal: ctx.signal,
        progress: (done, total) => ctx.progress({ done, total, unit: 'prompts', note: label(run) }),
      });
      prompts = read.prompts;
      predictions[run] = rows.map((row, i) => scorePrediction(row, read.readouts[i]!));
    } finally {
      await loaded.dispose();
    }
    const seconds = (performance.now() - started) / 1000;
    timings[run] = { seconds, rowsPerSecond: rows.length / seconds };
    console.log(`${label(run)}: ${rows.length} rows in ${seconds.toFixed(1)} s (${Math.round(rows.length / seconds).toLocaleString('en-US')} rows/s)`);
  }

  const lines: string[] = [];
  let offset = 0;
  const setMetrics = sets.map((set) => {
    const [zeroShot, fineTuned] = RUNS.map((run) => predictions[run].slice(offset, offset + set.rows.length));
    offset += set.rows.length;
    set.rows.forEach((row, i) => lines.push(predictionLine(set.name, row, { zero_shot: zeroShot![i]!, fine_tuned: fineTuned![i]! })));
    return {
      name: set.name,
      file: set.file,
      rows: set.rows.length,
      skipped_rows: set.skipped,
      zero_shot: summarise(zeroShot!, ['kl', 'letter_mass']),
      fine_tuned: summarise(fineTuned!, ['kl', 'letter_mass']),
    };
  });
  const metrics = validate('eval-metrics', { model, steering, adapter: adapterDir, ...used, prompts, sets: setMetrics }, `${outDir}/metrics.json`);

  fs.mkdirSync(outDir, { recursive: true });
  writeFileAtomic(path.join(outDir, 'predictions.jsonl'), lines.map((l) => `${l}\n`).join(''));
  if (losses !== undefined) writeFileAtomic(path.join(outDir, 'losses.jsonl'), losses);
  writeFileAtomic(path.join(outDir, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  return timings;
}

export default defineStage(runEval);
