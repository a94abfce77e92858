import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { counted, makeProject, pipe, pipeWithEnv, read, runsOf, stageApi, write } from './helpers.js';

const pipeline = (aCmd = 'sort data/in.txt > out/a.txt') => `params:
  seed: 1
  other: x
stages:
  a:
    cmd: ${counted('a', aCmd)}
    deps: [data/in.txt]
    params: [seed]
    env: [MY_ENV]
    outs: [out/a.txt]
  m:
    run: stages/m.ts
    deps: [out/a.txt]
    outs: [out/m.txt]
`;

const moduleSource = (suffix: string) => `import fs from 'node:fs';
import { defineStage } from '${stageApi}';
import { shout } from './util.js';
export default defineStage((ctx) => {
  fs.appendFileSync(ctx.root + '/runs.log', 'm\\n');
  fs.writeFileSync(ctx.outs[0]!, shout(fs.readFileSync(ctx.deps[0]!, 'utf8')) + '${suffix}');
});
`;

function project(): string {
  return makeProject({
    'data/in.txt': 'b\na\n',
    'pipeline.yaml': pipeline(),
    'stages/m.ts': moduleSource(''),
    'stages/util.ts': 'export const shout = (s: string): string => s.toUpperCase();\n',
  });
}

async function runOk(t: { is: (a: unknown, b: unknown, m?: string) => void }, dir: string, env: Record<string, string> = {}, ...args: string[]) {
  const r = await pipeWithEnv(dir, env, 'run', ...args);
  t.is(r.code, 0, r.stdout + r.stderr);
  return r;
}

test('first run runs everything; a rerun with nothing changed runs nothing', async (t) => {
  const dir = project();
  await runOk(t, dir);
  t.is(read(dir, 'out/m.txt'), 'A\nB\n');
  t.deepEqual([runsOf(dir, 'a'), runsOf(dir, 'm')], [1, 1]);
  const again = await runOk(t, dir);
  t.regex(again.stdout, /0 ran, 0 restored, 2 up to date/);
  t.deepEqual([runsOf(dir, 'a'), runsOf(dir, 'm')], [1, 1]);
});

test('dependency contents trigger a rerun, a new mtime alone does not, and identical outputs stop the cascade', async (t) => {
  const dir = project();
  await runOk(t, dir);
  const future = new Date(Date.now() + 60_000);
  fs.utimesSync(path.join(dir, 'data/in.txt'), future, future);
  await runOk(t, dir);
  t.deepEqual([runsOf(dir, 'a'), runsOf(dir, 'm')], [1, 1], 'touching a file is not a change');

  write(dir, { 'data/in.txt': 'a\nb\n' });
  const status = await pipe(dir, 'status');
  t.is(status.code, 1);
  t.regex(status.stdout, /▶ a will run\n    dep data\/in\.txt: [0-9a-f]{12} → [0-9a-f]{12}/);
  t.regex(status.stdout, /… m may run\n    upstream a will change first/);
  await runOk(t, dir);
  t.deepEqual([runsOf(dir, 'a'), runsOf(dir, 'm')], [2, 1], 'sorted output is identical, so m stays up to date');

  write(dir, { 'data/in.txt': 'c\na\n' });
  await runOk(t, dir);
  t.deepEqual([runsOf(dir, 'a'), runsOf(dir, 'm')], [3, 2]);
  t.is(read(dir, 'out/m.txt'), 'A\nC\n');
});

test('command text, declared params and declared env are triggers; undeclared params are not', async (t) => {
  const dir = project();
  await runOk(t, dir, { MY_ENV: '1' });
  await runOk(t, dir, { MY_ENV: '1' }, '--other', 'y');
  t.is(runsOf(dir, 'a'), 1, 'param "other" is not declared by stage a');

  const byParam = await pipeWithEnv(dir, { MY_ENV: '1' }, 'status', '--seed', '2');
  t.regex(byParam.stdout, /▶ a will run\n    param seed: 1 → 2/);
  await runOk(t, dir, { MY_ENV: '1' }, '--seed', '2');
  t.is(runsOf(dir, 'a'), 2);

  const byEnv = await pipeWithEnv(dir, { MY_ENV: '2' }, 'status', '--seed', '2');
  t.regex(byEnv.stdout, /env MY_ENV: "1" → "2"/);
  await runOk(t, dir, { MY_ENV: '2' }, '--seed', '2');
  t.is(runsOf(dir, 'a'), 3);

  write(dir, { 'pipeline.yaml': pipeline('sort -r data/in.txt > out/a.txt') });
  const byCmd = await pipeWithEnv(dir, { MY_ENV: '2' }, 'status', '--seed', '2');
  t.regex(byCmd.stdout, /command changed: "echo a .*sort data\/in\.txt > out\/a\.txt" → "echo a .*sort -r data\/in\.txt > out\/a\.txt"/);
  await runOk(t, dir, { MY_ENV: '2' }, '--seed', '2');
  t.is(runsOf(dir, 'a'), 4);
  t.is(read(dir, 'out/a.txt'), 'b\na\n');
});

test('the code of a run: module and of its local imports is a trigger, named in the status', async (t) => {
  const dir = project();
  await runOk(t, dir);
  write(dir, { 'stages/util.ts': 'export const shout = (s: string): string => s.toUpperCase() + "!";\n' });
  const status = await pipe(dir, 'status');
  t.regex(status.stdout, /▶ m will run\n    code stages\/util\.ts: [0-9a-f]{12} → [0-9a-f]{12}/);
  await runOk(t, dir);
  t.is(read(dir, 'out/m.txt'), 'A\nB\n!');
  write(dir, { 'stages/m.ts': moduleSource('?') });
  await runOk(t, dir);
  t.is(read(dir, 'out/m.txt'), 'A\nB\n!?');
  t.is(runsOf(dir, 'm'), 3);
  t.is(runsOf(dir, 'a'), 1);
});

test('missing or modified outputs are brought back from the run cache, verified, without running', async (t) => {
  const dir = project();
  await runOk(t, dir);
  fs.rmSync(path.join(dir, 'out/m.txt'));
  write(dir, { 'out/a.txt': 'tampered\n' });
  const status = await pipe(dir, 'status');
  t.regex(status.stdout, /↺ a restorable from the run cache\n    output out\/a\.txt: modified/);
  const r = await runOk(t, dir);
  t.regex(r.stdout, /↺ a: restored from the run cache/);
  t.regex(r.stdout, /↺ m: restored from the run cache/);
  t.is(read(dir, 'out/a.txt'), 'a\nb\n');
  t.is(read(dir, 'out/m.txt'), 'A\nB\n');
  t.deepEqual([runsOf(dir, 'a'), runsOf(dir, 'm')], [1, 1]);
});

test('a change of hash format re-evaluates every stage, and cached results are recorded instead of recomputed', async (t) => {
  const dir = project();
  await runOk(t, dir);
  write(dir, { 'pipe.lock': read(dir, 'pipe.lock').replace(/^schema: 1$/m, 'schema: 0') });
  const status = await pipe(dir, 'status');
  t.regex(status.stdout, /↺ a restorable from the run cache\n    hash format changed: v0 → v1/);
  const r = await runOk(t, dir);
  t.regex(r.stdout, /↺ a: outputs already match a cached run; recorded it/);
  t.regex(read(dir, 'pipe.lock'), /^schema: 1$/m);
  t.deepEqual([runsOf(dir, 'a'), runsOf(dir, 'm')], [1, 1]);
});
