import fs from 'node:fs';
import path from 'node:path';
import { counted, exists, makeProject, pipe, read, runsOf, stageApi, startPipe, until, write } from '../runner/helpers.js';
import { alive } from '../helpers/process.js';
import { clusterTest, jobField, queueOf, submittedJobs } from './helpers.js';

// These tests drive the real `pipe` CLI (bin/pipe.js: dist/ after `npm run build`, else the sources) against
// the Slurm cluster of scripts/slurm/local-cluster.sh.

const fanIn = `slurm:
  time: "5:00"
params:
  greeting: hello
  n: 3
stages:
  words:
    foreach: [alpha, beta]
    cmd: echo \${greeting} \${item} > out/\${item}.txt
    params: [greeting]
    outs: [out/\${item}.txt]
  count:
    run: stages/count.ts
    deps: [out/alpha.txt, out/beta.txt]
    params: [n]
    outs: [out/count.json]
    resources: {cpus: 2}
  joined:
    cmd: cat out/alpha.txt out/beta.txt out/count.json > out/joined.txt
    deps: [out/alpha.txt, out/beta.txt, out/count.json]
    outs: [out/joined.txt]
    resources: {time: "2:00"}
`;

const countModule = `import fs from 'node:fs';
import { defineStage } from '${stageApi}';
export default defineStage((ctx) => {
  const words = ctx.deps.map((d) => fs.readFileSync(d, 'utf8').trim());
  fs.writeFileSync(ctx.outs[0]!, JSON.stringify({ words, n: ctx.params['n'] }) + '\\n');
});
`;

const outputs = (dir: string): Record<string, string> =>
  Object.fromEntries(fs.readdirSync(path.join(dir, 'out')).sort().map((f) => [f, read(dir, `out/${f}`)]));

clusterTest('a fan-in pipeline through sbatch gives the outputs and pipe.lock of a local run', async (t) => {
  const files = { 'pipeline.yaml': fanIn, 'stages/count.ts': countModule };
  const onCluster = makeProject(files);
  const local = makeProject(files);

  const r = await pipe(onCluster, 'run', '--executor', 'slurm', '--greeting', 'hi');
  t.is(r.code, 0, r.stdout + r.stderr);
  const jobs = submittedJobs(r.stdout);
  t.deepEqual([...jobs.keys()], ['words@alpha', 'words@beta', 'count', 'joined']);
  t.regex(r.stdout, new RegExp(`⧗ count: submitted as Slurm job ${jobs.get('count')} \\(after job ${jobs.get('words@alpha')}, ${jobs.get('words@beta')}\\)`));
  t.regex(r.stdout, /4 ran, 0 restored, 0 up to date/);
  for (const [stage, id] of jobs) {
    t.is(queueOf([id]).get(id), 'COMPLETED|None', stage);
    t.is(jobField(id, 'JobName'), `pipe:${stage}`);
    t.is(jobField(id, 'StdOut'), path.join(onCluster, '.pipe', 'logs', `${stage}.slurm-${id}.log`));
  }
  t.is(jobField(jobs.get('count')!, 'NumCPUs'), '2');
  t.is(jobField(jobs.get('count')!, 'TimeLimit'), '00:05:00', 'slurm.time');
  t.is(jobField(jobs.get('joined')!, 'TimeLimit'), '00:02:00', 'the stage resources.time wins');

  const l = await pipe(local, 'run', '--greeting', 'hi');
  t.is(l.code, 0, l.stdout + l.stderr);
  t.is(read(onCluster, 'out/alpha.txt'), 'hi alpha\n', 'the param override reached the job');
  t.deepEqual(outputs(onCluster), outputs(local));
  t.is(read(onCluster, 'pipe.lock'), read(local, 'pipe.lock'));

  const again = await pipe(onCluster, 'run', '--executor', 'slurm', '--greeting', 'hi');
  t.is(again.code, 0);
  t.is(submittedJobs(again.stdout).size, 0, 'nothing to submit when everything is up to date');
  t.false(exists(onCluster, `.pipe/runs/${process.pid}.json`));
  t.deepEqual(fs.readdirSync(path.join(onCluster, '.pipe', 'runs')), [], 'the run record is removed at the end');
  t.deepEqual(fs.readdirSync(path.join(onCluster, '.pipe', 'slurm')).filter((f) => f.startsWith('job-')), [], 'outcome files are removed once read');
});

