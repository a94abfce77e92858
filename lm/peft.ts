/**
 * LoRA adapters in Hugging Face PEFT format: `adapter_config.json` and `adapter_model.safetensors` with
 * tensors named `base_model.model.model.layers.{l}.{self_attn|mlp}.{module}.lora_{A|B}[.default].weight`,
 * A shaped [r, in] and B [out, r]. The `.default` adapter-name infix appears in some released adapters and
 * is accepted on reading; it is not written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../lib/atomic.js';
import { readJson } from '../lib/json-files.js';
import { validate } from '../lib/schema.js';
import { LINEAR_PARENT, linearShape, type LlamaConfig } from './config.js';
import { SafetensorsFile, writeSafetensors, type NamedTensor } from './safetensors.js';

export interface LoraSpec {
  r: number;
  alpha: number;
  dropout: number;
  targets: string[];
}

/** One adapted linear layer: A [r, in] and B [out, r], row-major as PEFT stores them. */
export interface LoraWeights {
  layer: number;
  module: string;
  a: Float32Array;
  b: Float32Array;
}

export interface Adapter {
  spec: LoraSpec;
  /** alpha / r, or alpha / sqrt(r) for rank-stabilised LoRA. */
  scale: number;
  weights: LoraWeights[];
}

interface AdapterConfigJson {
  peft_type: 'LORA';
  r: number;
  lora_alpha: number;
  lora_dropout?: number;
  target_modules: string[] | string;
  use_rslora?: boolean;
  fan_in_fan_out?: boolean;
  bias?: string;
  layers_to_transform?: number[] | number | null;
}

export function tensorName(layer: number, module: string, which: 'A' | 'B'): string {
  return `base_model.model.model.layers.${layer}.${LINEAR_PARENT[module]}.${module}.lora_${which}.weight`;
}

const NAME = /^base_model\.model\.model\.layers\.(\d+)\.(self_attn|mlp)\.([a-z_]+)\.lora_([AB])(?:\.default)?\.weight$/;

export function readAdapter(dir: string, config: LlamaConfig): Adapter {
  const cfgFile = path.join(dir, 'adapter_config.json');
  const weightsFile = path.join(dir, 'adapter_model.safetensors');
  for (const f of [cfgFile, weightsFile]) if (!fs.existsSync(f)) throw new Error(`${f}: missing (a PEFT adapter directory needs adapter_config.json and adapter_model.safetensors)`);
  const c = readJson<AdapterConfigJson>(cfgFile, 'adapter-config');
  if (c.fan_in_fan_out) throw new Error(`${cfgFile}: fan_in_fan_out adapters (Conv1D layouts) do not apply to Llama-family models`);
  if (c.bias && c.bias !== 'none') throw new Error(`${cfgFile}: bias "${c.bias}" is not supported (only "none")`);
  const spec: LoraSpec = {
    r: c.r,
    alpha: c.lora_alpha,
    dropout: c.lora_dropout ?? 0,
    targets: typeof c.target_modules === 'string' ? [c.target_modules] : [...c.target_modules],
  };
  const st = SafetensorsFile.open(weightsFile);
  const pairs = new Map<string, Partial<Record<'A' | 'B', Float32Array>>>();
  for (const name of st.tensors.keys()) {
    const m = NAME.exec(name);
    if (!m) throw new Error(`${weightsFile}: tensor "${name}" is not a LoRA weight of a Llama-family layer`);
    const [, layerStr, parent, module, which] = m;
    const layer = Number(layerStr);
    if (LINEAR_PARENT[module] !== parent || layer >= config.nLayers) {
      throw new Error(`${weightsFile}: tensor "${name}" does not match the base model (${config.nLayers} layers)`);
    }
    const [out, inp] = linearShape(config, module);
    const t = st.read(name);
    const expected = which === 'A' ? [c.r, inp] : [out, c.r];
    if (t.shape.length !== 2 || t.shape[0] !== expected[0] || t.shape[1] !== expected[1]) {
      throw new Error(`${weightsFile}: tensor "${name}" has shape [${t.shape}], expected [${expected}] (r ${c.r})`);
    }
    const key = `${layer}.${module}`;
    const entry = pairs.get(key) ?? {};
    if (entry[which as 'A' | 'B']) throw new Error(`${weightsFile}: tensor "${name}" appears twice (with and without ".default")`);
    entry[which as 'A' | 'B'] = t.data;
    pairs.set(key, entry);
  }
  const weights: LoraWeights[] = [];
  for (const [key, p] of [...pairs].sort(([a], [b]) => compareKeys(a, b))) {
    if (!p.A || !p.B) throw new Error(`${weightsFile}: layer ${key} has lora_${p.A ? 'A' : 'B'} without its partner`);
    const [layer, module] = key.split('.');
    weights.push({ layer: Number(layer), module, a: p.A, b: p.B });
  }
  if (weights.length === 0) throw new Error(`${weightsFile}: no LoRA tensors`);
  return { spec, scale: c.use_rslora ? c.lora_alpha / Math.sqrt(c.r) : c.lora_alpha / c.r, weights };
}

function compareKeys(a: string, b: string): number {
  const [la, ma] = a.split('.');
  const [lb, mb] = b.split('.');
  return Number(la) - Number(lb) || (ma < mb ? -1 : ma > mb ? 1 : 0);
}

/** Writes an adapter that Hugging Face peft loads with `PeftModel.from_pretrained(base, dir)`. */
export function writeAdapter(dir: string, adapter: Adapter, baseModel: string): void {
  const { spec } = adapter;
  const config = {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: baseModel,
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    layers_pattern: null,
    layers_to_transform: null,
    lora_alpha: spec.alpha,
    lora_dropout: spec.dropout,
    modules_to_save: null,
    peft_type: 'LORA',
    r: spec.r,
    rank_pattern: {},
    revision: null,
    target_modules: [...spec.targets].sort(),
    task_type: 'CAUSAL_LM',
    use_rslora: false,
  };
  validate('adapter-config', config, path.join(dir, 'adapter_config.json'));
  const tensors: NamedTensor[] = [];
  for (const w of adapter.weights) {
    tensors.push({ name: tensorName(w.layer, w.module, 'A'), shape: [spec.r, w.a.length / spec.r], data: w.a });
    tensors.push({ name: tensorName(w.layer, w.module, 'B'), shape: [w.b.length / spec.r, spec.r], data: w.b });
  }
  fs.mkdirSync(dir, { recursive: true });
  writeSafetensors(path.join(dir, 'adapter_model.safetensors'), tensors, { format: 'pt' });
  writeFileAtomic(path.join(dir, 'adapter_config.json'), JSON.stringify(config, null, 2) + '\n');
}
