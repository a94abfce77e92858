import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { execa } from 'execa';
import { fixture, sav2csv } from './helpers.js';
import { tmp } from '../helpers/files.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin');
const launcher = path.join(bin, 'sav2csv.js');

test('usage errors exit 2, unreadable files exit 1, both with a message on stderr', async (t) => {
  const none = await sav2csv();
  t.is(none.code, 2);
  t.regex(none.stderr, /missing FILE[\s\S]*Usage: sav2csv/);
  t.is((await sav2csv('--frobnicate', 'x.sav')).code, 2);
  t.is((await sav2csv('a.sav', 'b.sav')).code, 2);
  t.is((await sav2csv(fixture('atp.sav'), '--labels', '--meta')).code, 2);

  const missing = await sav2csv(fixture('no-such.sav'));
  t.is(missing.code, 1);
  t.regex(missing.stderr, /no-such\.sav/);
  const notSav = await sav2csv(fixture('atp.csv'));
  t.is(notSav.code, 1);
  t.is(notSav.stderr, `sav2csv: ${fixture('atp.csv')}: byte 0: not an SPSS system file (starts with "QKEY")\n`);
  t.is(notSav.stdout, '');
});

test('--help describes the command and exits 0', async (t) => {
  const help = await sav2csv('--help');
  t.is(help.code, 0);
  t.regex(help.stdout, /^Usage: sav2csv FILE \[--labels\] \[--meta\]/);
});

test('the launcher runs the command from the package', async (t) => {
  const r = await execa('node', [launcher, fixture('cp1252.sav')], { reject: false });
  t.is(r.exitCode, 0);
  t.is(r.stdout.split('\n')[0], 'id,city,rating');
  const bad = await execa('node', [launcher], { reject: false });
  t.is(bad.exitCode, 2);
});

test('without dist/ the launcher runs the TypeScript sources through tsx', async (t) => {
  const dir = tmp('sav2csv-');
  fs.mkdirSync(path.join(dir, 'bin'));
  for (const f of ['sav2csv.js', 'launch.js']) fs.copyFileSync(path.join(bin, f), path.join(dir, 'bin', f));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
  fs.symlinkSync(path.join(root, 'formats'), path.join(dir, 'formats'));
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  const r = await execa('node', [path.join(dir, 'bin', 'sav2csv.js'), fixture('cp1252.sav')], { reject: false });
  t.is(r.exitCode, 0, r.stderr);
  t.is(`${r.stdout}\n`, fs.readFileSync(fixture('cp1252.csv'), 'utf8'));
});
