/**
 * audit: the bias audit of one model (survey/audit.ts) — per group its WD against its size and its distance
 * from the population; per attribute the gap between the best- and worst-served group, zero-shot and
 * fine-tuned.
 *
 * deps: the model's eval folder in its training style (artifacts/eval/<model>-<style>/, predictions.jsonl), the bounds folder (bounds.jsonl:
 * the respondents behind each row) and the marginal folder (marginal.jsonl: each row's distance from the
 * population).
 * params: model, steering (the style whose evaluation is audited; default QA).
 * outs: artifacts/audit/<model>/audit.json (schemas/audit.schema.json), byte-identical for the same inputs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { defineStage, type StageContext } from '../runner/stage.js';
import { writeFileAtomic } from '../lib/atomic.js';
import { readJsonl } from '../lib/json-files.js';
import { validate } from '../lib/schema.js';
import { StageParams } from '../lib/stage-params.js';
import { audit, auditRows, rowKey, type RowKey } from '../survey/audit.js';

function depFile(ctx: StageContext, file: string, hint: string): string {
  const found = ctx.deps.map((d) => path.join(d, file)).find((f) => fs.existsSync(f));
  if (!found) throw new Error(`${ctx.name}: no ${file} among the dependencies; depend on ${hint}`);
  return found;
}

export function runAudit(ctx: StageContext): void {
  const p = new StageParams(ctx.name, ctx.params);
  const model = p.string('model', 'tiny');
  const steering = p.string('steering', 'QA');
  const [outDir] = ctx.outs;
  if (!outDir) throw new Error(`${ctx.name}: declare the output folder artifacts/audit/${model}/ under outs`);
  type Predictions = RowKey & { zero_shot: { wd: number | null }; fine_tuned: { wd: number | null } };
  const predictions = readJsonl<Predictions>(depFile(ctx, 'predictions.jsonl', `artifacts/eval/${model}-${steering}/`), 'predictions');
  const bounds = readJsonl<RowKey & { n_respondents: number | null }>(depFile(ctx, 'bounds.jsonl', 'artifacts/bounds/'), 'bounds-rows');
  const marginal = readJsonl<RowKey & { wd: number | null }>(depFile(ctx, 'marginal.jsonl', 'artifacts/marginal/'), 'marginal-rows');
  const rows = auditRows(
    predictions,
    new Map(bounds.map((b) => [rowKey(b), b.n_respondents])),
    new Map(marginal.map((m) => [rowKey(m), m.wd])),
  );
  const result = validate('audit', { model, sets: audit(rows) }, `${outDir}/audit.json`);
  fs.mkdirSync(outDir, { recursive: true });
  writeFileAtomic(path.join(outDir, 'audit.json'), `${JSON.stringify(result, null, 2)}\n`);
}

export default defineStage(runAudit);
