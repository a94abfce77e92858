/**
 * The model registry (config/models.yaml): which models exist, where their weights live, and a check that
 * fails early, with instructions, when a downloaded model's files are missing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadYaml } from '../lib/schema.js';
import { packageRoot } from '../lib/paths.js';
import type { LetterSpelling } from './readout.js';

/** The training target (lm/train.ts): SubPOP's `authors` target, it `normalised`, or the `observed` distribution. */
export type TrainTarget = 'observed' | 'normalised' | 'authors';
export const TRAIN_TARGETS: readonly TrainTarget[] = ['observed', 'normalised', 'authors'];

/** Fine-tuning defaults of a model, used for train params left null (the paper's unless config/models.yaml says otherwise). */
export interface TrainDefaults {
  lr: number;
  lora_targets: string[];
  epochs: number;
  /** Examples per micro-batch; only batch_size × grad_accum changes the result. */
  batch_size: number;
  grad_accum: number;
  target: TrainTarget;
  train_letters: LetterSpelling;
}

/**
 * SubPOP's README run: lr 2e-4 and 50 epochs (cosine schedule after a 0.1 warmup, the best-validation adapter
 * kept), 128 rows per process on 2 processes without accumulation, i.e. 256 rows per optimizer step (here 16 ×
 * 16), LoRA on q_proj and v_proj, their target and " X" letter readout.
 */
export const PAPER_TRAIN_DEFAULTS: TrainDefaults = {
  lr: 2e-4,
  lora_targets: ['q_proj', 'v_proj'],
  epochs: 50,
  batch_size: 16,
  grad_accum: 16,
  target: 'authors',
  train_letters: 'space',
};

/** Ready-made llama.cpp weights: quantisation name (e.g. Q4_K_M) → GGUF file in the Hugging Face repository. */
export interface GgufDownloads {
  repo: string;
  files: Record<string, string>;
}

export type ModelEntry = ({ built: true } | { hf_id: string; adapter?: string; gguf?: GgufDownloads }) & { train?: Partial<TrainDefaults> };

export interface ModelRegistry {
  models_dir: string;
  models: Record<string, ModelEntry>;
}

export const modelsFile = path.join(packageRoot, 'config', 'models.yaml');

export function loadRegistry(file = modelsFile): ModelRegistry {
  return loadYaml<ModelRegistry>('models', file).data;
}

export function trainDefaults(name: string, registry = loadRegistry()): TrainDefaults {
  return { ...PAPER_TRAIN_DEFAULTS, ...registry.models[name]?.train };
}

/** Where a downloaded model's directory is: `$SUBPOP_MODELS_DIR/<name>` or `<root>/<models_dir>/<name>`. */
export function modelDir(name: string, root: string, env: Readonly<Record<string, string | undefined>> = process.env, registry = loadRegistry()): string {
  const base = env.SUBPOP_MODELS_DIR || path.resolve(root, registry.models_dir);
  return path.join(base, name);
}

/** Whether a model directory holds safetensors weights (one file or an index of shards). */
export const hasSafetensors = (dir: string): boolean =>
  fs.existsSync(path.join(dir, 'model.safetensors')) || fs.existsSync(path.join(dir, 'model.safetensors.index.json'));

/**
 * Files of a Hugging Face model directory that are absent; with `gguf`, that GGUF file stands in for the
 * safetensors weights (config.json and tokenizer.json are still needed to prompt it).
 */
export function missingModelFiles(dir: string, gguf?: string): string[] {
  const missing = ['config.json', 'tokenizer.json'].filter((f) => !fs.existsSync(path.join(dir, f)));
  if (gguf) return fs.existsSync(path.join(dir, gguf)) ? missing : [...missing, gguf];
  const index = path.join(dir, 'model.safetensors.index.json');
  if (fs.existsSync(index)) {
    let shards: string[] = [];
    try {
      shards = [...new Set(Object.values((JSON.parse(fs.readFileSync(index, 'utf8')) as { weight_map: Record<string, string> }).weight_map))];
    } catch {
      return [...missing, 'model.safetensors.index.json (unreadable)'];
    }
    missing.push(...shards.filter((s) => !fs.existsSync(path.join(dir, s))).sort());
  } else if (!fs.existsSync(path.join(dir, 'model.safetensors'))) {
    missing.push('model.safetensors (or model.safetensors.index.json with its shards)');
  }
  return missing;
}

/**
 * Resolves a downloadable model to its directory, or throws an error that says which files to put where.
 * Returns undefined for models the pipeline builds itself (`tiny`).
 */
export function checkModelWeights(name: string, root: string, env: Readonly<Record<string, string | undefined>> = process.env, registry = loadRegistry(), gguf?: string): string | undefined {
  const entry = registry.models[name];
  if (!entry) throw new Error(`${modelsFile}: unknown model "${name}" (one of ${Object.keys(registry.models).join(', ')})`);
  if ('built' in entry) return undefined;
  const dir = modelDir(name, root, env, registry);
  const missing = missingModelFiles(dir, gguf);
  if (missing.length && gguf) {
    throw new Error(
      `model ${name}: files not found in ${dir} (missing: ${missing.join(', ')}). Download ${missing.filter((f) => f.endsWith('.gguf')).join(', ') || 'nothing else'} ` +
        `from ${entry.gguf?.repo ?? 'its GGUF repository'} and config.json and tokenizer.json from ${entry.hf_id} into that folder.`,
    );
  }
  if (missing.length) {
    throw new Error(
      `model ${name}: weights not found in ${dir} (missing: ${missing.join(', ')}). ` +
        `Download the Hugging Face repository ${entry.hf_id} (config.json, tokenizer.json and the *.safetensors weights, ` +
        `with model.safetensors.index.json when sharded) into that folder, or set SUBPOP_MODELS_DIR to the folder that holds ${name}/.`,
    );
  }
  return dir;
}
