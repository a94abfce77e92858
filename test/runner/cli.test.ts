import fs from 'node:fs';
import test from 'ava';
import { parseArgs } from '../../runner/cli.js';
import { exists, makeProject, pipe, read } from './helpers.js';

const graph = `stages:
  fetch:
    foreach: [w1, w2, w3]
    cmd: echo \${item} > raw/\${item}
    outs: [raw/\${item}]
  merge:
    cmd: cat raw/* > all
    deps: [raw]
    outs: [all]
`;

test('argument parsing separates runner options, targets and param overrides', (t) => {
  const a = parseArgs(['run', 'train', '-j2', '--seed', '7', '--model=big', '--force', 'eval']);
  t.deepEqual(a.positional, ['train', 'eval']);
  t.is(a.flags.get('jobs'), '2');
  t.true(a.flags.get('force'));
  t.deepEqual(a.overrides, [['seed', '7'], ['model', 'big']]);
  t.throws(() => parseArgs(['run', '--seed']), { message: '--seed needs a value' });
  t.throws(() => parseArgs(['run', '-x']), { message: /unknown option -x/ });
});

test('every command has --help; unknown commands are usage errors (exit 2)', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': graph });
  for (const cmd of ['run', 'status', 'dag', 'metrics', 'log', 'gc']) {
    const r = await pipe(dir, cmd, '--help');
    t.is(r.code, 0);
    t.regex(r.stdout, new RegExp(`^Usage: pipe ${cmd}`));
  }
  const top = await pipe(dir, '--help');
  t.regex(top.stdout, /Exit codes: 0 ok, 1 a stage failed, 2 usage or configuration error/);
  const bad = await pipe(dir, 'frobnicate');
  t.is(bad.code, 2);
  t.regex(bad.stderr, /unknown command "frobnicate"/);
});

test('dag folds foreach instances into one node unless --expand, in text, Mermaid and DOT', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': graph });
  t.is((await pipe(dir, 'dag')).stdout, 'fetch ×3\nmerge  ← fetch');
  t.is((await pipe(dir, 'dag', '--mermaid')).stdout, 'flowchart TD\n  fetch["fetch ×3"]\n  merge["merge"]\n  fetch --> merge');
  const expanded = await pipe(dir, 'dag', '--dot', '--expand');
  t.regex(expanded.stdout, /"fetch@w2" -> "merge";/);
});

test('status --json, and exit code 0 only when everything is up to date', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': graph });
  const before = await pipe(dir, 'status', '--json');
  t.is(before.code, 1);
  const rows = JSON.parse(before.stdout) as { stage: string; state: string; reasons: string[] }[];
  t.deepEqual(rows.map((r) => [r.stage, r.state]), [['fetch@w1', 'will-run'], ['fetch@w2', 'will-run'], ['fetch@w3', 'will-run'], ['merge', 'waits']]);
  t.deepEqual(rows[0]!.reasons, ['never ran (no entry in pipe.lock)']);
  t.is((await pipe(dir, 'run')).code, 0);
  const after = await pipe(dir, 'status');
  t.is(after.code, 0);
  t.is(after.stdout, 'Everything is up to date (4 stages).');
});

test('log prints the last attempt of a stage', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': 'stages:\n  s:\n    cmd: echo hello from s; echo > o\n    outs: [o]\n' });
  await pipe(dir, 'run');
  const r = await pipe(dir, 'log', 's');
  t.is(r.code, 0);
  t.is(r.stdout, 'hello from s');
});

test('a stage marked default: false runs only when named or needed; dag still shows it', async (t) => {
  const dir = makeProject({
    'pipeline.yaml': `stages:
  base:
    cmd: echo base > b
    outs: [b]
  sweep:
    default: false
    foreach: [1, 2]
    cmd: cat b > s\${item}
    deps: [b]
    outs: [s\${item}]
  summary:
    default: false
    cmd: cat s1 s2 > sum
    deps: [s1, s2]
    outs: [sum]
`,
  });
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const status = JSON.parse((await pipe(dir, 'status', '--json')).stdout) as { stage: string }[];
  t.deepEqual(status.map((r) => r.stage), ['base']);
  t.is((await pipe(dir, 'run')).code, 0);
  t.true(exists(dir, 'b'));
  t.false(exists(dir, 's1'));
  t.is((await pipe(dir, 'dag')).stdout, 'base\nsweep ×2  ← base\nsummary  ← sweep');
  t.is((await pipe(dir, 'run', 'summary')).code, 0);
  t.is(read(dir, 'sum'), 'base\nbase\n');
  // A later default run keeps the lock entries of the stages it left out.
  t.is((await pipe(dir, 'run')).code, 0);
  t.regex(read(dir, 'pipe.lock'), /summary:/);
});
