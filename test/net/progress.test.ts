import test from 'ava';
import { formatBytes, formatDuration, progressLine, progressPrinter } from '../../net/progress.js';

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 72, write: (s: string) => void writes.push(s) } };
}

test('bytes and durations', (t) => {
  t.is(formatBytes(999), '999 B');
  t.is(formatBytes(1000), '1.0 kB');
  t.is(formatBytes(45_250_000), '45.3 MB');
  t.is(formatBytes(2_500_000_000), '2.5 GB');
  t.is(formatDuration(5.2), '0:06');
  t.is(formatDuration(61), '1:01');
  t.is(formatDuration(3725), '1:02:05');
});

test('a line shows bar, bytes, rate, ETA and note, leaving out what is unknown', (t) => {
  // 45 of 100 MB at 10 MB/s: 5.5 s to go; 9 of 20 bar cells.
  t.is(progressLine('ATP_W92', { done: 45e6, total: 100e6, note: 'retry 1/5 in 1000 ms' }, 10e6), 'ATP_W92 [#########-----------]  45.0 MB / 100.0 MB  10.0 MB/s  ETA 0:06  retry 1/5 in 1000 ms');
  t.is(progressLine('GSS_2022', { done: 1500 }, undefined), 'GSS_2022 1.5 kB');
});

test('on a TTY the bar is redrawn in place, throttled, and rate and ETA come from the clock', (t) => {
  let now = 0;
  const { writes, stream } = sink(true);
  const p = progressPrinter('ATP_W92', stream, { now: () => now });
  p.update({ done: 0, total: 100e6 });
  now = 50;
  p.update({ done: 1e6, total: 100e6 }); // within 100 ms: not drawn
  now = 2000;
  p.update({ done: 20e6, total: 100e6 }); // 20 MB in 2 s: 10 MB/s, 80 MB to go: 8 s
  p.finish();
  t.is(writes.length, 4);
  t.is(writes[1], `\r${'ATP_W92 [####----------------]  20.0 MB / 100.0 MB  10.0 MB/s  ETA 0:08'.padEnd(71)}`);
  t.is(writes[3], '\n');
});

test('without a TTY, plain lines at most every interval, but notes at once', (t) => {
  let now = 0;
  const { writes, stream } = sink(false);
  const p = progressPrinter('ATP_W92', stream, { now: () => now, intervalMs: 5000 });
  p.update({ done: 0, total: 4000 });
  now = 1000;
  p.update({ done: 1000, total: 4000 });
  now = 1500;
  p.update({ done: 1000, total: 4000, note: 'retry 1/5 in 1000 ms' });
  now = 3000;
  p.update({ done: 3000, total: 4000 });
  now = 6000;
  p.update({ done: 3400, total: 4000 }); // 4.5 s after the last line: not yet
  now = 7000;
  p.update({ done: 3500, total: 4000 });
  t.deepEqual(writes, [
    'ATP_W92 [--------------------]  0 B / 4.0 kB\n',
    'ATP_W92 [#####---------------]  1.0 kB / 4.0 kB  667 B/s  ETA 0:05  retry 1/5 in 1000 ms\n',
    'ATP_W92 [#################---]  3.5 kB / 4.0 kB  500 B/s  ETA 0:01\n',
  ]);
});

test('a restart (bytes going down) restarts the rate', (t) => {
  let now = 0;
  const { writes, stream } = sink(false);
  const p = progressPrinter('W', stream, { now: () => now, intervalMs: 0 });
  p.update({ done: 0 });
  now = 1000;
  p.update({ done: 5000 });
  now = 2000;
  p.update({ done: 0, note: 'restarting' });
  now = 3000;
  p.update({ done: 2000 });
  t.is(writes.at(-1), 'W 2.0 kB  2.0 kB/s\n');
});