const failing = `executor: slurm
params:
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
  last:
    cmd: ${counted('last', 'cp out/after.txt out/last.txt')}
    deps: [out/after.txt]
    outs: [out/last.txt]
`;

clusterTest('a failing job: its log tail is shown, its dependents are cancelled by Slurm and reported not run, nothing is published', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': failing });
  t.is((await pipe(dir, 'run', 'bad')).code, 0);
  const lockBefore = read(dir, 'pipe.lock');

  const r = await pipe(dir, 'run', '--fail', 'true');
  t.is(r.code, 1, r.stdout + r.stderr);
  const jobs = submittedJobs(r.stdout);
  t.deepEqual([...jobs.keys()], ['bad', 'after', 'last']);
  const badLog = path.join(dir, '.pipe', 'logs', `bad.slurm-${jobs.get('bad')}.log`);
  t.regex(r.stdout, /bad │ something broke/);
  t.true(r.stdout.includes(`✗ bad: failed, exit code 3 (Slurm job ${jobs.get('bad')}) — log: ${badLog}`), r.stdout);
  t.regex(read(dir, path.relative(dir, badLog)), /something broke/);
  t.regex(r.stdout, /- after: not run, upstream bad failed/);
  t.regex(r.stdout, /- last: not run, upstream bad failed/);
  t.regex(r.stdout, /0 ran, 0 restored, 0 up to date, 1 failed, 2 not run/);
  const states = queueOf(jobs.values());
  t.is(states.get(jobs.get('bad')!), 'FAILED|NonZeroExitCode');
  t.is(states.get(jobs.get('after')!), 'CANCELLED|DependencyNeverSatisfied');
  t.is(states.get(jobs.get('last')!), 'CANCELLED|DependencyNeverSatisfied');
  t.is(read(dir, 'out/bad.txt'), 'new\n', 'the previous good output stays');
  t.false(exists(dir, 'out/after.txt'));
  t.is(read(dir, 'pipe.lock'), lockBefore);
  t.is(runsOf(dir, 'after'), 0);
});

const gated = `executor: slurm
stages:
  slow:
    cmd: echo $$ > "$PIPE_ROOT/slow.pid"; while [ ! -f "$PIPE_ROOT/gate" ]; do sleep 0.05; done; echo done > out/slow.txt
    outs: [out/slow.txt]
  next:
    cmd: cp out/slow.txt out/next.txt
    deps: [out/slow.txt]
    outs: [out/next.txt]
  side:
    cmd: cp out/slow.txt out/side.txt
    deps: [out/slow.txt]
    outs: [out/side.txt]
`;

/** Starts `pipe run` on the gated pipeline and waits until all its jobs are submitted and the slow one runs. */
async function startGated(dir: string): Promise<{ run: ReturnType<typeof startPipe>; jobs: Map<string, string> }> {
  const run = startPipe(dir, 'run');
  let stdout = '';
  run.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  await until(() => exists(dir, 'slow.pid') && submittedJobs(stdout).size === 3, 60_000, 'the slow job to start');
  return { run, jobs: submittedJobs(stdout) };
}

clusterTest('Ctrl-C cancels every job the run submitted and exits 130; nothing is published', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': gated });
  const { run } = await startGated(dir);
  const stagePid = Number(read(dir, 'slow.pid'));
  run.kill('SIGINT');
  const r = await run;
  t.is(r.exitCode, 130, String(r.stdout));
  t.regex(String(r.stdout), /Interrupted/);
  const jobs = submittedJobs(String(r.stdout));
  const states = queueOf(jobs.values());
  for (const [stage, id] of jobs) t.regex(states.get(id) ?? 'gone', /^CANCELLED\|/, `${stage} (job ${id})`);
  t.regex(String(r.stdout), /✗ slow: cancelled/);
  await until(() => !alive(stagePid), 20_000, 'the stage process to be gone');
  t.false(exists(dir, 'out/slow.txt'));
  t.false(exists(dir, 'pipe.lock'));
  t.deepEqual(fs.readdirSync(path.join(dir, '.pipe', 'runs')), []);
});

