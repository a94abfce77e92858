import test from 'ava';
import { tf, useBackend } from '../../lm/backend.js';
import { forwardKl, letterHead, letterLogProbs, readOptions } from '../../lm/readout.js';
import { AdamW, learningRate, targetDistribution } from '../../lm/train.js';

test.before(async () => {
  await useBackend('cpu');
});

const close = (t: { true: (v: boolean, m?: string) => void }, a: number, b: number, tol = 1e-6) => t.true(Math.abs(a - b) < tol, `${a} vs ${b}`);

test('inference readout sums both spellings and renormalises over the first n letters', (t) => {
  // Vocabulary of 6: ids 0/1 spell A, 2/3 spell B, 4 spells C, 5 is some other token.
  const logits = Float32Array.from([Math.log(1), Math.log(2), Math.log(3), Math.log(1), Math.log(2), Math.log(11)]);
  const three = readOptions(logits, [[0, 1], [2, 3], [4]]);
  // masses 3, 4, 2 of a total 20
  three.distribution.forEach((p, i) => close(t, p, [3 / 9, 4 / 9, 2 / 9][i]));
  close(t, three.mass, 9 / 20);
  const two = readOptions(logits, [[0, 1], [2, 3]]);
  two.distribution.forEach((p, i) => close(t, p, [3 / 7, 4 / 7][i]));
});

test('training readout: log-probabilities of letters with spellings summed, over the head letters only', (t) => {
  const head = letterHead([[0, 1], [2], [3]]);
  t.deepEqual(head.flatIds, [0, 1, 2, 3]);
  const logits = tf.tensor2d([[Math.log(1), Math.log(3), Math.log(4), Math.log(2)]]); // columns in flatIds order
  const got = letterLogProbs(logits, head).arraySync()[0];
  [4 / 10, 4 / 10, 2 / 10].forEach((p, i) => close(t, Math.exp(got[i]), p));
});

test('forward KL matches the hand-computed value, with 0·log 0 = 0', (t) => {
  const p = [0.5, 0.5, 0];
  const q = [0.25, 0.5, 0.25];
  const kl = forwardKl(tf.tensor2d([p]), tf.tensor2d([q.map(Math.log)]), tf.tensor2d([p.map((x) => (x > 0 ? Math.log(x) : 0))])).arraySync()[0];
  close(t, kl, 0.5 * Math.log(2));
});

test('targets: observed puts (1 - r)·responses on the options and r on the refusal letter; authors responses and r; normalised those over 1 + r', (t) => {
  const row = { qkey: 'Q', attribute: 'SEX', group: 'Male', question: 'q', options: ['Yes', 'No', 'Refused'], responses: [0.75, 0.25], refusal_rate: 0.2 };
  const target = targetDistribution(row, 'here');
  t.is(target.length, 10);
  [0.6, 0.2, 0.2, 0, 0, 0, 0, 0, 0, 0].forEach((v, i) => close(t, target[i], v));
  // SubPOP's output_dist: not renormalised, it sums to 1.2.
  const authors = targetDistribution(row, 'here', 'authors');
  [0.75, 0.25, 0.2, 0, 0, 0, 0, 0, 0, 0].forEach((v, i) => close(t, authors[i], v));
  // The same renormalised: 0.75 / 1.2, 0.25 / 1.2, 0.2 / 1.2.
  const normalised = targetDistribution(row, 'here', 'normalised');
  [0.625, 0.25 / 1.2, 0.2 / 1.2, 0, 0, 0, 0, 0, 0, 0].forEach((v, i) => close(t, normalised[i], v));
  t.throws(() => targetDistribution({ ...row, responses: [1] }, 'train: row 3'), { message: /^train: row 3: 1 responses for 3 options/ });
});

test('learning rate: linear warmup from 0, cosine decay to 0', (t) => {
  close(t, learningRate(0, 10, 2, 1), 0);
  close(t, learningRate(1, 10, 2, 1), 0.5);
  close(t, learningRate(2, 10, 2, 1), 1);
  close(t, learningRate(6, 10, 2, 1), 0.5); // halfway through the decay: cos(π/2) = 0
  close(t, learningRate(10, 10, 2, 1), 0);
});

test('AdamW: first step moves each weight by lr against its gradient sign, after decoupled decay', (t) => {
  const p = [Float32Array.from([1, -2, 0.5])];
  const opt = new AdamW(p, 0.9, 0.999, 1e-8, 0.1);
  opt.step([Float64Array.from([0.3, -4, 0])], 0.01);
  // p·(1 − lr·wd) − lr·ĝ/(|ĝ| + eps)
  close(t, p[0][0], 1 * (1 - 0.001) - 0.01, 1e-6);
  close(t, p[0][1], -2 * (1 - 0.001) + 0.01, 1e-6);
  close(t, p[0][2], 0.5 * (1 - 0.001), 1e-6);
});
