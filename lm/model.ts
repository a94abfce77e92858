/**
 * A Llama-family decoder (Llama-2, Llama-3, Mistral) in tfjs: RMSNorm, rotary position embeddings in the
 * Hugging Face "rotate half" layout, grouped-query attention, SwiGLU MLP. Weights are kept transposed
 * ([in, out]) so every projection is a flag-free matMul, which is what the wasm backend runs fastest.
 *
 * The forward pass returns the final hidden state only at the requested readout positions, so vocabulary
 * logits are never computed for a whole sequence.
 */
import { tf } from './backend.js';
import { LINEAR_PARENT, weightShapes, type LlamaConfig } from './config.js';
import type { WeightStore } from './safetensors.js';

/** A LoRA pair on one linear layer, stored transposed: a [in, r], b [r, out]. */
export interface LoraPair {
  a: tf.Tensor2D;
  b: tf.Tensor2D;
  scale: number;
}

/** LoRA pairs keyed by `${layer}.${module}`, e.g. `0.q_proj`. */
export type LoraSet = Map<string, LoraPair>;

export interface Batch {
  /** Row-major [rows, length] token ids, right-padded. */
  ids: Int32Array;
  rows: number;
  length: number;
  /** Index of the readout token in each row. */
  positions: number[];
}

export interface ForwardOptions {
  lora?: LoraSet;
  /** LoRA dropout rate and a seed for its masks (training only). */
  dropout?: { rate: number; seed: number };
}

interface Layer {
  ln1: tf.Tensor1D;
  ln2: tf.Tensor1D;
  linear: Record<string, tf.Tensor2D>;
}

export class LlamaModel {
  private readonly layers: Layer[];
  private readonly ropeCache = new Map<number, { cos: tf.Tensor3D; sin: tf.Tensor3D }>();
  private rotation: tf.Tensor2D | undefined;
  private readonly maskCache = new Map<number, tf.Tensor2D>();

  private constructor(
    readonly config: LlamaConfig,
    private readonly embed: tf.Tensor2D,
    private readonly norm: tf.Tensor1D,
    /** [hidden, vocab] */
    private readonly headT: tf.Tensor2D,
    layers: Layer[],
  ) {
    this.layers = layers;
  }

  /** Builds the model from a weight store, reading one tensor at a time. */
  static fromWeights(config: LlamaConfig, store: WeightStore): LlamaModel {
    const shapes = weightShapes(config);
    const vector = (name: string): tf.Tensor1D => {
      const t = store.read(name, shapes.get(name));
      return tf.tensor1d(t.data);
    };
    const transposed = (name: string): tf.Tensor2D => {
      const t = store.read(name, shapes.get(name));
      return tf.tidy(() => tf.transpose(tf.tensor2d(t.data, t.shape as [number, number])));
    };
    const embedData = store.read('model.embed_tokens.weight', shapes.get('model.embed_tokens.weight'));
    const embed = tf.tensor2d(embedData.data, embedData.shape as [number, number]);
    const layers: Layer[] = [];
    for (let l = 0; l < config.nLayers; l++) {
      const p = `model.layers.${l}.`;
      const linear: Record<string, tf.Tensor2D> = {};
      for (const [mod, parent] of Object.entries(LINEAR_PARENT)) linear[mod] = transposed(`${p}${parent}.${mod}.weight`);
      layers.push({ ln1: vector(`${p}input_layernorm.weight`), ln2: vector(`${p}post_attention_layernorm.weight`), linear });
    }
    const headT = config.tieWordEmbeddings ? tf.transpose(embed) : transposed('lm_head.weight');
    return new LlamaModel(config, embed, vector('model.norm.weight'), headT, layers);
  }

  /** [in, out] weight of a linear layer, e.g. for merging an adapter. */
  linearWeight(layer: number, module: string): tf.Tensor2D {
    const w = this.layers[layer]?.linear[module];
    if (!w) throw new Error(`no linear layer ${layer}.${module}`);
    return w;
  }

  /** Replaces a linear weight (used to merge a LoRA adapter for inference); disposes the old one. */
  setLinearWeight(layer: number, module: string, w: tf.Tensor2D): void {
    const old = this.linearWeight(layer, module);
    this.layers[layer].linear[module] = w;
    old.dispose();
  }

  dispose(): void {
    this.embed.dispose();
    this.norm.dispose();
    this.headT.dispose();
    for (const l of this.layers) {
      l.ln1.dispose();
      l.ln2.dispose();
      for (const w of Object.values(l.linear)) w.dispose();
    }
    for (const r of this.ropeCache.values()) {
      r.cos.dispose();
      r.sin.dispose();
    }
    for (const m of this.maskCache.values()) m.dispose();
    this.rotation?.dispose();
  }

  /** Columns of the output head for a vocabulary subset, [hidden, ids.length] (outside any gradient path). */
  headColumns(ids: readonly number[]): tf.Tensor2D {
    return tf.tidy(() => tf.gather(this.headT, tf.tensor1d(ids as number[], 'int32'), 1) as tf.Tensor2D);
  }

