import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { execaSync } from 'execa';
import { alive } from '../helpers/process.js';
import { exists, makeProject, pipe, read, startPipe, until, write } from './helpers.js';

// The stage writes a partial output, records the pid of its shell, then waits for a gate file.
const gated = `params:
  version: 1
stages:
  slow:
    cmd: echo partial > out/s.txt; echo $$ > "$PIPE_ROOT/slow.pid"; while [ ! -f "$PIPE_ROOT/gate" ]; do sleep 0.05; done; echo v\${version} > out/s.txt
    params: [version]
    outs: [out/s.txt]
  quick:
    cmd: echo quick > out/q.txt
    outs: [out/q.txt]
`;

test('kill -9 of the runner mid-stage: the stage dies, old outputs and pipe.lock are intact, the next run just works', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': gated, gate: '' });
  t.is((await pipe(dir, 'run', 'slow')).code, 0);
  fs.rmSync(path.join(dir, 'gate'));
  fs.rmSync(path.join(dir, 'slow.pid'));
  const lockBefore = read(dir, 'pipe.lock');

  const run = startPipe(dir, 'run', 'slow', '--version', '2');
  await until(() => exists(dir, 'slow.pid'), 30_000, 'the stage to start');
  const stagePid = Number(read(dir, 'slow.pid'));
  run.kill('SIGKILL');
  await run;
  await until(() => !alive(stagePid), 20_000, 'the orphaned stage to be killed');

  t.is(read(dir, 'out/s.txt'), 'v1\n', 'the partial output never reached the real path');
  t.is(read(dir, 'pipe.lock'), lockBefore);
  write(dir, { gate: '' });
  const again = await pipe(dir, 'run', 'slow', '--version', '2');
  t.is(again.code, 0, again.stdout + again.stderr);
  t.is(read(dir, 'out/s.txt'), 'v2\n');
  t.regex(read(dir, 'pipe.lock'), /version: 2/);
  const gc = await pipe(dir, 'gc');
  t.regex(gc.stdout, /1 staging folders/, 'the killed run left its staging folder, which gc removes');
});

test('a second run waits for a stage the first one is running, naming its pid, then finds it up to date', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': gated });
  const first = startPipe(dir, 'run', 'slow');
  await until(() => exists(dir, 'slow.pid'), 30_000, 'the first run to start the stage');
  const second = startPipe(dir, 'run', 'slow');
  let secondOut = '';
  second.stdout!.on('data', (d: Buffer) => (secondOut += d.toString()));
  await until(() => /waiting/.test(secondOut), 30_000, 'the second run to report waiting');
  t.regex(secondOut, new RegExp(`… slow: waiting for its outputs, locked by pipe run: stage slow \\(pid ${first.pid},`));

  const disjoint = await pipe(dir, 'run', 'quick');
  t.is(disjoint.code, 0, 'disjoint work runs while the first run holds slow');
  t.is(read(dir, 'out/q.txt'), 'quick\n');

  write(dir, { gate: '' });
  const [a, b] = await Promise.all([first, second]);
  t.is(a.exitCode, 0);
  t.is(b.exitCode, 0);
  t.regex(String(b.stdout), /0 ran, 0 restored, 1 up to date/);
  t.regex(read(dir, 'pipe.lock'), /slow:[\s\S]*quick:|quick:[\s\S]*slow:/, 'both runs recorded their stages in pipe.lock');
});

test('a lock left by a dead process is reclaimed without a manual unlock', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': gated, gate: '' });
  const dead = execaSync('sh', ['-c', 'echo $$']);
  const deadPid = Number(dead.stdout);
  const locks = path.join(dir, '.pipe', 'locks');
  fs.mkdirSync(locks, { recursive: true });
  // Lock every output path the way a killed run would have left them.
  const { sha256Bytes } = await import('../../runner/hashing.js');
  for (const out of ['out/s.txt', 'out/q.txt']) {
    fs.writeFileSync(
      path.join(locks, `out-${sha256Bytes(out).slice(0, 24)}.lock`),
      JSON.stringify({ pid: deadPid, host: (await import('node:os')).hostname(), since: 'earlier', what: 'pipe run: killed' }),
    );
  }
  const r = await pipe(dir, 'run');
  t.is(r.code, 0, r.stdout + r.stderr);
  t.notRegex(r.stdout, /waiting/);
  t.is(read(dir, 'out/s.txt'), 'v1\n');
});

test('Ctrl-C stops the running stages and publishes nothing', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': gated });
  const run = startPipe(dir, 'run', 'slow');
  await until(() => exists(dir, 'slow.pid'), 30_000, 'the stage to start');
  const stagePid = Number(read(dir, 'slow.pid'));
  run.kill('SIGINT');
  const r = await run;
  t.is(r.exitCode, 130);
  t.regex(String(r.stdout), /Interrupted/);
  t.false(alive(stagePid));
  t.false(exists(dir, 'out/s.txt'));
  t.false(exists(dir, 'pipe.lock'));
});
