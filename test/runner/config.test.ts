import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { Project } from '../../runner/project.js';
import { interpolate, interpolatePaths, interpolateText } from '../../runner/interpolate.js';
import { makeProject, pipe, read, write } from './helpers.js';

const open = (dir: string, overrides: [string, string][] = []): Promise<Project> => Project.open(path.join(dir, 'pipeline.yaml'), { overrides });

/** The error text of opening a project whose pipeline.yaml is `yaml`. */
async function configError(yaml: string, files: Record<string, string> = {}): Promise<string> {
  const dir = makeProject({ 'pipeline.yaml': yaml, ...files });
  const r = await pipe(dir, 'status');
  if (r.code !== 2) throw new Error(`expected exit code 2, got ${r.code}: ${r.stdout}${r.stderr}`);
  return r.stderr;
}

test('the example of the pipeline format loads as written, with ${param} interpolation in flow lists', async (t) => {
  const dir = makeProject({
    'data/input.csv': 'b\na\n',
    'stages/train.ts': 'export default 1;\n',
    'pipeline.yaml': `params:
  seed: 42
  model: tiny
stages:
  prepare:
    cmd: sort data/input.csv > out/a.txt
    deps: [data/input.csv]
    params: [seed]
    outs: [out/a.txt]
  train:
    run: stages/train.ts
    deps: [out/a.txt]
    params: [model, seed]
    outs: [artifacts/models/\${model}/]
    metrics: [artifacts/models/\${model}/metrics.json]
`,
  });
  const p = await open(dir, [['model', 'mistral-7b']]);
  const train = p.stage('train');
  t.deepEqual(train.params, { model: 'mistral-7b', seed: 42 });
  t.deepEqual(train.outs.map((o) => [o.path, o.dir]), [['artifacts/models/mistral-7b', true]]);
  t.deepEqual(train.metrics, ['artifacts/models/mistral-7b/metrics.json']);
  t.deepEqual(p.dag.upstream.get('train'), ['prepare']);
  t.deepEqual(p.stage('prepare').params, { seed: 42 });
});

test('interpolation: nesting, types, list fan-out, env, and $${ for a literal', (t) => {
  const scope = { model: 'tiny', models: { tiny: { dir: 'm/tiny' } }, waves: { A: 1, B: 2 }, n: 3, list: ['x', 'y'] };
  t.is(interpolate('${models.${model}.dir}', scope), 'm/tiny');
  t.is(interpolate('${n}', scope), 3);
  t.is(interpolateText('n=${n} ${list}', scope), 'n=3 x y');
  t.deepEqual(interpolatePaths('t/${waves}/', scope), ['t/A/', 't/B/']);
  t.deepEqual(interpolatePaths('${list}-${list}', scope), ['x-x', 'x-y', 'y-x', 'y-y']);
  t.is(interpolateText('echo $${HOME}', scope), 'echo ${HOME}');
  process.env['PIPE_TEST_VALUE'] = 'v';
  t.is(interpolateText('${env.PIPE_TEST_VALUE}', scope), 'v');
  t.is(interpolateText('${env.PIPE_TEST_VALUE:-d}/${env.PIPE_TEST_UNSET:-${model}}', scope), 'v/tiny');
  t.throws(() => interpolate('${env.PIPE_TEST_UNSET}', scope), { message: /environment variable "\$\{env\.PIPE_TEST_UNSET\}" is not set/ });
  // Missing keys are "unset" for :- and :+, but an unknown name stays an error.
  t.is(interpolateText('${models.big.dir:-none} ${models.tiny.dir:+has-dir} ${models.big.dir:+has-dir}|', scope), 'none has-dir |');
  t.deepEqual(interpolatePaths('${models.tiny:+inbox}', scope), ['inbox']);
  t.throws(() => interpolate('${modles.tiny:-x}', scope), { message: /unknown name/ });
  t.throws(() => interpolate('${nope}', scope), { message: /unknown name "\$\{nope\}"/ });
  t.throws(() => interpolate('${models.big.dir}', scope), { message: /has no key "big" \(has: tiny\)/ });
});