  /**
   * Final-norm hidden states at each row's readout position: [rows, hidden]. Call inside tf.tidy.
   *
   * Every layer but the last runs on all positions. The last layer needs keys and values everywhere but
   * queries, attention output, MLP and final norm only at the readout positions, so it runs those on
   * `rows` vectors instead of `rows × length`.
   */
  readoutHidden(batch: Batch, opts: ForwardOptions = {}): tf.Tensor2D {
    const c = this.config;
    const { rows, length: T, positions } = batch;
    const d = c.headDim;
    const nRep = c.nHeads / c.nKvHeads;
    positions.forEach((p) => {
      if (!(Number.isInteger(p) && p >= 0 && p < T)) throw new Error(`readout position ${p} outside a sequence of length ${T}`);
    });
    let x = tf.gather(this.embed, tf.tensor1d(batch.ids, 'int32')) as tf.Tensor2D; // [N, H]
    const full = this.rope(T);
    let seed = opts.dropout?.seed ?? 0;
    const linear = (layer: number, mod: string, input: tf.Tensor2D): tf.Tensor2D => {
      let y: tf.Tensor2D = tf.matMul(input, this.layers[layer].linear[mod]);
      const pair = opts.lora?.get(`${layer}.${mod}`);
      if (pair) {
        let inp = input;
        if (opts.dropout && opts.dropout.rate > 0) {
          const keep = tf.greaterEqual(tf.randomUniform(input.shape, 0, 1, 'float32', seed++), opts.dropout.rate);
          inp = tf.mul(input, tf.div(tf.cast(keep, 'float32'), 1 - opts.dropout.rate));
        }
        y = tf.add(y, tf.mul(tf.matMul(tf.matMul(inp, pair.a), pair.b), pair.scale)) as tf.Tensor2D;
      }
      return y;
    };
    // [rows·len, n·d] → [rows, n, len, d], with the rotary embedding x·cos + rotate_half(x)·sin, where
    // rotate_half is a product with a constant ±1 permutation matrix (one fast 2-D matMul on wasm, instead of
    // a split and a concat). cos/sin are [len, 1, d], or [rows, 1, 1, d] for one position per row.
    const rotation = this.rotateHalf();
    const heads = (t: tf.Tensor2D, n: number, len: number, rope?: { cos: tf.Tensor; sin: tf.Tensor }): tf.Tensor4D => {
      let h = tf.reshape(t, [rows, len, n, d]) as tf.Tensor4D;
      if (rope) {
        const rotated = tf.reshape(tf.matMul(tf.reshape(t, [rows * len * n, d]), rotation), [rows, len, n, d]);
        h = tf.add(tf.mul(h, rope.cos), tf.mul(rotated, rope.sin));
      }
      return tf.transpose(h, [0, 2, 1, 3]);
    };
    // Grouped-query attention without copying K/V: the nRep query heads sharing a KV head are stacked
    // along the query axis, [rows, kvHeads, nRep·len, d]. Returns [rows·len, heads·d].
    const attend = (q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, len: number, mask: tf.Tensor): tf.Tensor2D => {
      const qg = tf.reshape(q, [rows, c.nKvHeads, nRep * len, d]);
      const scores = tf.add(tf.matMul(qg, tf.transpose(k, [0, 1, 3, 2])), mask);
      const att = tf.matMul(tf.softmax(scores), v);
      return tf.reshape(tf.transpose(tf.reshape(att, [rows, c.nHeads, len, d]), [0, 2, 1, 3]), [rows * len, c.nHeads * d]) as tf.Tensor2D;
    };
    const mlp = (l: number, h: tf.Tensor2D): tf.Tensor2D => {
      const z = rmsNorm(h, this.layers[l].ln2, c.rmsNormEps);
      const gate = linear(l, 'gate_proj', z);
      return tf.add(h, linear(l, 'down_proj', tf.mul(tf.mul(gate, tf.sigmoid(gate)), linear(l, 'up_proj', z)))) as tf.Tensor2D;
    };
    const scale = 1 / Math.sqrt(d);
    for (let l = 0; l < c.nLayers - 1; l++) {
      const y = rmsNorm(x, this.layers[l].ln1, c.rmsNormEps);
      const q = heads(tf.mul(linear(l, 'q_proj', y), scale), c.nHeads, T, full);
      const k = heads(linear(l, 'k_proj', y), c.nKvHeads, T, full);
      const v = heads(linear(l, 'v_proj', y), c.nKvHeads, T);
      x = mlp(l, tf.add(x, linear(l, 'o_proj', attend(q, k, v, T, this.causalMask(T)))) as tf.Tensor2D);
    }
    // The last layer, with each row's readout position picked out of the flattened sequence.
    const l = c.nLayers - 1;
    const pick = tf.tensor1d(positions.map((p, r) => r * T + p), 'int32');
    const y = rmsNorm(x, this.layers[l].ln1, c.rmsNormEps);
    const k = heads(linear(l, 'k_proj', y), c.nKvHeads, T, full);
    const v = heads(linear(l, 'v_proj', y), c.nKvHeads, T);
    const at = ropeTable(positions, d, c.ropeTheta);
    const q = heads(tf.mul(linear(l, 'q_proj', tf.gather(y, pick)), scale), c.nHeads, 1, {
      cos: tf.tensor4d(at.cos, [rows, 1, 1, d]),
      sin: tf.tensor4d(at.sin, [rows, 1, 1, d]),
    });
    // Row r's query sits at position p_r and sees keys 0..p_r.
    const mask = new Float32Array(rows * T);
    positions.forEach((p, r) => mask.fill(-1e9, r * T + p + 1, (r + 1) * T));
    const o = attend(q, k, v, 1, tf.tensor4d(mask, [rows, 1, 1, T]));
    const h = mlp(l, tf.add(tf.gather(x, pick), linear(l, 'o_proj', o)) as tf.Tensor2D);
    return rmsNorm(h, this.norm, c.rmsNormEps);
  }

