/**
 * tiny-model: writes the `tiny` base model (config.json, seeded model.safetensors, a tokenizer.json trained
 * on the prompts of the split) into `artifacts/models/tiny/base/`. See lm/tiny.ts.
 *
 * deps: the split folder (train.jsonl, val.jsonl, test.jsonl and any further evaluation set); params: seed, tiny_vocab, tiny_hidden,
 * tiny_intermediate, tiny_layers, tiny_heads, tiny_kv_heads.
 */
import { defineStage, type StageContext } from '../runner/stage.js';
import { evalSetFiles, splitFiles } from '../lib/split-files.js';
import { StageParams } from '../lib/stage-params.js';
import { DEFAULT_TINY, writeTinyModel } from '../lm/tiny.js';
import { buildPrompt, STEERING_STYLES } from '../survey/prompts.js';
import { readRows } from '../survey/rows.js';

export async function runTinyModel(ctx: StageContext): Promise<void> {
  const p = new StageParams(ctx.name, ctx.params);
  const [outDir] = ctx.outs;
  if (!outDir) throw new Error(`${ctx.name}: declare the output folder artifacts/models/tiny/base/ under outs`);
  const files = { ...splitFiles(ctx.name, ctx.deps, ['train']), ...evalSetFiles(ctx.name, ctx.deps) };
  // Every steering style of every row, so the vocabulary covers all prompts the model will see.
  const corpus: string[] = [];
  for (const file of Object.values(files)) for (const row of readRows(file)) for (const s of STEERING_STYLES) corpus.push(buildPrompt(row, row, s));
  ctx.progress({ done: 0, note: `training a tokenizer on ${corpus.length} prompts` });
  writeTinyModel(
    outDir,
    corpus,
    {
      vocab_size: p.int('tiny_vocab', DEFAULT_TINY.vocab_size, 300),
      hidden_size: p.int('tiny_hidden', DEFAULT_TINY.hidden_size),
      intermediate_size: p.int('tiny_intermediate', DEFAULT_TINY.intermediate_size),
      num_hidden_layers: p.int('tiny_layers', DEFAULT_TINY.num_hidden_layers),
      num_attention_heads: p.int('tiny_heads', DEFAULT_TINY.num_attention_heads),
      num_key_value_heads: p.int('tiny_kv_heads', DEFAULT_TINY.num_key_value_heads),
    },
    p.int('seed', 42, 0),
  );
}

export default defineStage(runTinyModel);
