/**
 * The llama.cpp engine (lm/llamacpp) against tfjs, and the paper's 7B models on this machine.
 *
 * 1. tiny on both engines: zero-shot readout of the demo's val + test rows from the pipeline's own artifacts
 *    (run `npx pipe run --engine llama.cpp` first): rows/s and prompt tokens/s.
 * 2. A model with Mistral-7B's config and random weights, written by this script as GGUF q4_0 and q8_0 (through
 *    the converter's metadata, vocabulary and quantisers; the weights repeat one random block, which changes
 *    nothing for speed), with a random rank-8 LoRA on q_proj/v_proj (the paper's): a sample of the demo's QA
 *    prompts, a few groups × several questions, zero-shot and fine-tuned, with the prefix reuse of evaluation
 *    and without it (groups interleaved, so consecutive prompts share no steering prefix): rows/s, prompt tokens
 *    evaluated, CPU seconds per row, peak RSS, and the projected time of the full SubPOP-Eval (2,926 rows,
 *    zero-shot + fine-tuned): from the wall time (on a shared machine, pessimistic) and from the CPU time spread
 *    over the cores (the machine to itself).
 * 3. Whether tfjs could hold the same model in float32 here.
 *
 *   npx tsx bench/llamacpp.ts [--work DIR] [--quants q4_0,q8_0] [--groups 3] [--questions 6] [--threads 2]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { trainBpe } from '../lm/bpe.js';
import { parseConfig, parameterCount } from '../lm/config.js';
import { convertAdapter } from '../lm/gguf/adapter.js';
import { modelMetadata, tensorType, type Quant } from '../lm/gguf/convert.js';
import { tensorMappings } from '../lm/gguf/names.js';
import { encodeTensor } from '../lm/gguf/quantize.js';
import { tokenizerMetadata } from '../lm/gguf/vocab.js';
import { writeGguf } from '../lm/gguf/writer.js';
import { loadGgufModel } from '../lm/llamacpp/engine.js';
import { checkCapacity, loadModel, weightBytes } from '../lm/load.js';
import { writeAdapter } from '../lm/peft.js';
import { Rng } from '../lm/random.js';
import { TextTokenizer } from '../lm/tokenizer.js';
import { loadEvalSets } from '../survey/evaluate-sets.js';
import { readDistributions, type ReadoutModel } from '../survey/evaluate.js';
import { buildPrompt } from '../survey/prompts.js';
import { readRows } from '../survey/rows.js';

const { values: args } = parseArgs({
  options: {
    work: { type: 'string' },
    quants: { type: 'string', default: 'q4_0,q8_0' },
    groups: { type: 'string', default: '3' },
    questions: { type: 'string', default: '6' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
  },
});
const work = path.resolve(args.work ?? fs.mkdtempSync(path.join(os.tmpdir(), 'bench-llamacpp-')));
const threads = Number(args.threads);
const SUBPOP_EVAL_ROWS = 2926;
const gib = (b: number): string => `${(b / 2 ** 30).toFixed(1)} GiB`;
const load = (): string => os.loadavg().map((l) => l.toFixed(1)).join(' ');
const peakRss = (): number => Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;
console.log(`work folder ${work}; ${os.availableParallelism()} cores, ${gib(os.totalmem())} RAM; load average ${load()}`);

// 1. tiny on both engines.
const split = 'artifacts/split';
const tinyBase = 'artifacts/models/tiny/base';
const tinyGguf = 'artifacts/gguf/tiny/model.gguf';
if (fs.existsSync(tinyGguf)) {
  const rows = loadEvalSets({ val: `${split}/val.jsonl`, test: `${split}/test.jsonl` }).flatMap((s) => s.rows);
  const tok = TextTokenizer.load(tinyBase);
  const tokens = [...new Set(rows.map((r) => buildPrompt(r, r, 'QA')))].reduce((n, p) => n + tok.encode(p).length + 1, 0);
  const time = async (m: ReadoutModel): Promise<number> => {
    const t0 = performance.now();
    await readDistributions(m, rows, { style: 'QA', batchSize: 16 });
    return (performance.now() - t0) / 1000;
  };
  const tf = await loadModel(tinyBase);
  const tTf = await time(tf);
  tf.dispose();
  const cpp = await loadGgufModel(tinyGguf, tinyBase);
  const tCpp = await time(cpp);
  console.log(`\ntiny, ${rows.length} rows (${tokens} prompt tokens), zero-shot; load average ${load()}`);
  console.log(`| tfjs (${tf.backend}, F32) | ${(rows.length / tTf).toFixed(0)} rows/s | ${(tokens / tTf).toFixed(0)} prompt tokens/s |`);
  console.log(`| llama.cpp (${cpp.backend}, ${cpp.quantisation}) | ${(rows.length / tCpp).toFixed(0)} rows/s | ${(tokens / tCpp).toFixed(0)} prompt tokens/s; ${cpp.evaluatedTokens} evaluated with prefix reuse |`);
  await cpp.dispose();
} else console.log(`(skipping tiny: ${tinyGguf} is missing; run \`npx pipe run --engine llama.cpp\` first)`);

// 2. A Mistral-7B-shaped model with random weights.
const dir = path.join(work, 'mistral-7b-shaped');
fs.mkdirSync(dir, { recursive: true });
const configJson = {
  architectures: ['MistralForCausalLM'], model_type: 'mistral', hidden_size: 4096, intermediate_size: 14336, num_attention_heads: 32,
  num_key_value_heads: 8, num_hidden_layers: 32, vocab_size: 32000, rms_norm_eps: 1e-5, rope_theta: 10000, max_position_embeddings: 32768,
  tie_word_embeddings: false, bos_token_id: 1, eos_token_id: 2,
};
fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(configJson));
const config = parseConfig(configJson, dir);
// Prompts of the demo's val split; a tokenizer trained on them with a small vocabulary, so that a prompt takes
// about as many tokens as with Llama's (~4 characters per token on English text).
const rows = readRows(`${split}/val.jsonl`);
const prompts = rows.map((r) => buildPrompt(r, r, 'QA'));
fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(trainBpe(prompts, 700)));
const tok = TextTokenizer.load(dir);
const charsPerToken = prompts.reduce((n, p) => n + p.length, 0) / prompts.reduce((n, p) => n + tok.encode(p).length, 0);

const rng = new Rng(1);
const block = Float32Array.from({ length: 4 * 2 ** 20 }, () => rng.normal() * 0.02);
async function writeModel(quant: Quant): Promise<string> {
  const file = path.join(dir, `model-${quant}.gguf`);
  if (fs.existsSync(file)) return file;
  const mappings = tensorMappings(config);
  const tensors = mappings.map((m) => ({ name: m.gguf, shape: m.shape, type: tensorType(m, quant) }));
  const metadata = [...modelMetadata(config, configJson, 'mistral-7b-shaped', quant), ...tokenizerMetadata(dir, config.vocabSize)];
  const cache = new Map<string, Uint8Array>();
  const t0 = performance.now();
  await writeGguf(file, { metadata, tensors }, function* (t) {
    if (t.shape.length === 1) return yield encodeTensor(new Float32Array(t.shape[0]!).fill(1), t.shape, t.type);
    const [rowsN, cols] = t.shape as [number, number];
    const step = Math.floor(block.length / cols);
    for (let r = 0; r < rowsN; r += step) {
      const n = Math.min(step, rowsN - r);
      const key = `${t.type} ${n}x${cols}`;
      if (!cache.has(key)) cache.set(key, encodeTensor(block.subarray(0, n * cols), [n, cols], t.type));
      yield cache.get(key)!;
    }
  });
  console.log(`wrote ${file}: ${gib(fs.statSync(file).size)} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return file;
}
const peft = path.join(dir, 'adapter');
if (!fs.existsSync(path.join(dir, 'adapter.gguf'))) {
  const weights = [];
  for (let layer = 0; layer < config.nLayers; layer++) {
    for (const [module, out] of [['q_proj', 4096], ['v_proj', 1024]] as const) {
      weights.push({ layer, module, a: block.slice(0, 8 * 4096), b: block.slice(0, out * 8) });
    }
  }
  writeAdapter(peft, { spec: { r: 8, alpha: 32, dropout: 0.05, targets: ['q_proj', 'v_proj'] }, scale: 4, weights }, 'mistral-7b-shaped');
  await convertAdapter(peft, config, path.join(dir, 'adapter.gguf'));
}

// A few groups × several questions: the steering prefix of a group is shared by its questions.
// Groups of different attributes: the steering prefixes of two groups of one attribute differ only at the end.
const groups = [...new Map(rows.map((r) => [r.attribute, `${r.attribute}\u0000${r.group}`])).values()].slice(0, Number(args.groups));
const sample = groups.flatMap((g) => rows.filter((r) => `${r.attribute}\u0000${r.group}` === g).slice(0, Number(args.questions)));
const items = sample.map((r) => ({ prompt: buildPrompt(r, r, 'QA'), nOptions: r.ordinal.length }));
const byText = [...items].sort((a, b) => (a.prompt < b.prompt ? -1 : 1));
// Round-robin over groups: consecutive prompts belong to different attributes, so only "Question: " is shared.
const interleaved = Array.from({ length: Number(args.questions) }, (_, q) => groups.map((_, g) => byText[g * Number(args.questions) + q]).filter((x) => x !== undefined)).flat();
const promptTokens = items.reduce((n, it) => n + tok.encode(it.prompt).length + 1, 0);
console.log(`\n${config.nLayers} layers, hidden ${config.hiddenSize}, ${(parameterCount(config) / 1e9).toFixed(2)}B parameters; sample: ${items.length} rows (${groups.length} groups × ${args.questions} questions), ${promptTokens} prompt tokens (${(promptTokens / items.length).toFixed(0)} per row, ${charsPerToken.toFixed(1)} characters per token); ${threads} threads`);
console.log('| model | run | order | rows/s | tokens evaluated | tokens/s | CPU s/row | projected SubPOP-Eval run (2,926 rows): wall, CPU time / 2 cores | peak RSS | load average |');
for (const quant of args.quants.split(',') as Quant[]) {
  const file = await writeModel(quant);
  const projections: Record<string, number> = {};
  for (const adapter of [false, true]) {
    const m = await loadGgufModel(file, dir, { threads, ...(adapter ? { adapter: path.join(dir, 'adapter.gguf') } : {}) });
    for (const [order, list] of [['prefix reuse', byText], ['no reuse', interleaved]] as const) {
      if (order === 'no reuse' && adapter) continue; // the adapter changes the cost per token, not the reuse
      const before = m.evaluatedTokens;
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      await m.optionReadouts(list);
      const s = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const cpuPerRow = (cpu.user + cpu.system) / 1e6 / list.length;
      const evaluated = m.evaluatedTokens - before;
      const hours = (SUBPOP_EVAL_ROWS * s) / list.length / 3600;
      // CPU time spread over the machine's cores: what the run takes when the machine is not shared.
      const idle = (SUBPOP_EVAL_ROWS * cpuPerRow) / os.availableParallelism() / 3600;
      projections[`${adapter ? 'fine-tuned' : 'zero-shot'} ${order}`] = idle;
      console.log(`| ${quant} | ${adapter ? 'fine-tuned' : 'zero-shot'} | ${order} | ${(list.length / s).toFixed(3)} | ${evaluated} | ${(evaluated / s).toFixed(1)} | ${cpuPerRow.toFixed(1)} | ${hours.toFixed(1)} h, ${idle.toFixed(1)} h | ${gib(peakRss())} | ${load()} |`);
    }
    await m.dispose();
  }
  const reuse = projections['zero-shot prefix reuse']! + projections['fine-tuned prefix reuse']!;
  const none = projections['zero-shot no reuse']! * (projections['fine-tuned prefix reuse']! / projections['zero-shot prefix reuse']!) + projections['zero-shot no reuse']!;
  console.log(`| ${quant} | zero-shot + fine-tuned | | | | | | **${reuse.toFixed(1)} h** with prefix reuse, ${none.toFixed(1)} h without (CPU time / 2 cores) | | |`);
}

// 3. tfjs in float32.
for (const backend of ['wasm', 'cpu']) {
  try {
    checkCapacity(dir, config, backend);
    console.log(`tfjs ${backend}: would hold ${gib(weightBytes(config))} of f32 weights`);
  } catch (err) {
    console.log(`tfjs ${backend}: ${(err as Error).message}`);
  }
}
