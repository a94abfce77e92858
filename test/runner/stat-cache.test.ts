import test from 'ava';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROW, rowOf, statImplementation, statNames } from '../../runner/stat-names.js';
import { statCacheCases } from './stat-cache-cases.js';
import { tmp } from '../helpers/files.js';

// With the native stat helper, which CI builds and requires (PIPE_REQUIRE_NATIVE=1).
if (statImplementation === 'native' || process.env['PIPE_REQUIRE_NATIVE'] === '1') {
  test('the native stat helper is in use', (t) => t.is(statImplementation, 'native'));

  test('the native rows equal those of fs.statSync, number for number, for every kind of entry', (t) => {
    const dir = tmp('pipe-rows-');
    fs.writeFileSync(path.join(dir, 'file.txt'), 'some bytes\n');
    fs.utimesSync(path.join(dir, 'file.txt'), 1_700_000_000.123456, 1_234_567_890.987654); // fractional ms
    fs.writeFileSync(path.join(dir, 'ünïcödé name.txt'), '');
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.symlinkSync('file.txt', path.join(dir, 'link-to-file'));
    fs.symlinkSync('sub', path.join(dir, 'link-to-dir'));
    fs.symlinkSync('nowhere', path.join(dir, 'dangling'));
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    const names = [...fs.readdirSync(dir), 'missing', ''];
    const rows = statNames(dir, names.join('/'), names.length);
    names.forEach((name, i) => {
      const st = name ? fs.statSync(path.join(dir, name), { throwIfNoEntry: false }) : undefined;
      t.deepEqual([...rows.subarray(i * ROW, (i + 1) * ROW)], st ? [...rowOf(st)] : [0, 0, 0, 0, 0, 0], name);
    });
  });

  statCacheCases(test);
} else {
  test.skip('the native stat helper is not built here (npm run build:native); stat-cache-fallback covers fs.statSync', () => {});
}
