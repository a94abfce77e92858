import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { tmp } from '../helpers/files.js';
import { exists, pipe, read, stageApi, write } from './helpers.js';

// Each case puts the project into a folder of its own, so that `..` is a private folder too.
function projectWithSibling(files: Record<string, string>, sibling: Record<string, string> = {}): { base: string; dir: string } {
  const base = tmp('pipe-cwd-');
  const dir = path.join(base, 'project');
  write(base, sibling);
  write(dir, { 'package.json': '{"type":"module"}\n', ...files });
  return { base, dir };
}

test('a shell stage runs in the project root: `..`, pwd and $PWD are those of a shell there', async (t) => {
  const { base, dir } = projectWithSibling(
    {
      'pipeline.yaml': `stages:
  outside:
    cmd: cat ../outside.txt > got.txt
    deps: [../outside.txt]
    outs: [got.txt]
  where:
    cmd: pwd > where/pwd.txt; echo "$PWD" > where/env.txt; ls > where/ls.txt; echo x >> ../log
    deps: [got.txt]
    outs: [where/]
`,
    },
    { 'outside.txt': 'from next door\n' },
  );
  const r = await pipe(dir, 'run');
  t.is(r.code, 0, r.stdout + r.stderr);
  t.is(read(dir, 'got.txt'), 'from next door\n');
  t.is(read(dir, 'where/pwd.txt'), `${dir}\n`);
  t.is(read(dir, 'where/env.txt'), `${dir}\n`);
  // The real project root: its files, no staging copy, nothing of the runner's besides .pipe (hidden).
  t.deepEqual(read(dir, 'where/ls.txt').trim().split('\n'), ['got.txt', 'package.json', 'pipe.lock', 'pipeline.yaml', 'where']);
  t.is(fs.readFileSync(path.join(base, 'log'), 'utf8'), 'x\n', '`>> ../log` wrote next to the project, not into .pipe/');

  const again = await pipe(dir, 'run', '--force', 'where');
  t.is(again.code, 0, again.stdout + again.stderr);
  t.is(fs.readFileSync(path.join(base, 'log'), 'utf8'), 'x\nx\n');

  write(base, { 'outside.txt': 'changed\n' });
  const third = await pipe(dir, 'run');
  t.regex(third.stdout, /2 ran, 0 restored, 0 up to date/, 'a dependency outside the project is hashed like any other');
  t.is(read(dir, 'got.txt'), 'changed\n');
});

test('git commands in a stage see the project\'s repository and a clean work tree', async (t) => {
  const { dir } = projectWithSibling({
    '.gitignore': '.pipe/\nrev.txt\n',
    'pipeline.yaml': 'stages:\n  rev:\n    cmd: (git rev-parse --show-toplevel; git status --porcelain) > rev.txt\n    outs: [rev.txt]\n',
  });
  const env = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
  await execa('git', ['init', '-q'], { cwd: dir });
  await execa('git', ['add', '-A'], { cwd: dir });
  await execa('git', ['commit', '-qm', 'init'], { cwd: dir, env });
  const r = await pipe(dir, 'run');
  t.is(r.code, 0, r.stdout + r.stderr);
  t.is(read(dir, 'rev.txt'), `${dir}\n`, 'top level is the project; status lists nothing (no parked or staged files in the tree)');
});

test('a TypeScript stage gets the project root as process.cwd() and relative paths from it', async (t) => {
  const { dir } = projectWithSibling(
    {
      'pipeline.yaml': 'stages:\n  ts:\n    run: stages/where.ts\n    deps: [../input.txt]\n    outs: [out/where.json]\n',
      'stages/where.ts': `import fs from 'node:fs';
import { defineStage } from '${stageApi}';
export default defineStage((ctx) => {
  const input = fs.readFileSync('../input.txt', 'utf8').trim();
  fs.writeFileSync(ctx.outs[0]!, JSON.stringify({ cwd: process.cwd(), root: ctx.root, deps: ctx.deps, outs: ctx.outs, input }) + '\\n');
});
`,
    },
    { 'input.txt': 'hello\n' },
  );
  const r = await pipe(dir, 'run');
  t.is(r.code, 0, r.stdout + r.stderr);
  t.deepEqual(JSON.parse(read(dir, 'out/where.json')), { cwd: dir, root: dir, deps: [path.join(path.dirname(dir), 'input.txt')], outs: ['out/where.json'], input: 'hello' });
});

test('a stage starts from fresh output paths: appending to an output never sees the previous version', async (t) => {
  const { dir } = projectWithSibling({
    'pipeline.yaml': 'params:\n  v: 1\nstages:\n  acc:\n    cmd: echo v${v} >> out/acc.txt; echo v${v} >> out/d/acc.txt\n    params: [v]\n    outs: [out/acc.txt, out/d/]\n',
  });
  t.is((await pipe(dir, 'run')).code, 0);
  const r = await pipe(dir, 'run', '--v', '2');
  t.is(r.code, 0, r.stdout + r.stderr);
  t.is(read(dir, 'out/acc.txt'), 'v2\n');
  t.is(read(dir, 'out/d/acc.txt'), 'v2\n');
});

test('a failed first run leaves neither its partial outputs nor the folders made for them', async (t) => {
  const { dir } = projectWithSibling({
    'pipeline.yaml': 'stages:\n  bad:\n    cmd: echo partial > out/deep/x.txt; echo partial > out/d/y.txt; exit 3\n    outs: [out/deep/x.txt, out/d/]\n',
  });
  const r = await pipe(dir, 'run');
  t.is(r.code, 1);
  t.regex(r.stdout, /✗ bad: failed, exit code 3/);
  t.false(exists(dir, 'out'));
  t.deepEqual(fs.readdirSync(path.join(dir, '.pipe', 'active')), []);
});