clusterTest('pipe status shows the job id and state of each stage of a run in progress', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': gated });
  const { run, jobs } = await startGated(dir);
  const s = await pipe(dir, 'status');
  t.true(s.stdout.includes(`▶ slow will run (Slurm job ${jobs.get('slow')}: RUNNING)`), s.stdout);
  t.true(s.stdout.includes(`… next may run (Slurm job ${jobs.get('next')}: PENDING)`), s.stdout);
  t.true(s.stdout.includes(`… side may run (Slurm job ${jobs.get('side')}: PENDING)`), s.stdout);
  const json = JSON.parse((await pipe(dir, 'status', '--json')).stdout) as { stage: string; job?: { id: string; state: string } }[];
  t.deepEqual(json.find((row) => row.stage === 'slow')!.job, { id: jobs.get('slow')!, state: 'RUNNING' });

  write(dir, { gate: '' });
  const r = await run;
  t.is(r.exitCode, 0, String(r.stdout));
  const after = await pipe(dir, 'status');
  t.is(after.stdout, 'Everything is up to date (3 stages).');
});

const mixed = `executor: slurm
stages:
  prep:
    executor: local
    cmd: (printenv SLURM_JOB_ID || echo none) > out/prep.txt
    outs: [out/prep.txt]
  train:
    cmd: cat out/prep.txt > out/train.txt; printenv SLURM_JOB_ID >> out/train.txt
    deps: [out/prep.txt]
    outs: [out/train.txt]
  report:
    executor: local
    cmd: cat out/train.txt > out/report.txt
    deps: [out/train.txt]
    outs: [out/report.txt]
`;

clusterTest('mixed executors: a local stage feeds a Slurm stage, which is submitted once the local one finished', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': mixed });
  const r = await pipe(dir, 'run');
  t.is(r.code, 0, r.stdout + r.stderr);
  const jobs = submittedJobs(r.stdout);
  t.deepEqual([...jobs.keys()], ['train']);
  t.true(r.stdout.indexOf('✓ prep: ran') < r.stdout.indexOf('⧗ train: submitted'), r.stdout);
  t.true(r.stdout.indexOf('✓ train: ran') < r.stdout.indexOf('✓ report: ran'), r.stdout);
  t.is(read(dir, 'out/train.txt'), `none\n${jobs.get('train')}\n`, 'prep ran outside Slurm, train inside its job');
  t.is(read(dir, 'out/report.txt'), read(dir, 'out/train.txt'));
});

const resumable = `executor: slurm
params:
  v: 1
stages:
  a:
    cmd: ${counted('a', 'echo same > out/a.txt # v${v}')}
    params: [v]
    outs: [out/a.txt]
  b:
    cmd: ${counted('b', 'test -f "$PIPE_ROOT/fixed" || { echo "not fixed yet" >&2; exit 4; }; cat out/a.txt > out/b.txt')}
    deps: [out/a.txt]
    outs: [out/b.txt]
  c:
    cmd: ${counted('c', 'cat out/b.txt > out/c.txt')}
    deps: [out/b.txt]
    outs: [out/c.txt]
  d:
    cmd: ${counted('d', 'echo d > out/d.txt')}
    outs: [out/d.txt]
`;

clusterTest('resume: after a partial cluster run, the rerun submits only what is left', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': resumable });
  const first = await pipe(dir, 'run');
  t.is(first.code, 1);
  t.regex(first.stdout, /✗ b: failed, exit code 4/);
  t.regex(first.stdout, /- c: not run, upstream b failed/);
  t.regex(read(dir, 'pipe.lock'), /\n {2}a:[\s\S]*\n {2}d:/);
  t.notRegex(read(dir, 'pipe.lock'), /\n {2}[bc]:/);

  write(dir, { fixed: '' });
  const second = await pipe(dir, 'run');
  t.is(second.code, 0, second.stdout + second.stderr);
  t.deepEqual([...submittedJobs(second.stdout).keys()], ['b', 'c']);
  t.regex(second.stdout, /2 ran, 0 restored, 2 up to date/);
  t.deepEqual(['a', 'b', 'c', 'd'].map((s) => runsOf(dir, s)), [1, 2, 1, 1]);
  t.is(read(dir, 'out/c.txt'), 'same\n');
});

clusterTest('early cutoff: a job whose upstream job reproduced identical outputs finds itself up to date and runs nothing', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': resumable, fixed: '' });
  t.is((await pipe(dir, 'run', 'b')).code, 0);
  const r = await pipe(dir, 'run', 'b', '--v', '2');
  t.is(r.code, 0, r.stdout + r.stderr);
  const jobs = submittedJobs(r.stdout);
  t.deepEqual([...jobs.keys()], ['a', 'b'], 'b was submitted before a ran: its inputs could not be known yet');
  t.regex(r.stdout, /1 ran, 0 restored, 1 up to date/);
  t.deepEqual([runsOf(dir, 'a'), runsOf(dir, 'b')], [2, 1]);
  t.regex(read(dir, `.pipe/logs/b.slurm-${jobs.get('b')}.log`), /pipe: up to date, nothing to do/);
  t.regex(read(dir, 'pipe.lock'), /v: 2/);
});

