/**
 * The state of a LoRA training run between two optimizer steps — everything the rest of the run depends on —
 * so that a run resumed from it ends with exactly the adapter an uninterrupted run writes. A checkpoint folder
 * holds `train-state.json` (positions, the generator's state, sums and the loss curve, as JSON, whose numbers
 * round-trip exactly) and `train-state.safetensors` (parameters, the best parameters so far and the AdamW
 * moments, as F32 and F64 tensors, bit for bit).
 */
import path from 'node:path';
import { writeFileAtomic } from '../lib/atomic.js';
import { readJson } from '../lib/json-files.js';
import { validate } from '../lib/schema.js';
import { SafetensorsFile, writeSafetensors, type NamedTensor } from './safetensors.js';

export interface TrainState {
  /** The epoch in progress (1-based), and how many of its optimizer steps are done. */
  epoch: number;
  stepInEpoch: number;
  /** Optimizer steps done in all. */
  step: number;
  /** Dropout seeds drawn so far. */
  shardSeq: number;
  /** The generator's state at the start of `epoch`, before it shuffled that epoch's batches. */
  rng: number[];
  /** Loss summed over the steps of `epoch` done so far, and the last full epoch's mean (NaN before one). */
  epochSum: number;
  epochLoss: number;
  /** losses.jsonl so far. */
  lossLines: string[];
  /** The best validation score so far (Infinity before one), its epoch and its parameters. */
  best: { loss: number; epoch: number; params: Float32Array[] };
  params: Float32Array[];
  adam: { t: number; m: Float64Array[]; v: Float64Array[] };
}

const JSON_FILE = 'train-state.json';
const TENSORS = 'train-state.safetensors';

/** train-state.json: the numbers of the state; NaN and Infinity, which JSON lacks, as null. */
interface StateJson extends Pick<TrainState, 'epoch' | 'stepInEpoch' | 'step' | 'shardSeq' | 'rng' | 'epochSum' | 'lossLines'> {
  epochLoss: number | null;
  bestLoss: number | null;
  bestEpoch: number;
  adamT: number;
  /** Parameter shapes, [rows, cols] each, to refuse a state of another layout. */
  shapes: [number, number][];
}

/** Writes the state into the (fresh) folder `dir`. */
export function writeTrainState(dir: string, state: TrainState, shapes: readonly [number, number][]): void {
  const json: StateJson = {
    epoch: state.epoch,
    stepInEpoch: state.stepInEpoch,
    step: state.step,
    shardSeq: state.shardSeq,
    rng: state.rng,
    epochSum: state.epochSum,
    epochLoss: Number.isNaN(state.epochLoss) ? null : state.epochLoss,
    lossLines: state.lossLines,
    bestLoss: Number.isFinite(state.best.loss) ? state.best.loss : null,
    bestEpoch: state.best.epoch,
    adamT: state.adam.t,
    shapes: shapes.map(([r, c]) => [r, c]),
  };
  validate('train-state', json, path.join(dir, JSON_FILE));
  writeFileAtomic(path.join(dir, JSON_FILE), `${JSON.stringify(json)}\n`);
  const tensors: NamedTensor[] = shapes.flatMap(([r, c], i) => [
    { name: `params.${i}`, shape: [r, c], data: state.params[i]! },
    { name: `best.${i}`, shape: [r, c], data: state.best.params[i]! },
    { name: `adam.m.${i}`, shape: [r, c], data: state.adam.m[i]! },
    { name: `adam.v.${i}`, shape: [r, c], data: state.adam.v[i]! },
  ]);
  writeSafetensors(path.join(dir, TENSORS), tensors);
}

/** Reads a state written by writeTrainState for parameters of `shapes`; throws naming the file on a mismatch. */
export function readTrainState(dir: string, shapes: readonly [number, number][]): TrainState {
  const file = path.join(dir, JSON_FILE);
  const json = readJson<StateJson>(file, 'train-state');
  if (JSON.stringify(json.shapes) !== JSON.stringify(shapes)) {
    throw new Error(`${file}: parameter shapes ${JSON.stringify(json.shapes)} are not those of this run, ${JSON.stringify(shapes)}`);
  }
  const st = SafetensorsFile.open(path.join(dir, TENSORS));
  const f32 = (name: string): Float32Array => Float32Array.from(st.read(name).data);
  return {
    epoch: json.epoch,
    stepInEpoch: json.stepInEpoch,
    step: json.step,
    shardSeq: json.shardSeq,
    rng: json.rng,
    epochSum: json.epochSum,
    epochLoss: json.epochLoss ?? NaN,
    lossLines: json.lossLines,
    best: { loss: json.bestLoss ?? Infinity, epoch: json.bestEpoch, params: shapes.map((_, i) => f32(`best.${i}`)) },
    params: shapes.map((_, i) => f32(`params.${i}`)),
    adam: { t: json.adamT, m: shapes.map((_, i) => st.readFloat64(`adam.m.${i}`)), v: shapes.map((_, i) => st.readFloat64(`adam.v.${i}`)) },
  };
}
