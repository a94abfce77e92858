/**
 * The stat cache's contract, run against both stat implementations (native helper and fs.statSync): whatever
 * happened to a tree, a cached hash equals the hash computed from scratch by coreutils, and an untouched tree
 * is neither read nor listed again.
 */
import type { TestFn } from 'ava';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { validate } from '../../lib/schema.js';
import { tmp } from '../helpers/files.js';

/** Loaded when a test runs, so that the caller's choice of stat implementation (PIPE_NATIVE) is in effect. */
async function load(): Promise<{ StatCache: typeof import('../../runner/stat-cache.js').StatCache }> {
  return import('../../runner/stat-cache.js');
}

/** The tree hash as find, sort, stat and sha256sum compute it: files (following links) sorted by path. */
export function coreutilsTreeHash(dir: string): string {
  const script = `cd "$1" && { printf 'pipe-tree-v1\\n'; find -L . -type f -printf '%P\\n' | LC_ALL=C sort | while IFS= read -r f; do
    printf '%s %s %s\\n' "$(sha256sum < "$f" | cut -d' ' -f1)" "$(stat -L -c %s "$f")" "$f"; done; } | sha256sum | cut -d' ' -f1`;
  return execFileSync('sh', ['-c', script, 'sh', dir], { encoding: 'utf8' }).trim();
}

