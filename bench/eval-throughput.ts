/**
 * Evaluation throughput of `tiny` on the demo set: builds the demo pipeline's inputs with the stage modules
 * themselves and pipeline.yaml's params (ingest of the embedded demo waves → aggregate → split → tiny-model →
 * train; --epochs and --lr override the training params), then times the eval
 * stage in each steering style of `eval_steering` (rows/s, zero-shot, few-shot and fine-tuned, as it returns them),
 * the bounds stage and the report, and prints the demo results table. Steps whose output already exists in the work folder are reused, so a second run with
 * `--work DIR` times the evaluation alone.
 *
 *   npx tsx bench/eval-throughput.ts [--work DIR] [--epochs N] [--lr X] [--batch 16] [--backend auto]
 *
 * The speed of the WD metric itself (70,000 rows) is measured by bench/wd.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadPipeline } from '../runner/config.js';
import type { StageContext } from '../runner/stage.js';
import { loadWaveManifest } from '../net/waves.js';
import aggregateStage from '../stages/aggregate.js';
import { runBounds } from '../stages/bounds.js';
import { runEval, type EvalTimings } from '../stages/eval.js';
import ingestStage from '../stages/ingest.js';
import { runReport } from '../stages/report.js';
import splitStage from '../stages/split.js';
import { runTinyModel } from '../stages/tiny-model.js';
import { runTrain } from '../stages/train.js';
import { stageContext } from '../test/helpers/stage-context.js';

const { values: args } = parseArgs({
  options: {
    work: { type: 'string' },
    epochs: { type: 'string' },
    lr: { type: 'string' },
    batch: { type: 'string', default: '16' },
    backend: { type: 'string', default: 'auto' },
  },
});
const work = path.resolve(args.work ?? fs.mkdtempSync(path.join(os.tmpdir(), 'bench-eval-')));
const at = (p: string) => path.join(work, p);
const cpus = os.availableParallelism();

function ctx(name: string, deps: string[], outs: string[], params: StageContext['params'], item?: StageContext['item'], key?: string): StageContext {
  return stageContext({ name, params, item, key, deps, outs, env: process.env, resources: { cpus, gpus: 0, mem: 0 } });
}

/** Runs a stage unless its outputs exist; returns its wall time in seconds (0 when reused). */
async function stage(run: (c: StageContext) => unknown, c: StageContext): Promise<number> {
  const done = c.outs.every((o) => fs.existsSync(o) && (!fs.statSync(o).isDirectory() || fs.readdirSync(o).length > 0));
  if (done) return 0;
  for (const o of c.outs) fs.mkdirSync(o.endsWith('.md') ? path.dirname(o) : o, { recursive: true });
  const t0 = performance.now();
  await run(c);
  return (performance.now() - t0) / 1000;
}

const { params } = await loadPipeline(path.resolve('pipeline.yaml'), { overrides: [['waveset', 'demo']] });
const pick = (names: string[]): StageContext['params'] => Object.fromEntries(names.map((n) => [n, params[n]!]));
const waves = loadWaveManifest('config/waves.yaml').sets.demo!;
const seconds: Record<string, number> = {};
seconds.ingest = 0;
for (const [wave, entry] of Object.entries(waves)) {
  const raw = at(`raw/${wave}`);
  fs.mkdirSync(raw, { recursive: true });
  const source = path.resolve(entry.source as string);
  const link = path.join(raw, path.basename(source));
  if (!fs.existsSync(link)) fs.symlinkSync(source, link);
  seconds.ingest += await stage(ingestStage.run, ctx(`ingest@${wave}`, [raw], [at(`tables/${wave}`)], {}, entry as StageContext['item'], wave));
}
const ordinals = Object.values(waves).flatMap((e) => (typeof e.ordinals === 'string' ? [e.ordinals] : []));
const configs = ['config/waves.yaml', 'config/subpopulations.yaml', 'config/exclusions.yaml'];
seconds.aggregate = await stage(
  aggregateStage.run,
  ctx('aggregate', [...configs, 'survey/aggregate.sql', ...ordinals, ...Object.keys(waves).map((w) => at(`tables/${w}`))], [at('rows')], { ...pick(['groups', 'min_n']), waveset: 'demo' }),
);
seconds.split = await stage(splitStage.run, ctx('split', [at('rows'), 'config/waves.yaml'], [at('split')], { ...pick(['seed', 'train_ratio']), waveset: 'demo' }));
seconds['tiny-model'] = await stage(runTinyModel, ctx('tiny-model', [at('split')], [at('models/tiny/base')], pick(['seed', 'tiny_vocab', 'tiny_hidden', 'tiny_intermediate', 'tiny_layers', 'tiny_heads', 'tiny_kv_heads'])));
seconds.train = await stage(
  runTrain,
  ctx('train', [at('split'), at('models/tiny/base')], [at('models/tiny/adapter')], {
    ...pick(['seed', 'steering', 'lr', 'epochs', 'batch_size', 'grad_accum', 'warmup_ratio', 'lora_r', 'lora_alpha', 'lora_dropout', 'lora_targets']),
    ...(args.epochs ? { epochs: Number(args.epochs) } : {}),
    ...(args.lr ? { lr: Number(args.lr) } : {}),
    model: 'tiny',
    backend: args.backend,
  }),
);
for (const o of ['eval', 'bounds', 'report']) fs.rmSync(at(o), { recursive: true, force: true });
const styles = params.eval_steering as string[];
const timings: Record<string, EvalTimings> = {};
for (const steering of styles) {
  seconds[`eval ${steering}`] = await stage(
    async (c) => (timings[steering] = await runEval(c)),
    ctx(
      `eval@tiny-${steering}`,
      [at('split'), at('models/tiny/base'), at('models/tiny/adapter'), 'config/high-relevance.yaml'],
      [at(`eval/tiny-${steering}`)],
      { ...pick(['seed', 'few_shot_k']), eval_batch_size: Number(args.batch), backend: args.backend },
      { model: 'tiny', steering },
    ),
  );
}
seconds.bounds = await stage(runBounds, ctx('bounds', [at('split'), at('tables'), ...configs, 'config/high-relevance.yaml', ...ordinals], [at('bounds')], pick(['seed', 'bootstrap_samples'])));
seconds.report = await stage(runReport, ctx('report', [at('eval'), at('bounds')], [at('report/RESULTS.md'), at('report')], {}));

const metrics = JSON.parse(fs.readFileSync(at(`eval/tiny-${styles[0]}/metrics.json`), 'utf8'));
const rows = metrics.sets.reduce((n: number, s: { rows: number }) => n + s.rows, 0);
console.log(`work folder: ${work}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`stage seconds (0 = reused): ${Object.entries(seconds).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
console.log(`eval: ${rows} rows (${metrics.sets.map((s: { name: string; rows: number }) => `${s.name} ${s.rows}`).join(', ')}), ${metrics.prompts} distinct prompts, few-shot k = ${metrics.few_shot?.k ?? 0}, backend ${metrics.backend}, batch ${args.batch}`);
for (const [steering, runs] of Object.entries(timings)) {
  for (const [run, t] of Object.entries(runs)) console.log(`  ${steering} ${run}: ${t!.seconds.toFixed(2)} s, ${t!.rowsPerSecond.toFixed(1)} rows/s`);
}
console.log(`bounds: ${rows} rows in ${seconds.bounds!.toFixed(1)} s (${params.bootstrap_samples} bootstrap samples per row)`);
console.log(fs.readFileSync(at('report/RESULTS.md'), 'utf8').split('## Readout')[0]);
