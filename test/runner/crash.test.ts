import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { execaSync } from 'execa';
import { alive, processGroup } from '../helpers/process.js';
import { exists, makeProject, pipe, read, stageApi, startPipe, until, write } from './helpers.js';

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

/** Runs `slow` once (v1), then starts it again with version 2 and waits until the stage is writing. */
async function midRun(t: ExecutionContext, dir: string): Promise<{ run: ReturnType<typeof startPipe>; stagePid: number; lockBefore: string }> {
  const first = await pipe(dir, 'run', 'slow');
  t.is(first.code, 0, first.stdout + first.stderr);
  fs.rmSync(path.join(dir, 'gate'));
  fs.rmSync(path.join(dir, 'slow.pid'));
  const lockBefore = read(dir, 'pipe.lock');
  const run = startPipe(dir, 'run', 'slow', '--version', '2');
  await until(() => exists(dir, 'slow.pid'), 30_000, 'the stage to start');
  await until(() => exists(dir, 'out/s.txt'), 30_000, 'the stage to write its partial output in place');
  return { run, stagePid: Number(read(dir, 'slow.pid')), lockBefore };
}

// (A runner killed while writing one may leave a temporary file, which is no journal.)
const journals = (dir: string): string[] => (exists(dir, '.pipe/active') ? fs.readdirSync(path.join(dir, '.pipe', 'active')).filter((f) => !f.startsWith('.')) : []);

test('kill -9 of the runner mid-stage: the stage\'s own processes end it and put the old output back; the next run just works', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': gated, gate: '' });
  const { run, stagePid, lockBefore } = await midRun(t, dir);
  t.is(read(dir, 'out/s.txt'), 'partial\n', 'the stage writes in place');
  run.kill('SIGKILL');
  await run;
  await until(() => !alive(stagePid) && journals(dir).length === 0, 20_000, 'the orphaned stage to be ended and rolled back');

  t.is(read(dir, 'out/s.txt'), 'v1\n', 'the previous output is back');
  t.is(read(dir, 'pipe.lock'), lockBefore);
  t.deepEqual(fs.readdirSync(path.join(dir, '.pipe', 'parked')), []);
  t.is((await pipe(dir, 'status', 'slow')).stdout, 'Everything is up to date (1 stages).');
  write(dir, { gate: '' });
  const again = await pipe(dir, 'run', 'slow', '--version', '2');
  t.is(again.code, 0, again.stdout + again.stderr);
  t.is(read(dir, 'out/s.txt'), 'v2\n');
  t.regex(read(dir, 'pipe.lock'), /version: 2/);
  const gc = await pipe(dir, 'gc');
  t.regex(gc.stdout, /0 parked outputs, 0 stale locks/, gc.stdout);
  t.notRegex(gc.stdout, /rolled back/);
});

test('kill -9 of the runner and every stage process at once: the next pipe command rolls the run back first', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': gated, gate: '' });
  const { run, stagePid, lockBefore } = await midRun(t, dir);
  // Everything dies together, as on a lost node or an OOM kill: nobody is left to roll back. (Stopped first, so
  // that the stage cannot notice the runner's death before it dies too.)
  const group = processGroup(stagePid);
  process.kill(-group, 'SIGSTOP');
  run.kill('SIGKILL');
  await run;
  process.kill(-group, 'SIGKILL');
  await until(() => !alive(stagePid), 20_000, 'the stage to die');
  t.is(read(dir, 'out/s.txt'), 'partial\n');
  t.is(journals(dir).length, 1);

  const status = await pipe(dir, 'status', 'slow');
  t.regex(status.stderr, /pipe: rolled back an interrupted run of slow \(pid \d+, since .*\): its previous outputs are back/);
  t.is(status.stdout, 'Everything is up to date (1 stages).');
  t.is(read(dir, 'out/s.txt'), 'v1\n');
  t.is(read(dir, 'pipe.lock'), lockBefore);
  t.deepEqual(journals(dir), []);
});

test('kill -9 of the stage\'s command: the run fails and the old output and lock entry stay', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': gated, gate: '' });
  const { run, stagePid, lockBefore } = await midRun(t, dir);
  process.kill(stagePid, 'SIGKILL');
  const r = await run;
  t.is(r.exitCode, 1, String(r.stdout));
  t.regex(String(r.stdout), /✗ slow: failed, exit code 137/);
  t.is(read(dir, 'out/s.txt'), 'v1\n');
  t.is(read(dir, 'pipe.lock'), lockBefore);
  t.deepEqual(journals(dir), []);
});

const gatedModule = `params:
  version: 1
stages:
  slow:
    run: stages/slow.ts
    params: [version]
    outs: [out/s.txt]
`;

const slowModule = `import fs from 'node:fs';
import { defineStage } from '${stageApi}';
export default defineStage(async (ctx) => {
  fs.writeFileSync(ctx.outs[0], 'partial\\n');
  fs.writeFileSync('slow.pid', String(process.pid));
  while (!fs.existsSync('gate')) await new Promise((r) => setTimeout(r, 50));
  fs.writeFileSync(ctx.outs[0], \`v\${ctx.params.version}\\n\`);
});
`;

test('kill -9 of the runner while a TypeScript stage runs: the stage host ends it and puts the old output back', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': gatedModule, 'stages/slow.ts': slowModule, gate: '' });
  const { run, stagePid, lockBefore } = await midRun(t, dir);
  run.kill('SIGKILL');
  await run;
  await until(() => !alive(stagePid) && journals(dir).length === 0, 20_000, 'the stage host to roll back and exit');
  t.is(read(dir, 'out/s.txt'), 'v1\n');
  t.is(read(dir, 'pipe.lock'), lockBefore);
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

test('Ctrl-C mid-stage puts the previous output back at once', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': gated, gate: '' });
  const { run, stagePid, lockBefore } = await midRun(t, dir);
  run.kill('SIGINT');
  const r = await run;
  t.is(r.exitCode, 130);
  t.false(alive(stagePid));
  t.is(read(dir, 'out/s.txt'), 'v1\n');
  t.is(read(dir, 'pipe.lock'), lockBefore);
  t.deepEqual(journals(dir), []);
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

test('what a stage leaves running in the background is ended with it', async (t) => {
  const dir = makeProject({
    'pipeline.yaml': `stages:\n  bg:\n    cmd: sh -c 'echo $$ > bg.pid; sleep 30; echo late > late.txt' & echo done > out.txt; while [ ! -s bg.pid ]; do sleep 0.01; done\n    outs: [out.txt]\n`,
  });
  const r = await pipe(dir, 'run');
  t.is(r.code, 0, r.stdout + r.stderr);
  t.false(alive(Number(read(dir, 'bg.pid'))), 'the background process is gone when pipe returns');
  t.false(exists(dir, 'late.txt'));
});
