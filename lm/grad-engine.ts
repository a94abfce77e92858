/**
 * Loss and LoRA gradients for one shard of examples. The same code runs in the training process and in
 * gradient workers, so a shard's result does not depend on where it was computed.
 */
import { tf } from './backend.js';
import { linearShape, type LlamaConfig } from './config.js';
import type { LlamaModel, LoraSet } from './model.js';
import { forwardKl, letterHead, letterLogProbs, type LetterHead } from './readout.js';

/** Examples padded into one batch, with their target letter distributions. */
export interface Shard {
  ids: Int32Array;
  rows: number;
  length: number;
  positions: number[];
  /** [rows, letters] target probabilities, and their logs (0 where the probability is 0). */
  target: Float32Array;
  targetLog: Float32Array;
  /** Real (unpadded) tokens, for throughput. */
  tokens: number;
}

/** Which linear layers carry LoRA pairs, in parameter order, and how they are applied. */
export interface LoraLayout {
  /** `${layer}.${module}` in a fixed order; parameters are [aT, bT] per key. */
  keys: string[];
  r: number;
  scale: number;
  dropout: number;
}

/** Parameter shapes in order: aT [in, r] and bT [r, out] per key. */
export function loraParamShapes(config: LlamaConfig, layout: LoraLayout): [number, number][] {
  return layout.keys.flatMap((key): [number, number][] => {
    const [out, inp] = linearShape(config, key.split('.')[1]);
    return [[inp, layout.r], [layout.r, out]];
  });
}

export class GradEngine {
  private readonly head: LetterHead;
  private readonly headCols: tf.Tensor2D;

  constructor(
    private readonly model: LlamaModel,
    private readonly layout: LoraLayout,
    letterGroups: readonly (readonly number[])[],
  ) {
    this.head = letterHead(letterGroups);
    this.headCols = model.headColumns(this.head.flatIds);
  }


  private lossTensor(params: tf.Tensor[], shard: Shard, dropoutSeed: number | undefined): tf.Scalar {
    const lora: LoraSet = new Map();
    this.layout.keys.forEach((key, i) => lora.set(key, { a: params[2 * i] as tf.Tensor2D, b: params[2 * i + 1] as tf.Tensor2D, scale: this.layout.scale }));
    const hidden = this.model.readoutHidden(shard, {
      lora,
      dropout: dropoutSeed === undefined ? undefined : { rate: this.layout.dropout, seed: dropoutSeed },
    });
    const logQ = letterLogProbs(tf.matMul(hidden, this.headCols), this.head);
    const letters = this.head.membership.shape[1];
    const target = tf.tensor2d(shard.target, [shard.rows, letters]);
    const targetLog = tf.tensor2d(shard.targetLog, [shard.rows, letters]);
    return tf.sum(forwardKl(target, logQ, targetLog));
  }

  private toTensors(params: readonly Float32Array[]): tf.Tensor[] {
    const shapes = loraParamShapes(this.model.config, this.layout);
    return params.map((p, i) => tf.tensor2d(p, shapes[i]));
  }

  /** Summed KL over the shard's rows and its gradient with respect to every LoRA parameter. */
  lossAndGrads(params: readonly Float32Array[], shard: Shard, dropoutSeed: number): { loss: number; grads: Float32Array[] } {
    const xs = this.toTensors(params);
    const { value, grads } = tf.tidy(() => tf.valueAndGrads((...p: tf.Tensor[]) => this.lossTensor(p, shard, dropoutSeed))(xs));
    const loss = (value.dataSync() as Float32Array)[0];
    const out = grads.map((g) => Float32Array.from(g.dataSync() as Float32Array));
    tf.dispose([value, ...grads, ...xs]);
    return { loss, grads: out };
  }

  /** Summed KL without dropout (validation). */
  loss(params: readonly Float32Array[], shard: Shard): number {
    const xs = this.toTensors(params);
    const value = tf.tidy(() => this.lossTensor(xs, shard, undefined));
    const loss = (value.dataSync() as Float32Array)[0];
    tf.dispose([value, ...xs]);
    return loss;
  }
}
