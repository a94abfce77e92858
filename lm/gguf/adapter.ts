/**
 * A PEFT LoRA adapter → a llama.cpp LoRA adapter GGUF, as convert_lora_to_gguf.py writes it: `general.type`
 * "adapter", `adapter.type` "lora", `adapter.lora.alpha`, and per adapted weight `<weight>.lora_a` (PEFT's A,
 * [r, in]) and `<weight>.lora_b` (B, [out, r]) under the base model's GGUF tensor names. The rows of B for
 * q_proj/k_proj get the base model's rotary permutation (./names.ts), since B·A adds to the permuted weight.
 *
 * llama.cpp scales the update by alpha / r. For rank-stabilised LoRA (PEFT `use_rslora`, scale alpha / √r) the
 * written alpha is therefore alpha·√r; convert_lora_to_gguf.py writes alpha unchanged there.
 */
import { linearShape, type LlamaConfig } from '../config.js';
import { readAdapter } from '../peft.js';
import { linearTensorName, permuteRotary } from './names.js';
import { encodeTensor } from './quantize.js';
import { gguf, writeGguf, type TensorPlan } from './writer.js';

export async function convertAdapter(dir: string, config: LlamaConfig, out: string): Promise<void> {
  const adapter = readAdapter(dir, config);
  const { r } = adapter.spec;
  const tensors: (TensorPlan & { data: Float32Array })[] = adapter.weights.flatMap((w) => {
    const [outF, inF] = linearShape(config, w.module);
    const heads = w.module === 'q_proj' ? config.nHeads : w.module === 'k_proj' ? config.nKvHeads : undefined;
    const name = linearTensorName(w.layer, w.module);
    return [
      { name: `${name}.lora_a`, shape: [r, inF], type: 'F32' as const, data: w.a },
      { name: `${name}.lora_b`, shape: [outF, r], type: 'F32' as const, data: heads ? permuteRotary(w.b, r, heads) : w.b },
    ];
  });
  const metadata = [
    ['general.architecture', gguf.str('llama')],
    ['general.type', gguf.str('adapter')],
    ['adapter.type', gguf.str('lora')],
    ['adapter.lora.alpha', gguf.f32(adapter.scale * r)],
  ] as const;
  await writeGguf(out, { metadata, tensors }, (t, i) => [encodeTensor(tensors[i]!.data, t.shape, t.type)]);
}
