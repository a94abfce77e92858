import test from 'ava';
import { backoffDelay, realSleep } from '../../net/retry.js';

const policy = { attempts: 6, baseMs: 1000, maxMs: 5000 };

test('the step doubles per retry up to maxMs, and jitter spans its upper half', (t) => {
  // Steps 1000, 2000, 4000, then capped at 5000.
  t.deepEqual([1, 2, 3, 4, 5].map((r) => backoffDelay(r, policy, () => 0)), [500, 1000, 2000, 2500, 2500]);
  t.deepEqual([1, 2, 3, 4, 5].map((r) => backoffDelay(r, policy, () => 1)), [1000, 2000, 4000, 5000, 5000]);
  t.is(backoffDelay(2, policy, () => 0.25), 1250);
});

test('waiting between attempts stops when the run is cancelled', async (t) => {
  const ac = new AbortController();
  const waiting = realSleep(60_000, ac.signal);
  ac.abort(new Error('cancelled'));
  await t.throwsAsync(waiting, { name: 'AbortError' });
});