test('foreach over a map from a vars file and matrix give addressable instances', async (t) => {
  const dir = makeProject({
    'waves.yaml': 'sets:\n  demo:\n    W1: {src: a}\n    W2: {src: b}\n',
    'pipeline.yaml': `params:
  set: demo
vars:
  waves: waves.yaml#sets.\${set}
stages:
  fetch:
    foreach: \${waves}
    cmd: echo \${item.src} > raw/\${key}.txt
    outs: [raw/\${key}.txt]
  all:
    cmd: cat raw/* > all.txt
    deps: [raw/\${waves}.txt]
    outs: [all.txt]
  grid:
    matrix:
      model: [tiny, big]
      seed: [1, 2]
    cmd: echo \${item.model} \${item.seed} > grid/\${item.model}-\${item.seed}
    outs: [grid/\${item.model}-\${item.seed}]
`,
  });
  const p = await open(dir);
  t.deepEqual(p.pipeline.groups.get('fetch'), ['fetch@W1', 'fetch@W2']);
  t.deepEqual(p.stage('fetch@W2').cmd, ['echo b > raw/W2.txt']);
  t.deepEqual(p.stage('fetch@W2').item, { src: 'b' });
  t.deepEqual(p.dag.upstream.get('all'), ['fetch@W1', 'fetch@W2']);
  t.deepEqual(p.pipeline.groups.get('grid'), ['grid@tiny-1', 'grid@tiny-2', 'grid@big-1', 'grid@big-2']);
  t.deepEqual(p.stage('grid@big-2').item, { model: 'big', seed: 2 });
});

test('vars: maps are interpolated, and a dependency hint is interpolated only when the dependency is missing', async (t) => {
  const yaml = `params:
  model: tiny
vars:
  dir: \${env.PIPE_TEST_MODELS:-models}
  weights:
    tiny: built/tiny
    big: \${dir}/big
  hf:
    big: org/Big
stages:
  train:
    cmd: echo > out
    deps: [{path: "\${weights.\${model}}", hint: "download \${hf.\${model}} into \${dir}/\${model}/"}]
    outs: [out]
`;
  const dir = makeProject({ 'pipeline.yaml': yaml, 'built/tiny': 'w' });
  t.deepEqual((await open(dir)).stage('train').deps.map((d) => d.path), ['built/tiny']);
  const missing = await pipe(dir, 'status', '--model', 'big');
  t.is(missing.code, 2);
  t.regex(missing.stderr, /dependency models\/big of stage "train" neither exists nor is produced by any stage\n  download org\/Big into models\/big\//);
});

test('params: command-line overrides are typed; unknown flags and wrong types list the valid params', async (t) => {
  const dir = makeProject({
    'pipeline.yaml': 'params:\n  seed: 42\n  model: tiny\n  fast: false\n  models: [a, b]\nstages:\n  s:\n    cmd: echo ${seed} ${models} > o\n    params: [seed, fast]\n    outs: [o]\n',
  });
  const p = await open(dir, [['seed', '7'], ['fast', 'true'], ['models', 'x,y,z']]);
  t.deepEqual(p.stage('s').params, { seed: 7, fast: true });
  t.deepEqual(p.stage('s').cmd, ['echo 7 x y z > o']);
  const unknown = await pipe(dir, 'run', '--sed', '7');
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /unknown option --sed; valid params: --fast <boolean> \(default false\), --model <string> \(default "tiny"\), --models <list>.*--seed <number> \(default 42\)/);
  const wrong = await pipe(dir, 'run', '--seed', 'seven');
  t.is(wrong.code, 2);
  t.regex(wrong.stderr, /--seed "seven": expected a number like the default 42/);
});

test('validation: unknown keys and bad types name file:line:col and the key', async (t) => {
  const unknown = await configError('stages:\n  a:\n    cmd: x\n    outz: [o]\n');
  t.regex(unknown, /pipeline\.yaml:4:5: unknown key "outz" in stages\.a/);
  const badType = await configError('stages:\n  a:\n    cmd: x\n    deps: data.csv\n');
  t.regex(badType, /pipeline\.yaml:4:11: stages\.a\.deps must be array/);
  const both = await configError('stages:\n  a:\n    cmd: x\n    run: y.ts\n');
  t.regex(both, /pipeline\.yaml:4:5: stage "a" has both cmd and run/);
  const yamlSyntax = await configError('stages:\n  a:\n    cmd: [x\n');
  t.regex(yamlSyntax, /pipeline\.yaml:\d+:\d+: /);
});

