/**
 * Runs gradient shards in the training process or in worker processes (one per core). Results come back in
 * shard order, so summing them is deterministic however many processes computed them. Worker processes
 * rather than threads: tfjs-wasm is single-threaded in Node, and the tsx loader does not reach worker
 * threads on Node 20.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { GradEngine, LoraLayout, Shard } from './grad-engine.js';
import type { WorkerReply, WorkerRequest } from './grad-worker.js';

export interface ShardGrads {
  loss: number;
  grads: Float32Array[];
}

export interface GradPool {
  readonly processes: number;
  grads(params: Float32Array[], shards: Shard[], seeds: number[]): Promise<ShardGrads[]>;
  losses(params: Float32Array[], shards: Shard[]): Promise<number[]>;
  close(): void;
}

export function localPool(engine: GradEngine): GradPool {
  return {
    processes: 1,
    grads: async (params, shards, seeds) => shards.map((s, i) => engine.lossAndGrads(params, s, seeds[i])),
    losses: async (params, shards) => shards.map((s) => engine.loss(params, s)),
    close: () => {},
  };
}

class Worker {
  private waiting: { resolve: (r: WorkerReply) => void; reject: (e: Error) => void } | undefined;

  constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: WorkerReply) => {
      const w = this.waiting;
      this.waiting = undefined;
      if (!w) return;
      if (reply.kind === 'error') w.reject(new Error(`gradient worker: ${reply.message}`));
      else w.resolve(reply);
    });
    child.on('exit', (code, signal) => {
      const w = this.waiting;
      this.waiting = undefined;
      w?.reject(new Error(`gradient worker exited (${signal ?? `code ${code}`})`));
    });
  }

  request(msg: WorkerRequest): Promise<WorkerReply> {
    if (this.waiting) throw new Error('gradient worker is busy');
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.child.send(msg);
    });
  }

  kill(): void {
    this.child.disconnect();
  }
}

export async function workerPool(
  n: number,
  init: { modelDir: string; backend: string; layout: LoraLayout; letterGroups: number[][] },
): Promise<GradPool> {
  const entry = fileURLToPath(new URL(`./grad-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));
  const execArgv = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const workers = Array.from({ length: n }, () => new Worker(fork(entry, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })));
  const close = (): void => workers.forEach((w) => w.kill());
  try {
    await Promise.all(workers.map((w) => w.request({ kind: 'init', ...init })));
  } catch (err) {
    close();
    throw err;
  }
  // Shard i goes to worker i mod n; each worker takes its shards one after another.
  async function run<T>(count: number, req: (i: number) => WorkerRequest, pick: (r: WorkerReply) => T): Promise<T[]> {
    const out: T[] = new Array(count);
    await Promise.all(
      workers.map(async (w, k) => {
        for (let i = k; i < count; i += n) out[i] = pick(await w.request(req(i)));
      }),
    );
    return out;
  }
  return {
    processes: n,
    grads: (params, shards, seeds) =>
      run(shards.length, (i) => ({ kind: 'grads', params, shard: shards[i], dropoutSeed: seeds[i] }), (r) => {
        if (r.kind !== 'grads') throw new Error(`gradient worker answered ${r.kind}`);
        return { loss: r.loss, grads: r.grads };
      }),
    losses: (params, shards) =>
      run(shards.length, (i) => ({ kind: 'loss', params, shard: shards[i] }), (r) => {
        if (r.kind !== 'loss') throw new Error(`gradient worker answered ${r.kind}`);
        return r.loss;
      }),
    close,
  };
}
