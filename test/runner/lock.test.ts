import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { parseLock, serializeLock, type LockFile } from '../../runner/lockfile.js';
import { makeProject, pipe, read, write } from './helpers.js';

const twoStages = (aValue: string, bValue: string): string => `params:
  a: ${aValue}
  unused: 0
  b: ${bValue}
stages:
  sa:
    cmd: echo \${a} > sa.txt && echo '{"score":\${a}}' > sa.json
    params: [a]
    outs: [sa.txt]
    metrics: [sa.json]
  sb:
    cmd: echo \${b} > sb.txt
    params: [b]
    outs: [sb.txt]
`;

test('pipe.lock round-trips any value and is stable: fixed key order, stages sorted, no timestamps', async (t) => {
  const lock: LockFile = {
    schema: 1,
    stages: {
      'z@1': { cmd: ['echo "a: b" # not a comment'], params: {}, env: {}, deps: [], outs: [{ path: 'o', sha256: 'ab'.repeat(32), size: 0 }] },
      a: {
        run: 'stages/a.ts',
        code: { 'stages/a.ts': '12'.repeat(32) },
        item: { source: 'ATP W1.sav', n: 3, tags: ['x', 'true'] },
        params: { seed: 42, name: 'true', ratio: 0.1, ver: '1.10', nothing: null, list: [1, 'two'], text: 'Zürich, Łódź — “q”' },
        env: { HOME: '/root', EMPTY: null },
        deps: [{ path: 'data dir/x.csv', sha256: '0'.repeat(64), size: 12, nfiles: 3 }],
        outs: [],
        metrics: { 'm.json': { 'wd.mean': 0.123, n: 5 } },
      },
    },
  };
  const text = serializeLock(lock);
  t.true(text.indexOf('  a:') < text.indexOf('  z@1:'));
  const back = await parseLock(text, 'pipe.lock');
  t.deepEqual(back.stages['a']!.params, lock.stages['a']!.params);
  t.deepEqual(back.stages['a']!.item, lock.stages['a']!.item);
  t.deepEqual(back.stages['z@1']!.cmd, lock.stages['z@1']!.cmd);
  t.deepEqual(back.stages['a']!.metrics, lock.stages['a']!.metrics);
  t.is(serializeLock(back), text);
  t.notRegex(text, /\d{4}-\d\d-\d\dT/);
});

test('two fresh projects with the same inputs write byte-identical pipe.lock files, and reruns keep them so', async (t) => {
  const files = { 'pipeline.yaml': twoStages('1', '2') };
  const one = makeProject(files);
  const two = makeProject(files);
  t.is((await pipe(one, 'run')).code, 0);
  t.is((await pipe(two, 'run')).code, 0);
  t.is(read(one, 'pipe.lock'), read(two, 'pipe.lock'));
  const before = read(one, 'pipe.lock');
  await pipe(one, 'run', '--force');
  t.is(read(one, 'pipe.lock'), before);
  t.regex(before, /metrics:\n {6}sa\.json:\n {8}score: 1\n/);
});

test('metrics --diff compares against pipe.lock at a git revision; lock edits on two branches merge cleanly', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': twoStages('1', '2'), '.gitignore': '.pipe/\n' });
  const git = (...args: string[]) => execa('git', args, { cwd: dir, env: { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
  await git('init', '-q', '-b', 'main');
  t.is((await pipe(dir, 'run')).code, 0);
  await git('add', '-A');
  await git('commit', '-qm', 'base');

  write(dir, { 'pipeline.yaml': twoStages('3', '2') });
  t.is((await pipe(dir, 'run')).code, 0);
  const diff = await pipe(dir, 'metrics', '--diff', 'HEAD');
  t.is(diff.code, 0);
  t.is(diff.stdout, '| File | Metric | HEAD | workspace | Change |\n|---|---|---:|---:|---:|\n| sa.json | score | 1 | 3 | +2 (+200.0%) |');
  await git('commit', '-qam', 'a=3');

  await git('checkout', '-q', '-b', 'other', 'HEAD~1');
  write(dir, { 'pipeline.yaml': twoStages('1', '5') });
  t.is((await pipe(dir, 'run')).code, 0);
  await git('commit', '-qam', 'b=5');
  await git('checkout', '-q', 'main');
  const merged = await git('merge', '-q', '-m', 'merge', 'other').catch((e: unknown) => e as { exitCode: number });
  t.is((merged as { exitCode: number }).exitCode, 0, 'no conflict in pipe.lock');
  const lock = await parseLock(fs.readFileSync(path.join(dir, 'pipe.lock'), 'utf8'), 'pipe.lock');
  t.deepEqual([lock.stages['sa']!.params, lock.stages['sb']!.params], [{ a: 3 }, { b: 5 }]);
});

test('a damaged pipe.lock is an error with its line and column and a way out', async (t) => {
  const dir = makeProject({ 'pipeline.yaml': twoStages('1', '2') });
  await pipe(dir, 'run');
  write(dir, { 'pipe.lock': read(dir, 'pipe.lock').replace('  sb:\n', '<<<<<<< HEAD\n  sb:\n') });
  const r = await pipe(dir, 'status');
  t.is(r.code, 2);
  t.regex(r.stderr, /pipe\.lock:\d+:\d+: .*\n {2}\(pipe\.lock is damaged; fix it, or delete the broken stage block and rerun/);
});