function tree(files: Record<string, string>): string {
  const dir = tmp('pipe-stat-');
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

/** A clock past the racy window, so that what was just written can be trusted without waiting. */
const later = (): number => Date.now() + 10_000;

export function statCacheCases(test: TestFn): void {
  const base = { 'a.txt': 'alpha\n', 'b.txt': 'beta\n', 'sub/c.txt': 'gamma\n', 'sub/deep/d.txt': 'delta\n' };

  /** Hashes `dir` once, applies `change`, then checks that the cached hash equals coreutils' for the new tree. */
  const afterChange = (title: string, change: (dir: string) => void, changed = true): void => {
    test(title, async (t) => {
      const { StatCache } = await load();
      const dir = tree(base);
      const cache = new StatCache(undefined, { now: later });
      const before = cache.hashPath(dir)!.sha256;
      t.is(before, coreutilsTreeHash(dir));
      change(dir);
      const after = cache.hashPath(dir)!.sha256;
      t.is(after, coreutilsTreeHash(dir));
      t.is(after !== before, changed);
    });
  };

  test('an untouched tree is answered from the records: nothing read, nothing listed', async (t) => {
    const { StatCache } = await load();
    const dir = tree(base);
    const cache = new StatCache(undefined, { now: later });
    const first = cache.hashPath(dir);
    t.deepEqual(cache.counts, { read: 4, listed: 3 });
    t.deepEqual(cache.hashPath(dir), { sha256: first!.sha256, size: first!.size, nfiles: 4 });
    t.deepEqual(cache.counts, { read: 4, listed: 3 });
  });

  afterChange('a file rewritten with the same size is read again', (dir) => fs.writeFileSync(path.join(dir, 'a.txt'), 'ALPHA\n'));
  afterChange('a new mtime alone changes nothing', (dir) => fs.utimesSync(path.join(dir, 'sub/c.txt'), new Date(2001, 1, 1), new Date(2001, 1, 1)), false);
  afterChange('an added file is seen', (dir) => fs.writeFileSync(path.join(dir, 'e.txt'), 'epsilon\n'));
  afterChange('a removed file is seen', (dir) => fs.rmSync(path.join(dir, 'b.txt')));
  afterChange('a renamed file is seen', (dir) => fs.renameSync(path.join(dir, 'b.txt'), path.join(dir, 'bb.txt')));
  afterChange('a change two directories down is seen', (dir) => fs.appendFileSync(path.join(dir, 'sub/deep/d.txt'), 'more\n'));
  afterChange('a file replaced by a directory of the same name is seen', (dir) => {
    fs.rmSync(path.join(dir, 'a.txt'));
    fs.mkdirSync(path.join(dir, 'a.txt'));
    fs.writeFileSync(path.join(dir, 'a.txt/inner'), 'x');
  });
  afterChange('an empty directory is no part of the hash', (dir) => fs.mkdirSync(path.join(dir, 'sub/empty')), false);

  test('a link retargeted to another directory, and a linked file changed or deleted outside the tree, are seen', async (t) => {
    const { StatCache } = await load();
    const outside = tree({ 'one/x.txt': '1\n', 'two/x.txt': '2\n', 'file.txt': 'f\n' });
    const dir = tree({ 'own.txt': 'o\n' });
    fs.symlinkSync(path.join(outside, 'one'), path.join(dir, 'linked'));
    fs.symlinkSync(path.join(outside, 'file.txt'), path.join(dir, 'file.txt'));
    const cache = new StatCache(undefined, { now: later });
    t.is(cache.hashPath(dir)!.sha256, coreutilsTreeHash(dir));
    fs.writeFileSync(path.join(outside, 'file.txt'), 'changed\n');
    t.is(cache.hashPath(dir)!.sha256, coreutilsTreeHash(dir));
    fs.rmSync(path.join(dir, 'linked'));
    fs.symlinkSync(path.join(outside, 'two'), path.join(dir, 'linked'));
    t.is(cache.hashPath(dir)!.sha256, coreutilsTreeHash(dir));
    fs.rmSync(path.join(outside, 'file.txt'));
    t.is(cache.hashPath(dir)!.nfiles, 2, 'a dangling link is no file');
    t.is(cache.hashPath(dir)!.sha256, coreutilsTreeHash(dir));
  });

  test('a dangling link that comes to life is seen even when its folder listing is reused', async (t) => {
    const { StatCache } = await load();
    const outside = tmp('pipe-target-');
    const dir = tree({ 'own.txt': 'o\n' });
    fs.symlinkSync(path.join(outside, 'later.txt'), path.join(dir, 'link.txt'));
    const cache = new StatCache(undefined, { now: later });
    const before = cache.hashPath(dir)!;
    t.is(before.nfiles, 1);
    fs.writeFileSync(path.join(outside, 'later.txt'), 'here\n');
    const after = cache.hashPath(dir)!;
    t.is(after.nfiles, 2);
    t.is(after.sha256, coreutilsTreeHash(dir));
    t.is(cache.counts.listed, 1, 'the folder itself did not change');
  });

  test('records updated through a subdirectory or a remembered hash invalidate the enclosing tree hash', async (t) => {
    const { StatCache } = await load();
    const dir = tree(base);
    const cache = new StatCache(undefined, { now: later });
    cache.hashPath(dir);
    fs.writeFileSync(path.join(dir, 'sub/c.txt'), 'GAMMA\n');
    t.is(cache.hashPath(path.join(dir, 'sub'))!.sha256, coreutilsTreeHash(path.join(dir, 'sub')));
    t.is(cache.hashPath(dir)!.sha256, coreutilsTreeHash(dir), 'the parent sees the change its subdirectory recorded');
    const file = path.join(dir, 'a.txt');
    fs.writeFileSync(file, 'restored\n');
    cache.remember(file, fs.statSync(file), execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0]!);
    const reads = cache.counts.read;
    t.is(cache.hashPath(dir)!.sha256, coreutilsTreeHash(dir));
    t.is(cache.counts.read, reads, 'the remembered hash is used, not recomputed');
  });

  test('records persist across processes, and a damaged cache file only costs re-reading', async (t) => {
    const { StatCache } = await load();
    const dir = tree(base);
    const state = path.join(tmp('pipe-state-'), 'stat-cache.bin');
    const first = new StatCache(state, { now: later });
    const expected = first.hashPath(dir)!.sha256;
    first.hashFile(path.join(dir, 'a.txt'));
    first.save();
    const bytes = fs.readFileSync(state);
    const headerLength = bytes.readUInt32LE(16);
    const header = validate<{ folders: string[]; counts: number[] }>('pipe-stat-cache', JSON.parse(bytes.toString('utf8', 20, 20 + headerLength)), state);
    t.deepEqual(header.folders, [dir, path.join(dir, 'sub'), path.join(dir, 'sub/deep')]);
    t.deepEqual(header.counts, [3, 2, 1]);
    const second = new StatCache(state, { now: later });
    t.is(second.hashPath(dir)!.sha256, expected);
    t.is(second.hashFile(path.join(dir, 'a.txt')).sha256, execFileSync('sha256sum', [path.join(dir, 'a.txt')], { encoding: 'utf8' }).split(' ')[0]);
    t.deepEqual(second.counts, { read: 0, listed: 0 });
    for (const damaged of [bytes.subarray(0, bytes.length - 9), Buffer.concat([Buffer.from('x'), bytes.subarray(1)]), Buffer.alloc(0)]) {
      fs.writeFileSync(state, damaged);
      const third = new StatCache(state, { now: later });
      t.is(third.hashPath(dir)!.sha256, expected);
      t.is(third.counts.read, 4);
    }
  });

  test('files hashed one by one, as code files are, are recorded and persist like listed ones', async (t) => {
    const { StatCache } = await load();
    const files = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`m${i}.ts`, `export const v = ${i};\n`]));
    const dir = tree(files);
    const state = path.join(tmp('pipe-state-'), 'stat-cache.bin');
    const first = new StatCache(state, { now: later });
    const sums = Object.keys(files).map((f) => first.hashFile(path.join(dir, f)).sha256);
    first.save();
    const second = new StatCache(state, { now: later });
    t.deepEqual(Object.keys(files).map((f) => second.hashFile(path.join(dir, f)).sha256), sums);
    t.deepEqual(second.counts, { read: 0, listed: 0 });
    t.deepEqual(sums, Object.keys(files).map((f) => execFileSync('sha256sum', [path.join(dir, f)], { encoding: 'utf8' }).split(' ')[0]));
  });

  test('without the clock moved on, files written just now are read again every time (the racy window)', async (t) => {
    const { StatCache } = await load();
    const dir = tree(base);
    const cache = new StatCache();
    cache.hashPath(dir);
    cache.hashPath(dir);
    t.is(cache.counts.read, 8);
  });

  test('prune drops the records of deleted files and folders', async (t) => {
    const { StatCache } = await load();
    const dir = tree(base);
    const cache = new StatCache(undefined, { now: later });
    cache.hashPath(dir);
    fs.rmSync(path.join(dir, 'a.txt'));
    fs.rmSync(path.join(dir, 'sub'), { recursive: true });
    t.is(cache.prune(), 3);
    t.is(cache.prune(), 0);
    t.is(cache.hashPath(dir)!.sha256, coreutilsTreeHash(dir));
  });
}
