/**
 * Evaluation with llama.cpp (node-llama-cpp): the option readout of lm/readout.ts from a GGUF model, with an
 * optional GGUF LoRA adapter.
 *
 * Prompts are tokenised with the model's own tokenizer.json, exactly as for tfjs, and fed to llama.cpp as ids;
 * every id is checked against the GGUF's vocabulary first. At the last position llama.cpp's full-vocabulary
 * softmax at temperature 1 (node-llama-cpp's probabilities under greedy selection: no top-k/top-p/min-p
 * filter) is read, and its log gives the letter rule of lm/readout.ts the same numbers as logits would.
 *
 * A context sequence keeps the tokens its previous prompt shares with the next one (the steering prefix, when
 * prompts come sorted by text) and evaluates only the rest. Several sequences may work side by side, each
 * through a contiguous run of prompts, in rounds of one prompt per sequence whose batches are formed the same way
 * on every run, so results are byte-identical between runs. On a CPU one sequence is as fast: a prompt's own
 * tokens already make a large enough batch. The KV cache is kept in f32, which keeps an f32 model within 1e-6 of
 * tfjs; llama.cpp's default f16 cache alone moves log-probabilities by ~1e-3.
 */
import os from 'node:os';
import type { ControlledEvaluateInputItem, LlamaContext, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import { parameterCount, readConfig, type LlamaConfig } from '../config.js';
import { tokenizerVocabulary } from '../gguf/vocab.js';
import { PromptEncoder } from '../prompt-encoder.js';
import { TextTokenizer } from '../tokenizer.js';
import { readOptions, type OptionReadout } from '../readout.js';
import { checkAdapterFits, inspectGguf, type GgufSummary } from './gguf-file.js';
import { llamaRuntime } from './runtime.js';

export interface LlamaCppOptions {
  /** A GGUF LoRA adapter for the model (lm/gguf/adapter.ts). */
  adapter?: string;
  /** Context sequences evaluated side by side (default 1). */
  sequences?: number;
  /** CPU threads at most (default: node-llama-cpp's, the machine's math cores). Models under 100M parameters
   * use one: ggml's threads wait for each other by spinning, which costs more than small matrices gain, and on
   * a machine shared with other work costs far more. */
  threads?: number;
  log?: (line: string) => void;
}

export interface LlamaCppModel {
  readonly engine: 'llama.cpp';
  readonly backend: string;
  readonly quantisation: string;
  /** Prompts sharing a prefix should come in a row (sorted by text), so that the prefix is evaluated once. */
  readonly promptOrder: 'prefix';
  /** log p(next token) over the whole vocabulary after each token sequence. */
  logProbs(seqs: readonly (readonly number[])[]): Promise<Float32Array[]>;
  optionReadouts(items: readonly { prompt: string; nOptions: number }[]): Promise<OptionReadout[]>;
  /** Prompt tokens evaluated so far (the shared prefixes that were reused are not counted). */
  readonly evaluatedTokens: number;
  dispose(): Promise<void>;
}

const GIB = 2 ** 30;
const gib = (bytes: number): string => `${(bytes / GIB).toFixed(1)} GiB`;
/** Context cells per sequence to start with; grown when a longer prompt comes. */
const INITIAL_CONTEXT = 1024;
const BATCH = 512;
const SMALL_MODEL = 1e8;

/** What the model and its contexts will take, from the file sizes and config.json. */
export function memoryNeed(c: LlamaConfig, weightBytes: number, contextCells: number): { weights: number; kvCache: number; buffers: number; total: number } {
  const kvCache = c.nLayers * 2 * c.nKvHeads * c.headDim * contextCells * 4;
  const buffers = BATCH * (c.vocabSize + 2 * c.intermediateSize + 4 * c.hiddenSize) * 4;
  return { weights: weightBytes, kvCache, buffers, total: weightBytes + kvCache + buffers };
}

/** Fails before loading when the model, its f32 KV cache and compute buffers exceed the memory at hand. */
export function checkMemory(file: string, need: ReturnType<typeof memoryNeed>, available: number, where: string): void {
  if (need.total <= available) return;
  throw new Error(
    `${file}: the model needs about ${gib(need.total)} (weights ${gib(need.weights)}, KV cache ${gib(need.kvCache)}, buffers ${gib(need.buffers)}); ` +
      `${where} has ${gib(available)}. Use a smaller quantisation (--quant q4_0, or a downloaded Q4_K_M GGUF) or a larger machine.`,
  );
}

function checkVocabulary(summary: GgufSummary, hfTokens: readonly (string | undefined)[], tokenizerFile: string, checked: Set<number>, ids: readonly number[]): void {
  const gguf = summary.tokens;
  if (!gguf) throw new Error(`${summary.file}: no tokenizer.ggml.tokens (the GGUF has no vocabulary to check the prompts against)`);
  for (const id of ids) {
    if (checked.has(id)) continue;
    if (gguf[id] !== hfTokens[id]) {
      throw new Error(
        `${summary.file}: token id ${id} is ${JSON.stringify(gguf[id] ?? '(none)')} in the GGUF's vocabulary but ${JSON.stringify(hfTokens[id] ?? '(none)')} in ${tokenizerFile}: ` +
          'the GGUF was made with another tokenizer, so the prompts would not mean the same to it',
      );
    }
    checked.add(id);
  }
}

export async function loadLlamaCpp(
  file: string,
  config: LlamaConfig,
  encoder: PromptEncoder,
  vocabulary: { file: string; tokens: readonly (string | undefined)[] },
  opts: LlamaCppOptions = {},
): Promise<LlamaCppModel> {
  const summary = await inspectGguf(file);
  if (summary.kind !== 'model') throw new Error(`${file}: general.type is "${summary.kind}", not a model`);
  const adapter = opts.adapter ? await inspectGguf(opts.adapter) : undefined;
  if (adapter) checkAdapterFits(adapter, summary);
  const nSeq = opts.sequences ?? 1;
  const threads = parameterCount(config) < SMALL_MODEL ? 1 : opts.threads;
  const { llama, backend } = await llamaRuntime();
  const vram = backend === 'cpu' ? 0 : (await llama.getVramState()).total;
  checkMemory(file, memoryNeed(config, summary.bytes + (adapter?.bytes ?? 0), INITIAL_CONTEXT * nSeq), os.totalmem() + vram, backend === 'cpu' ? 'this machine' : `this machine (RAM and ${backend} memory)`);
  opts.log?.(`llama.cpp: ${backend}, ${summary.quantisation}, ${gib(summary.bytes)} of weights${adapter ? ` + adapter ${opts.adapter}` : ''}, ${nSeq} sequences, ${threads ?? 'default'} threads`);

  let model: LlamaModel;
  try {
    model = await llama.loadModel({ modelPath: file, gpuLayers: backend === 'cpu' ? 0 : 'auto', defaultContextFlashAttention: false });
  } catch (err) {
    throw new Error(`${file}: llama.cpp could not load the model (${(err as Error).message})`);
  }
  let context: LlamaContext | undefined;
  let sequences: LlamaContextSequence[] = [];
  const ensureContext = async (longest: number): Promise<void> => {
    if (context && context.contextSize > longest) return;
    await context?.dispose();
    let size = INITIAL_CONTEXT;
    while (size <= longest) size *= 2;
    try {
      context = await model.createContext({
        contextSize: size,
        sequences: nSeq,
        batchSize: BATCH,
        ...(threads ? { threads: { ideal: threads, min: threads } } : {}),
        flashAttention: false,
        experimentalKvCacheKeyType: 'F32',
        experimentalKvCacheValueType: 'F32',
        ...(opts.adapter ? { lora: { adapters: [{ filePath: opts.adapter, scale: 1 }] } } : {}),
      });
    } catch (err) {
      throw new Error(`${opts.adapter ?? file}: llama.cpp could not create a context${opts.adapter ? ' with this adapter' : ''} (${(err as Error).message})`);
    }
    sequences = Array.from({ length: nSeq }, () => context!.getSequence());
  };

  const vocabSize = summary.tokens?.length ?? config.vocabSize;
  const checked = new Set<number>();
  let evaluatedTokens = 0;

  /** Where `ids` starts to differ from what `seq` holds; at least the last token is evaluated, as its output is read. */
  const reusable = (seq: LlamaContextSequence, ids: readonly number[]): number => Math.min(seq.compareContextTokens(ids as Token[]).firstDifferentIndex, ids.length - 1);

  /** log-probabilities after `ids` on `seq`, which holds its first `keep` tokens and no more. */
  const evaluate = async (seq: LlamaContextSequence, ids: readonly number[], keep: number): Promise<Float32Array> => {
    const input = (ids.slice(keep) as Token[]).map((id, i, rest): ControlledEvaluateInputItem => (i === rest.length - 1 ? [id, { generateNext: { probabilities: true } }] : id));
    evaluatedTokens += input.length;
    const out = await seq.controlledEvaluate(input);
    const probs = out[input.length - 1]?.next.probabilities;
    if (!probs) throw new Error(`${file}: llama.cpp returned no probabilities`);
    const logp = new Float32Array(vocabSize).fill(-Infinity);
    for (const [id, p] of probs) logp[id] = Math.log(p);
    return logp;
  };

  const logProbs = async (seqs: readonly (readonly number[])[]): Promise<Float32Array[]> => {
    for (const ids of seqs) {
      if (ids.length === 0) throw new Error('empty token sequence');
      checkVocabulary(summary, vocabulary.tokens, vocabulary.file, checked, ids);
    }
    await ensureContext(Math.max(...seqs.map((s) => s.length)));
    const out: Float32Array[] = new Array(seqs.length);
    const per = Math.ceil(seqs.length / nSeq);
    for (let round = 0; round < per; round++) {
      const jobs = sequences.flatMap((seq, s) => {
        const i = s * per + round;
        return i < Math.min(seqs.length, (s + 1) * per) ? [{ seq, i, keep: reusable(seq, seqs[i]!) }] : [];
      });
      // Sequences are batched together for all tokens but the last; the last ones, whose outputs are read, go one
      // sequence at a time. llama.cpp reorders a batch's outputs by sequence lazily, on the first read, and
      // node-llama-cpp reads each sequence's output on its own thread: with several in one batch, they race.
      // The KV cache is trimmed before a dispatch, never while one runs, and a dispatch fits one batch.
      for (let start = 0; start < jobs.length; ) {
        let end = start + 1;
        let tokens = seqs[jobs[start]!.i]!.length - jobs[start]!.keep;
        while (end < jobs.length && tokens + seqs[jobs[end]!.i]!.length - jobs[end]!.keep <= BATCH) tokens += seqs[jobs[end]!.i]!.length - jobs[end++]!.keep;
        const group = jobs.slice(start, end);
        for (const j of group) if (j.keep < j.seq.nextTokenIndex) await j.seq.eraseContextTokenRanges([{ start: j.keep, end: j.seq.nextTokenIndex }]);
        if (group.length > 1) {
          await Promise.all(
            group.map(async (j) => {
              const ids = seqs[j.i]!;
              if (ids.length - 1 > j.keep) await j.seq.evaluateWithoutGeneratingNewTokens(ids.slice(j.keep, -1) as Token[]);
              evaluatedTokens += ids.length - 1 - j.keep;
              j.keep = ids.length - 1;
            }),
          );
        }
        for (const j of group) out[j.i] = await evaluate(j.seq, seqs[j.i]!, j.keep);
        start = end;
      }
    }
    return out;
  };

  return {
    engine: 'llama.cpp',
    backend,
    quantisation: summary.quantisation,
    promptOrder: 'prefix',
    logProbs,
    async optionReadouts(items) {
      const ids = items.map((it) => encoder.ids(it.prompt));
      const lps = await logProbs(ids);
      return lps.map((lp, i) => readOptions(lp, encoder.letterGroups(items[i]!.nOptions)));
    },
    get evaluatedTokens() {
      return evaluatedTokens;
    },
    async dispose() {
      await context?.dispose();
      await model.dispose();
    },
  };
}

/** The llama.cpp engine for a GGUF file, prompting with the tokenizer.json and config.json of `modelDir`. */
export async function loadGgufModel(file: string, modelDir: string, opts: LlamaCppOptions = {}): Promise<LlamaCppModel> {
  const config = readConfig(modelDir);
  const encoder = new PromptEncoder(TextTokenizer.load(modelDir), config.bosTokenId);
  return loadLlamaCpp(file, config, encoder, tokenizerVocabulary(modelDir), opts);
}
