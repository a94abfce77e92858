import test from 'ava';
import { tf, useBackend } from '../../lm/backend.js';

test.before(async () => {
  await useBackend('wasm');
});

test('the requested backend is used; an unknown one is an error', async (t) => {
  t.is(tf.getBackend(), 'wasm');
  await t.throwsAsync(useBackend('tpu'), { message: /backend "tpu" is not one of auto, tensorflow-gpu, tensorflow, wasm, cpu/ });
});

test('gather along axis 0 has a gradient on wasm (one-hot product): each row gets its pick count', (t) => {
  const x = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
  const idx = tf.tensor1d([2, 0, 2], 'int32');
  const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.gather(v, idx), tf.tensor2d([[1, 10], [100, 1000], [2, 20]]))))(x);
  t.deepEqual(g.arraySync(), [[100, 1000], [0, 0], [3, 30]]);
});

test('matMul gradients with transpose flags match the hand-computed ones', (t) => {
  // f = sum(W ⊙ (A·Bᵀ)) ⇒ dA = W·B, dB = Wᵀ·A
  const A = tf.tensor2d([[1, 2], [3, 4]]);
  const B = tf.tensor2d([[5, 6], [7, 8], [9, 10]]);
  const W = tf.tensor2d([[1, 0, 2], [0, 1, 3]]);
  const [dA, dB] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(W, tf.matMul(a, b, false, true))))([A, B]);
  t.deepEqual(dA.arraySync(), [[23, 26], [34, 38]]);
  t.deepEqual(dB.arraySync(), [[1, 2], [3, 4], [11, 16]]);
  // f = sum(Aᵀ·C) ⇒ dA = C·1ᵀ (row sums of C broadcast), dC = A·1
  const C = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
  const [dA2, dC] = tf.grads((a: tf.Tensor, c: tf.Tensor) => tf.sum(tf.matMul(a, c, true, false)))([A, C]);
  t.deepEqual(dA2.arraySync(), [[6, 6], [15, 15]]);
  t.deepEqual(dC.arraySync(), [[3, 3, 3], [7, 7, 7]]);
});
