import test from 'ava';
import { execaSync } from 'execa';
import path from 'node:path';
import { parseArgs } from '../../runner/cli.js';
import { loadPipeline } from '../../runner/config.js';
import { applyOverrides } from '../../runner/params.js';
import { describeEnd } from '../../runner/slurm/cluster.js';
import { jobScript, overrideArgs, sbatchArgs, shellQuote, type JobSpec } from '../../runner/slurm/job-script.js';
import { makeProject } from '../runner/helpers.js';

const pipelineYaml = `params:
  name: "it's me"
  seed: 1
  ratio: 0.5
  fast: false
  models: [tiny, small]
  sizes: [1, 2]
  opts: {lr: 0.1}
slurm:
  partition: gpu
  account: lab
  time: "5:00"
  extra: ["--qos=high", "--constraint=a100"]
  signal_before: 300
stages:
  train:
    cmd: echo \${name}
    params: [name]
    outs: [out/t]
    resources: {cpus: 4, gpus: 2, mem: 1.5G, time: "2:00:00"}
  small:
    cmd: echo x > out/s
    outs: [out/s]
    resources: {mem: 1000000}
`;

const spec = (over: Partial<JobSpec> = {}): JobSpec => ({
  pipe: ['/usr/bin/node', '/opt/pipe/bin/pipe.js'],
  root: '/data/proj',
  cacheDir: '/shared/cache',
  force: false,
  overrides: [],
  after: [],
  output: '/data/proj/.pipe/logs/train.slurm-%j.log',
  ...over,
});

async function load(overrides: [string, string][] = []) {
  const dir = makeProject({ 'pipeline.yaml': pipelineYaml });
  return loadPipeline(path.join(dir, 'pipeline.yaml'), { overrides });
}

test('sbatch options: resources, the stage time limit over slurm.time, partition, account, afterok and extra options last', async (t) => {
  const p = await load();
  t.deepEqual(sbatchArgs(p.stages.get('train')!, p, spec({ after: ['12', '13'] })), [
    '--job-name=pipe:train',
    '--chdir=/data/proj',
    '--output=/data/proj/.pipe/logs/train.slurm-%j.log',
    '--open-mode=append',
    '--export=ALL',
    '--signal=B:USR2@300',
    '--requeue',
    '--cpus-per-task=4',
    '--gres=gpu:2',
    '--mem=1536M',
    '--time=2:00:00',
    '--partition=gpu',
    '--account=lab',
    '--dependency=afterok:12:13',
    '--kill-on-invalid-dep=yes',
    '--qos=high',
    '--constraint=a100',
  ]);
  const small = sbatchArgs(p.stages.get('small')!, p, spec());
  t.true(small.includes('--cpus-per-task=1'));
  t.true(small.includes('--mem=1M'), '1,000,000 bytes round up to 1 MiB');
  t.true(small.includes('--time=5:00'), 'slurm.time applies when the stage sets none');
  t.false(small.some((a) => a.startsWith('--gres') || a.startsWith('--dependency')));
  const defaults = await loadPipeline(path.join(makeProject({ 'pipeline.yaml': 'stages:\n  s:\n    cmd: echo > o\n    outs: [o]\n' }), 'pipeline.yaml'));
  t.true(sbatchArgs(defaults.stages.get('s')!, defaults, spec()).includes('--signal=B:USR2@120'), 'two minutes before the limit by default');
});

test('shell quoting survives bash unchanged', (t) => {
  for (const word of ["it's", 'a b', '$HOME', '`x`', '"q"', 'plain-word_1.ts', 'x;y', '', 'ü']) {
    const r = execaSync('bash', ['-c', `printf %s ${shellQuote(word)}`]);
    t.is(r.stdout, word);
  }
});

test('overrideArgs reproduce the overridden params through the command-line parser', async (t) => {
  const given: [string, string][] = [['name', 'x y'], ['seed', '7'], ['fast', 'true'], ['models', 'big,huge'], ['sizes', '[3, 4]'], ['opts', '{lr: 0.2, wd: 1}']];
  const p = await load(given);
  const args = overrideArgs(p);
  t.is(args.length, given.length, 'unchanged params are not passed');
  t.false(args.some((a) => a.startsWith('--ratio')));
  const reparsed = applyOverrides(p.defaults, parseArgs(['__exec', 'train', ...args]).overrides);
  t.deepEqual(reparsed, p.params);
  t.deepEqual(reparsed['opts'], { lr: 0.2, wd: 1 });
});

test('the job script runs pipe __exec for the stage with project, cache, --force and overrides', async (t) => {
  const p = await load([['name', "it's you"]]);
  const script = jobScript(p.stages.get('train')!, spec({ force: true, overrides: overrideArgs(p) }));
  const lines = script.split('\n');
  t.is(lines[0], '#!/bin/bash');
  t.is(lines.at(-2), `exec /usr/bin/node /opt/pipe/bin/pipe.js __exec train -C /data/proj --cache-dir /shared/cache --force '--name=it'\\''s you'`);
  const argv = execaSync('bash', ['-c', `${lines.at(-2)!.replace(/^exec \S+ \S+/, 'printf "%s\\n"')}`]).stdout.split('\n');
  t.deepEqual(argv, ['__exec', 'train', '-C', '/data/proj', '--cache-dir', '/shared/cache', '--force', "--name=it's you"]);
});

test('how an unsuccessful job ended, in words', (t) => {
  t.is(describeEnd({ state: 'FAILED', reason: 'NonZeroExitCode', exitCode: 3, signal: 0 }), 'exit code 3');
  t.is(describeEnd({ state: 'FAILED', reason: 'JobLaunchFailure', exitCode: 0, signal: 9 }), 'killed by signal 9');
  t.is(describeEnd({ state: 'TIMEOUT', reason: 'TimeLimit', exitCode: 0, signal: 15 }), 'hit its time limit');
  t.is(describeEnd({ state: 'NODE_FAIL', reason: 'None' }), 'ended NODE_FAIL');
  t.is(describeEnd({ state: 'PREEMPTED', reason: 'Preempted' }), 'ended PREEMPTED (Preempted)');
});
