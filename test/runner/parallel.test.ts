import test from 'ava';
import { makeProject, pipe, read, exists, runsOf, counted } from './helpers.js';

// Each stage announces itself, then waits (up to 20 s) for the other to announce itself too: this can only
// succeed when both run at the same time.
const rendezvous = (me: string, other: string): string =>
  `touch "$PIPE_ROOT/started.${me}"; i=0; while [ ! -f "$PIPE_ROOT/started.${other}" ]; do i=$((i+1)); [ $i -gt 400 ] && exit 9; sleep 0.05; done; echo ${me} > out/${me}.txt`;

test('independent stages run at the same time', async (t) => {
  const dir = makeProject({
    'pipeline.yaml': `stages:
  x:
    cmd: ${rendezvous('x', 'y')}
    outs: [out/x.txt]
  y:
    cmd: ${rendezvous('y', 'x')}
    outs: [out/y.txt]
  z:
    cmd: cat out/x.txt out/y.txt > out/z.txt
    deps: [out/x.txt, out/y.txt]
    outs: [out/z.txt]
`,
  });
  const r = await pipe(dir, 'run', '-j', '2');
  t.is(r.code, 0, r.stdout + r.stderr);
  t.is(read(dir, 'out/z.txt'), 'x\ny\n');
});

test('resources: stages that each need every CPU slot never overlap', async (t) => {
  const step = (me: string): string => `echo ${me} start >> "$PIPE_ROOT/seq"; sleep 0.3; echo ${me} end >> "$PIPE_ROOT/seq"; echo > out/${me}`;
  const dir = makeProject({
    'pipeline.yaml': `stages:
  p:
    cmd: ${step('p')}
    outs: [out/p]
    resources: {cpus: 2}
  q:
    cmd: ${step('q')}
    outs: [out/q]
    resources: {cpus: 2}
`,
  });
  const r = await pipe(dir, 'run', '-j', '2');
  t.is(r.code, 0, r.stdout + r.stderr);
  const lines = read(dir, 'seq').trim().split('\n');
  t.is(lines.length, 4);
  t.is(lines[0]!.split(' ')[0], lines[1]!.split(' ')[0], `no interleaving: ${lines.join(', ')}`);
  t.true(lines[1]!.endsWith('end') && lines[2]!.endsWith('start'));
});

test('a stage that needs more GPUs than the machine has fails before starting, naming the shortfall', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': 'stages:\n  g:\n    cmd: echo > o\n    outs: [o]\n    resources: {gpus: 1}\n' });
  const r = await pipe(dir, 'run', '--gpus', '0');
  t.is(r.code, 1);
  t.regex(r.stdout, /✗ g: failed, needs 1 GPU\(s\), this machine has 0/);
  t.false(exists(dir, 'o'));
});

const failing = `params:
  fail: false
stages:
  bad:
    cmd: ${counted('bad', 'echo new > out/bad.txt; if [ ${fail} = true ]; then echo "something broke" >&2; exit 3; fi')}
    params: [fail]
    outs: [out/bad.txt]
  after:
    cmd: ${counted('after', 'cp out/bad.txt out/after.txt')}
    deps: [out/bad.txt]
    outs: [out/after.txt]
  other:
    cmd: ${counted('other', 'echo other > out/other.txt')}
    outs: [out/other.txt]
`;

test('a failing stage publishes nothing, keeps the previous good output and lock entry, and stops what depends on it', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': failing });
  t.is((await pipe(dir, 'run', 'bad')).code, 0);
  const lockBefore = read(dir, 'pipe.lock');
  t.is(read(dir, 'out/bad.txt'), 'new\n');

  const r = await pipe(dir, 'run', '--fail', 'true', '-j', '1');
  t.is(r.code, 1);
  t.regex(r.stdout, /bad │ something broke/);
  t.regex(r.stdout, /✗ bad: failed, exit code 3 — log: .*\.pipe\/logs\/bad\.log/);
  t.regex(r.stdout, /- after: not run, upstream bad failed/);
  t.is(read(dir, 'out/bad.txt'), 'new\n', 'the file written by the failed run never reached the real path');
  t.is(read(dir, 'pipe.lock').split('  other:')[0], lockBefore.split('  other:')[0]);
  t.regex(read(dir, '.pipe/logs/bad.log'), /something broke/);
  t.false(exists(dir, 'out/after.txt'));
});

test('--keep-going runs the independent stages after a failure; without it no new stage starts', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': failing });
  const stop = await pipe(dir, 'run', '--fail', 'true', '-j', '1', 'bad', 'other');
  t.is(stop.code, 1);
  t.is(runsOf(dir, 'other'), 0);
  t.regex(stop.stdout, /- other: not run, an earlier stage failed/);
  const go = await pipe(dir, 'run', '--fail', 'true', '-j', '1', '--keep-going');
  t.is(go.code, 1);
  t.is(read(dir, 'out/other.txt'), 'other\n');
  t.regex(go.stdout, /1 ran, 0 restored, 0 up to date, 1 failed, 1 not run/);
});

test('a stage that exits 0 without writing a declared output fails and records nothing', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': 'stages:\n  lazy:\n    cmd: "true"\n    outs: [out/x.txt, out/d/]\n' });
  const r = await pipe(dir, 'run');
  t.is(r.code, 1);
  t.regex(r.stdout, /declared outputs missing after the stage succeeded: out\/x\.txt was not created/);
  t.false(exists(dir, 'pipe.lock'));
});