test('validation: a dependency cycle is reported with its path', async (t) => {
  const err = await configError('stages:\n  a:\n    cmd: x\n    deps: [b.txt]\n    outs: [a.txt]\n  b:\n    cmd: y\n    deps: [a.txt]\n    outs: [b.txt]\n');
  t.regex(err, /pipeline\.yaml:\d+:\d+: dependency cycle: (a → b → a|b → a → b)/);
});

test('validation: two stages claiming one output (or nested outputs) is an error naming both', async (t) => {
  const same = await configError('stages:\n  a:\n    cmd: x\n    outs: [o.txt]\n  b:\n    cmd: y\n    outs: [o.txt]\n');
  t.regex(same, /pipeline\.yaml:7:12: output o\.txt of stage "b" overlaps output o\.txt of stage "a" \(.*pipeline\.yaml:4:12\)/);
  const nested = await configError('stages:\n  a:\n    cmd: x\n    outs: [d/]\n  b:\n    cmd: y\n    outs: [d/x.txt]\n');
  t.regex(nested, /output d\/x\.txt of stage "b" overlaps output d of stage "a"/);
});

test('validation: a dependency that neither exists nor is produced, with its hint', async (t) => {
  const err = await configError('stages:\n  a:\n    cmd: x\n    deps: [missing.csv, {path: models/big, hint: "Put the weights in models/big/"}]\n    outs: [o]\n');
  t.regex(err, /pipeline\.yaml:4:12: dependency missing\.csv of stage "a" neither exists nor is produced by any stage/);
  const hinted = await configError('stages:\n  a:\n    cmd: x\n    deps: [{path: models/big, hint: "Put the weights in models/big/"}]\n    outs: [o]\n');
  t.regex(hinted, /dependency models\/big .*\n  Put the weights in models\/big\//);
});

test('validation: an unknown ${name} and an undeclared param are located', async (t) => {
  const err = await configError('params:\n  seed: 1\nstages:\n  a:\n    cmd: echo ${sede} > o\n    outs: [o]\n');
  t.regex(err, /pipeline\.yaml:5:10: unknown name "\$\{sede\}" \(known: seed, env\.NAME\)/);
  const param = await configError('params:\n  seed: 1\nstages:\n  a:\n    cmd: echo > o\n    params: [sed]\n    outs: [o]\n');
  t.regex(param, /pipeline\.yaml:6:14: stage "a" declares unknown param "sed" \(params: seed\)/);
});

test('targets: a group, an instance, or an unknown name', async (t) => {
  const dir = makeProject({
    'pipeline.yaml': 'stages:\n  g:\n    foreach: [x, y]\n    cmd: echo ${item} > ${item}.txt\n    outs: [${item}.txt]\n',
  });
  const dry = await pipe(dir, 'run', 'g@y', '--dry-run');
  t.is(dry.code, 0);
  t.regex(dry.stdout, /▶ g@y will run/);
  t.notRegex(dry.stdout, /g@x/);
  const bad = await pipe(dir, 'run', 'h');
  t.is(bad.code, 2);
  t.regex(bad.stderr, /unknown stage "h" \(stages: g\)/);
});

test('instances of a foreach that lack the same dependency are reported together, once', async (t) => {
  const err = await configError('stages:\n  g:\n    foreach: [a, b, c, d, e]\n    cmd: cat inbox/${item} > ${item}.txt\n    deps: [inbox]\n    outs: [${item}.txt]\n');
  t.is(err.trim(), `pipe: ${err.match(/pipe: (\S+pipeline\.yaml)/)![1]}:5:12: dependency inbox of stages g@a, g@b, g@c and 2 more neither exists nor is produced by any stage`);
});

test('when: a stage whose value is empty has no instances, so a wave set without survey files skips their stages', async (t) => {
  const dir = makeProject({
    'waves.yaml': 'sets:\n  survey:\n    W1: {src: a}\n  released: {}\n',
    'released.jsonl': '{}\n',
    'pipeline.yaml': `params:
  set: survey
vars:
  waves: waves.yaml#sets.\${set}
stages:
  ingest:
    foreach: \${waves}
    cmd: echo \${item.src} > tables/\${key}.txt
    outs: [tables/\${key}.txt]
  aggregate:
    when: \${waves}
    cmd: cat tables/* > rows.txt
    deps: [tables/\${waves}.txt]
    outs: [rows.txt]
  split:
    cmd: cat rows.txt released.jsonl > split.txt 2>/dev/null; true
    deps: ["\${waves:+rows.txt}", "\${waves:-released.jsonl}"]
    outs: [split.txt]
`,
  });
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const survey = await open(dir);
  t.deepEqual(survey.pipeline.groups.get('aggregate'), ['aggregate']);
  t.deepEqual(survey.dag.upstream.get('split'), ['aggregate']);
  const released = await open(dir, [['set', 'released']]);
  t.deepEqual(released.pipeline.groups.get('ingest'), []);
  t.deepEqual(released.pipeline.groups.get('aggregate'), []);
  // An empty map counts as unset for :- and :+, as '' does.
  t.deepEqual(released.stage('split').deps.map((d) => d.path), ['released.jsonl']);
  t.deepEqual(released.dag.upstream.get('split'), []);
  t.deepEqual(interpolatePaths('${m:+x}|${l:-y}', { m: {}, l: [] }), ['|y']);
  // `when:` takes literal values too, and a reference it cannot resolve is located.
  const literal = makeProject({ 'pipeline.yaml': 'stages:\n  a:\n    when: false\n    cmd: echo > o\n    outs: [o]\n  b:\n    when: [x]\n    cmd: echo > p\n    outs: [p]\n' });
  t.teardown(() => fs.rmSync(literal, { recursive: true, force: true }));
  const lit = await open(literal);
  t.deepEqual([lit.pipeline.groups.get('a'), lit.pipeline.groups.get('b')], [[], ['b']]);
  const err = await configError('stages:\n  a:\n    when: ${nope}\n    cmd: echo > o\n    outs: [o]\n');
  t.regex(err, /pipeline\.yaml:3:11: unknown name "\$\{nope\}"/);
});

test('optional dependencies: absent, the stage runs without them; appearing or changing, they rerun it', async (t) => {
  const dir = makeProject({
    'pipeline.yaml': `stages:
  copy:
    cmd: cat inbox/file.txt > out.txt 2>/dev/null || echo none > out.txt
    deps: [{path: inbox/file.txt, optional: true}]
    outs: [out.txt]
`,
  });
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  t.is((await pipe(dir, 'run')).code, 0);
  t.is(read(dir, 'out.txt'), 'none\n');
  t.is((await pipe(dir, 'status')).code, 0);
  write(dir, { 'inbox/file.txt': 'dropped\n' });
  const status = await pipe(dir, 'status');
  t.regex(status.stdout, /dep inbox\/file\.txt: new dependency/);
  t.is((await pipe(dir, 'run')).code, 0);
  t.is(read(dir, 'out.txt'), 'dropped\n');
  write(dir, { 'inbox/file.txt': 'replaced\n' });
  t.is((await pipe(dir, 'run')).code, 0);
  t.is(read(dir, 'out.txt'), 'replaced\n');
});

test('checkpoint_every: minutes or a duration, from a param too; it is not part of the stage\'s facts', async (t) => {
  const yaml = (every: string): string => `params:\n  minutes: 10\nstages:\n  s:\n    cmd: echo > o\n    outs: [o]\n    checkpoint_every: ${every}\n`;
  const minutes = async (every: string, overrides: [string, string][] = []): Promise<number> => (await open(makeProject({ 'pipeline.yaml': yaml(every) }), overrides)).stage('s').checkpointEvery;
  t.is(await minutes('5'), 5);
  t.is(await minutes('90s'), 1.5);
  t.is(await minutes('2h'), 120);
  t.is(await minutes('${minutes}m'), 10);
  t.is(await minutes('${minutes}m', [['minutes', '3']]), 3);
  const p = await open(makeProject({ 'pipeline.yaml': yaml('1m') }));
  const other = await open(makeProject({ 'pipeline.yaml': yaml('7m') }));
  t.deepEqual(p.facts(p.stage('s')), other.facts(other.stage('s')));
  t.regex(await configError(yaml('soon')), /pipeline\.yaml:7:23: cannot read "soon" as a duration \(use minutes, or e\.g\. 90s, 10m, 1h\)/);
});
