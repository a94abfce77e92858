/**
 * Picks the fastest tfjs backend that loads: tfjs-node-gpu, tfjs-node, wasm (SIMD), then the pure-JS cpu
 * backend. The native packages are optional: they need a libtensorflow download at install time, which
 * fails offline, so a missing or binding-less package falls through to the next choice.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKENDS: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

const NATIVE: Record<string, string> = { 'tensorflow-gpu': '@tensorflow/tfjs-node-gpu', tensorflow: '@tensorflow/tfjs-node' };

/** Bytes of tensor memory a backend can hold; undefined when bounded only by the machine. */
export function backendMemoryLimit(name: string): number | undefined {
  // wasm32 addresses at most 4 GiB, and tfjs-backend-wasm is built with that ceiling.
  return name === 'wasm' ? 4 * 2 ** 30 : undefined;
}

let active: BackendName | undefined;

async function tryBackend(name: BackendName): Promise<string | undefined> {
  try {
    if (NATIVE[name]) {
      const pkg = NATIVE[name];
      // The specifier is a variable so the type checker does not require the optional package.
      await import(pkg);
      if (!tf.findBackend('tensorflow')) return `${pkg} loaded without registering a backend`;
      if (!(await tf.setBackend('tensorflow'))) return `${pkg} failed to initialise`;
    } else if (!(await tf.setBackend(name))) {
      return `${name} failed to initialise`;
    }
    await tf.ready();
    return undefined;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_MODULE_NOT_FOUND') return 'not installed';
    if (e.message.includes('tfjs_binding.node')) return 'native binding missing (its install script did not run)';
    return e.message.split('\n')[0];
  }
}

/**
 * Activates `wanted` (or the first backend that loads, in speed order) and returns its name. An explicitly
 * requested backend that fails is an error, not a silent fallback.
 */
export function useBackend(wanted?: string, log: (line: string) => void = () => {}): Promise<BackendName> {
  // Serialised: tfjs backend initialisation is global and must not run twice at once.
  const next = pending.then(() => selectBackend(wanted, log));
  pending = next.catch(() => undefined);
  return next;
}

let pending: Promise<unknown> = Promise.resolve();

async function selectBackend(wanted: string | undefined, log: (line: string) => void): Promise<BackendName> {
  if (wanted !== undefined && wanted !== 'auto' && !BACKENDS.includes(wanted as BackendName)) {
    throw new Error(`backend "${wanted}" is not one of auto, ${BACKENDS.join(', ')}`);
  }
  if (active && (wanted === undefined || wanted === 'auto' || wanted === active)) return active;
  tf.env().set('PROD', true);
  const order = wanted && wanted !== 'auto' ? [wanted as BackendName] : BACKENDS;
  const failures: string[] = [];
  for (const name of order) {
    const why = await tryBackend(name);
    if (why === undefined) {
      active = name;
      installGradientFixes();
      log(`tfjs backend: ${name}${failures.length ? ` (skipped: ${failures.join('; ')})` : ''}`);
      return name;
    }
    failures.push(`${name}: ${why}`);
  }
  throw new Error(`no tfjs backend could be loaded: ${failures.join('; ')}`);
}

let fixed = false;

/**
 * Gradient registrations that keep wasm fast and complete (measured in the toolchain notes):
 * - BatchMatMul: the stock gradient multiplies with transpose flags, which the wasm kernel runs 12–16×
 *   slower than an explicit transpose followed by a flag-free product. Same math, explicit transposes.
 * - GatherV2: the stock gradient needs UnsortedSegmentSum, which wasm lacks; a one-hot product gives the
 *   same input gradient for gathers along axis 0.
 * Gradients are registered globally, so every backend computes the same math.
 */
function installGradientFixes(): void {
  if (fixed) return;
  fixed = true;
  const swap = (x: tf.Tensor): tf.Tensor => {
    const perm = x.shape.map((_, i) => i);
    const n = perm.length;
    [perm[n - 2], perm[n - 1]] = [perm[n - 1], perm[n - 2]];
    return tf.transpose(x, perm);
  };
  const mm = (a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean): tf.Tensor =>
    tf.matMul(ta ? swap(a) : a, tb ? swap(b) : b);
  tf.registerGradient({
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved;
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      const g = dy as tf.Tensor;
      if (!transposeA && !transposeB) return { a: () => mm(g, b, false, true), b: () => mm(a, g, true, false) };
      if (!transposeA && transposeB) return { a: () => mm(g, b, false, false), b: () => mm(g, a, true, false) };
      if (transposeA && !transposeB) return { a: () => mm(b, g, false, true), b: () => mm(a, g, false, false) };
      return { a: () => mm(b, g, true, true), b: () => mm(g, a, true, true) };
    },
  });
  tf.registerGradient({
    kernelName: 'GatherV2',
    inputsToSave: ['x', 'indices'],
    gradFunc: (dy, saved, attrs) => {
      const [x, indices] = saved;
      const { axis, batchDims } = attrs as unknown as { axis: number; batchDims: number };
      if (axis !== 0 || batchDims !== 0) throw new Error('GatherV2 gradient: only axis 0 without batch dims is supported');
      const g = dy as tf.Tensor;
      return {
        x: () => {
          const flatIdx = tf.reshape(indices, [-1]);
          const oneHot = tf.oneHot(tf.cast(flatIdx, 'int32'), x.shape[0]).toFloat();
          const rows = tf.reshape(g, [flatIdx.shape[0], -1]);
          return tf.reshape(tf.matMul(swap(oneHot), rows), x.shape);
        },
        indices: () => tf.zerosLike(indices),
      };
    },
  });
}

export { tf };
