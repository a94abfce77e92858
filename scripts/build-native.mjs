#!/usr/bin/env node
// Builds the optional native stat helper (native/stat_names.c) with node-gyp, at install time and before tests.
// Without a C compiler the build fails harmlessly: `pipe` then uses fs.statSync, and its no-op check is slower
// (bench/README.md). PIPE_REQUIRE_NATIVE=1 turns that failure into an error, as in CI.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'native');
const built = path.join(dir, 'build', 'Release', 'stat_names.node');
const sources = ['stat_names.c', 'binding.gyp'].map((f) => path.join(dir, f));

const mtime = (f) => fs.statSync(f, { throwIfNoEntry: false })?.mtimeMs ?? -1;
if (mtime(built) > Math.max(...sources.map(mtime))) process.exit(0);

// npm names its own node-gyp in lifecycle scripts; elsewhere, one on the PATH.
const gyp = process.env.npm_config_node_gyp;
const [cmd, args] = gyp ? [process.execPath, [gyp, 'rebuild']] : ['node-gyp', ['rebuild']];
const result = spawnSync(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (result.status === 0) process.exit(0);

const log = result.error ? result.error.message : `${result.stdout}\n${result.stderr}`.trim();
if (process.env.PIPE_REQUIRE_NATIVE === '1') {
  console.error(`native/: building the stat helper failed:\n${log}`);
  process.exit(1);
}
const lines = log.split('\n');
const cause = lines.find((l) => /error/i.test(l) && !l.startsWith('gyp ERR!')) ?? lines.at(-1);
console.warn(`native/: the optional stat helper was not built (${cause?.trim()}); pipe will use fs.statSync.`);
