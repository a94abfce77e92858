/**
 * A gradient worker process (see lm/grad-pool.ts): loads the base model once, then answers shard requests
 * over the IPC channel until told to stop.
 */
import { useBackend } from './backend.js';
import { readConfig } from './config.js';
import { GradEngine, type LoraLayout, type Shard } from './grad-engine.js';
import { LlamaModel } from './model.js';
import { WeightStore } from './safetensors.js';

export type WorkerRequest =
  | { kind: 'init'; modelDir: string; backend: string; layout: LoraLayout; letterGroups: number[][] }
  | { kind: 'grads'; params: Float32Array[]; shard: Shard; dropoutSeed: number }
  | { kind: 'loss'; params: Float32Array[]; shard: Shard };

export type WorkerReply =
  | { kind: 'ready'; backend: string }
  | { kind: 'grads'; loss: number; grads: Float32Array[] }
  | { kind: 'loss'; loss: number }
  | { kind: 'error'; message: string };

let engine: GradEngine | undefined;

async function handle(msg: WorkerRequest): Promise<WorkerReply> {
  switch (msg.kind) {
    case 'init': {
      const backend = await useBackend(msg.backend);
      const model = LlamaModel.fromWeights(readConfig(msg.modelDir), WeightStore.open(msg.modelDir));
      engine = new GradEngine(model, msg.layout, msg.letterGroups);
      return { kind: 'ready', backend };
    }
    case 'grads':
      if (!engine) throw new Error('gradient worker used before init');
      return { kind: 'grads', ...engine.lossAndGrads(msg.params, msg.shard, msg.dropoutSeed) };
    case 'loss':
      if (!engine) throw new Error('gradient worker used before init');
      return { kind: 'loss', loss: engine.loss(msg.params, msg.shard) };
  }
}

process.on('message', (msg: WorkerRequest) => {
  handle(msg).then(
    (reply) => process.send!(reply),
    (err: Error) => process.send!({ kind: 'error', message: err.message } satisfies WorkerReply),
  );
});
process.on('disconnect', () => process.exit(0));