  /** Vocabulary logits at the last position of one token sequence. */
  lastLogits(ids: readonly number[]): Float32Array {
    return this.logitRows([ids])[0];
  }

  /** Vocabulary logits at the last position of each sequence, run as one right-padded batch. */
  logitRows(seqs: readonly (readonly number[])[]): Float32Array[] {
    const V = this.config.vocabSize;
    for (const ids of seqs) {
      if (ids.length === 0) throw new Error('empty token sequence');
      const bad = ids.find((i) => !Number.isInteger(i) || i < 0 || i >= V);
      if (bad !== undefined) throw new Error(`token id ${bad} outside the vocabulary (size ${V})`);
    }
    const length = Math.max(...seqs.map((s) => s.length));
    const ids = new Int32Array(seqs.length * length);
    seqs.forEach((s, r) => ids.set(s, r * length));
    const batch: Batch = { ids, rows: seqs.length, length, positions: seqs.map((s) => s.length - 1) };
    const logits = tf.tidy(() => tf.matMul(this.readoutHidden(batch), this.headT));
    const flat = logits.dataSync() as Float32Array;
    logits.dispose();
    return seqs.map((_, r) => flat.slice(r * V, (r + 1) * V));
  }

  /** cos/sin for positions 0..T−1 as [T, 1, d], broadcasting over [rows, T, heads, d]. */
  private rope(T: number): { cos: tf.Tensor3D; sin: tf.Tensor3D } {
    let r = this.ropeCache.get(T);
    if (!r) {
      const d = this.config.headDim;
      const t = ropeTable(Array.from({ length: T }, (_, i) => i), d, this.config.ropeTheta);
      r = { cos: tf.keep(tf.tensor3d(t.cos, [T, 1, d])), sin: tf.keep(tf.tensor3d(t.sin, [T, 1, d])) };
      this.ropeCache.set(T, r);
    }
    return r;
  }

  /** [d, d] matrix R with x·R = rotate_half(x) = [−x2, x1]. */
  private rotateHalf(): tf.Tensor2D {
    if (!this.rotation) {
      const d = this.config.headDim;
      const m = new Float32Array(d * d);
      for (let i = 0; i < d / 2; i++) {
        m[(i + d / 2) * d + i] = -1; // out[i] = −x[i + d/2]
        m[i * d + i + d / 2] = 1; // out[i + d/2] = x[i]
      }
      this.rotation = tf.keep(tf.tensor2d(m, [d, d]));
    }
    return this.rotation;
  }

  /** Additive causal mask for nRep query heads stacked along time: [nRep*T, T]. */
  private causalMask(T: number): tf.Tensor2D {
    let m = this.maskCache.get(T);
    if (!m) {
      const nRep = this.config.nHeads / this.config.nKvHeads;
      const data = new Float32Array(nRep * T * T);
      for (let r = 0; r < nRep * T; r++) for (let j = (r % T) + 1; j < T; j++) data[r * T + j] = -1e9;
      m = tf.keep(tf.tensor2d(data, [nRep * T, T]));
      this.maskCache.set(T, m);
    }
    return m;
  }
}

/** Rotary cos/sin rows for the given positions, [positions, d], in the "rotate half" layout. */
function ropeTable(positions: readonly number[], d: number, theta: number): { cos: Float32Array; sin: Float32Array } {
  const cos = new Float32Array(positions.length * d);
  const sin = new Float32Array(positions.length * d);
  positions.forEach((t, row) => {
    for (let i = 0; i < d / 2; i++) {
      // Computed in double precision, as the reference implementations do before casting.
      const angle = t / theta ** ((2 * i) / d);
      cos[row * d + i] = cos[row * d + i + d / 2] = Math.cos(angle);
      sin[row * d + i] = sin[row * d + i + d / 2] = Math.sin(angle);
    }
  });
  return { cos, sin };
}

function rmsNorm(x: tf.Tensor, w: tf.Tensor1D, eps: number): tf.Tensor2D {
  const ms = tf.mean(tf.mul(x, x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, eps))), w) as tf.Tensor2D;
}
