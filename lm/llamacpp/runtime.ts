/**
 * The llama.cpp runtime of node-llama-cpp, loaded once per process from its prebuilt binaries (never built or
 * downloaded at run time). The GPU backend is picked by node-llama-cpp (CUDA, Vulkan or Metal when one loads,
 * else the CPU); NODE_LLAMA_CPP_GPU=false forces the CPU.
 */
import type { Llama } from 'node-llama-cpp';

export interface LlamaRuntime {
  llama: Llama;
  /** cpu, cuda, vulkan or metal */
  backend: string;
}

let runtime: Promise<LlamaRuntime> | undefined;

export function llamaRuntime(): Promise<LlamaRuntime> {
  runtime ??= (async () => {
    const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
    try {
      const llama = await getLlama({ build: 'never', logLevel: LlamaLogLevel.error, progressLogs: false });
      return { llama, backend: llama.gpu === false ? 'cpu' : llama.gpu };
    } catch (err) {
      throw new Error(`node-llama-cpp could not load a prebuilt llama.cpp binary for ${process.platform}-${process.arch}: ${(err as Error).message}`);
    }
  })();
  return runtime;
}