// Works until the runner asks for a checkpoint, saves one, and keeps working until stopped; a run that finds a
// checkpoint finishes at once, saying where it resumed.
const checkpointing = `import fs from 'node:fs';
import path from 'node:path';
import { defineStage } from '${stageApi}';
export default defineStage(async (ctx) => {
  const c = await ctx.checkpoints.latest();
  if (c) {
    fs.writeFileSync(ctx.outs[0]!, \`resumed from \${c.at}: \${fs.readFileSync(path.join(c.dir, 'n'), 'utf8')}\\n\`);
    return;
  }
  for (let n = 1; ; n++) {
    if (ctx.signal.aborted) throw new Error('cancelled');
    if (ctx.checkpoints.due()) await ctx.checkpoints.save(\`step \${n}\`, (dir) => fs.writeFileSync(path.join(dir, 'n'), String(n)));
    await new Promise((r) => setTimeout(r, 100));
  }
});
`;

const limited = (attempts: number): string => `executor: slurm
slurm:
  time: "1:00"
  signal_before: 55
  attempts: ${attempts}
stages:
  long:
    run: stages/long.ts
    checkpoint_every: 1h
    outs: [out/long.txt]
  next:
    cmd: cat out/long.txt > out/next.txt
    deps: [out/long.txt]
    outs: [out/next.txt]
`;

clusterTest('a job near its time limit checkpoints, requeues itself and resumes; its dependent waits for it', async (t) => {
  t.timeout(300_000);
  const dir = makeProject({ 'pipeline.yaml': limited(3), 'stages/long.ts': checkpointing });
  const r = await pipe(dir, 'run');
  t.is(r.code, 0, r.stdout + r.stderr);
  const jobs = submittedJobs(r.stdout);
  const id = jobs.get('long')!;
  t.regex(r.stdout, new RegExp(`⟳ long: Slurm job ${id} requeued itself near its time limit; it resumes from its checkpoint`));
  t.regex(read(dir, 'out/long.txt'), /^resumed from step \d+: \d+\n$/);
  t.is(read(dir, 'out/next.txt'), read(dir, 'out/long.txt'), 'the dependent ran once, after the resumed attempt');
  t.is(jobField(id, 'Restarts'), '1');
  t.is(jobField(id, 'JobState'), 'COMPLETED');
  const log = read(dir, `.pipe/logs/long.slurm-${id}.log`);
  t.regex(log, /pipe: stage long, Slurm job \d+, attempt 1,[\s\S]*the time limit is near: asking the stage for a checkpoint[\s\S]*pipe: checkpoint saved at step \d+; requeued: attempt 2 of at most 3 resumes from it/);
  t.regex(log, /pipe: stage long, Slurm job \d+, attempt 2,[\s\S]*pipe: ran in /);
  t.deepEqual(fs.readdirSync(path.join(dir, '.pipe', 'checkpoints')), [], 'the finished run dropped its checkpoints');
});

clusterTest('with no attempt left a job is not requeued: it fails at its time limit and says the rerun resumes', async (t) => {
  t.timeout(300_000);
  const dir = makeProject({ 'pipeline.yaml': limited(1), 'stages/long.ts': checkpointing });
  const r = await pipe(dir, 'run');
  t.is(r.code, 1, r.stdout + r.stderr);
  const id = submittedJobs(r.stdout).get('long')!;
  t.regex(r.stdout, new RegExp(`✗ long: failed, hit its time limit \\(Slurm job ${id}\\); run again to resume from step \\d+`));
  t.regex(r.stdout, /- next: not run, upstream long failed/);
  t.regex(read(dir, `.pipe/logs/long.slurm-${id}.log`), /checkpoint saved at step \d+; this is attempt 1 of 1 \(slurm\.attempts\), so the job is not requeued/);
  t.false(exists(dir, 'out/long.txt'));
  const status = await pipe(dir, 'status', 'long');
  t.regex(status.stdout, /▶ long will run, resumable from step \d+ \(checkpoint \d+ (s|min) old\)/);
});
