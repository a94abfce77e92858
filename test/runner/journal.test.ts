import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { tmp } from '../helpers/files.js';
import { commit, parkOutputs, readJournal, rollBack } from '../../runner/journal.js';
import { currentHolder } from '../../runner/locks.js';
import { read, write } from './helpers.js';

// The states a crash can leave an in-place run in, and what rolling back makes of each. Every rollback is
// run twice: a crash during a rollback is rolled back again.

function project(files: Record<string, string>): { root: string; state: string; file: string } {
  const root = tmp('pipe-journal-');
  write(root, files);
  const state = path.join(root, '.pipe');
  return { root, state, file: path.join(state, 'active', 'st-1.json') };
}

const outs = [
  { path: 'out/a.txt', dir: false },
  { path: 'out/d', dir: true },
];

function park(root: string, state: string) {
  return parkOutputs(root, state, 'st-1', { stage: 'st', holder: currentHolder('test') }, outs);
}

const listing = (root: string, rel: string): string[] => (fs.existsSync(path.join(root, rel)) ? fs.readdirSync(path.join(root, rel)).sort() : []);

test('parking moves the old outputs out of the tree and leaves fresh paths; rolling back restores them exactly', (t) => {
  const { root, state, file } = project({ 'out/a.txt': 'old a\n', 'out/d/x.txt': 'old x\n', 'out/keep.txt': 'not an output\n' });
  const journal = park(root, state);
  t.deepEqual(listing(root, 'out'), ['d', 'keep.txt']);
  t.deepEqual(listing(root, 'out/d'), [], 'a directory output starts empty');
  t.deepEqual(readJournal(file), journal);
  t.deepEqual(
    journal.outs.map((o) => o.parked),
    ['.pipe/parked/st-1/0', '.pipe/parked/st-1/1'],
  );

  write(root, { 'out/a.txt': 'partial', 'out/d/y.txt': 'partial' });
  rollBack(file, journal);
  rollBack(file, journal);
  t.is(read(root, 'out/a.txt'), 'old a\n');
  t.deepEqual(listing(root, 'out/d'), ['x.txt']);
  t.is(read(root, 'out/keep.txt'), 'not an output\n');
  t.false(fs.existsSync(file));
  t.deepEqual(listing(root, '.pipe/parked'), []);
});

test('a crash after the journal but before parking: rolling back keeps the outputs that were never moved', (t) => {
  const { root, state, file } = project({ 'out/a.txt': 'old a\n', 'out/d/x.txt': 'old x\n' });
  const journal = park(root, state);
  // Undo the parking by hand: the state right after the journal was written.
  fs.rmSync(path.join(root, 'out/d'), { recursive: true });
  fs.renameSync(path.join(root, '.pipe/parked/st-1/0'), path.join(root, 'out/a.txt'));
  fs.renameSync(path.join(root, '.pipe/parked/st-1/1'), path.join(root, 'out/d'));
  rollBack(file, journal);
  t.is(read(root, 'out/a.txt'), 'old a\n');
  t.is(read(root, 'out/d/x.txt'), 'old x\n');
});

test('a crash half-way through a rollback: rolling back again finishes it', (t) => {
  const { root, state, file } = project({ 'out/a.txt': 'old a\n', 'out/d/x.txt': 'old x\n' });
  const journal = park(root, state);
  write(root, { 'out/a.txt': 'partial', 'out/d/y.txt': 'partial' });
  // The first output is back, the second not yet.
  fs.rmSync(path.join(root, 'out/a.txt'));
  fs.renameSync(path.join(root, '.pipe/parked/st-1/0'), path.join(root, 'out/a.txt'));
  rollBack(file, readJournal(file)!);
  t.is(read(root, 'out/a.txt'), 'old a\n');
  t.deepEqual(listing(root, 'out/d'), ['x.txt']);
});

test('a first run rolled back leaves no outputs and removes the folders made for them', (t) => {
  const { root, state, file } = project({ 'other.txt': '' });
  const journal = park(root, state);
  t.deepEqual(journal.made, ['out']);
  t.deepEqual(journal.outs.map((o) => o.parked), [null, null]);
  write(root, { 'out/a.txt': 'partial', 'out/d/y.txt': 'partial' });
  rollBack(file, journal);
  t.false(fs.existsSync(path.join(root, 'out')));
  t.deepEqual(listing(root, '.'), ['.pipe', 'other.txt']);
});

test('commit keeps the new outputs and drops the journal and what was parked', (t) => {
  const { root, state, file } = project({ 'out/a.txt': 'old a\n', 'out/d/x.txt': 'old x\n' });
  const journal = park(root, state);
  write(root, { 'out/a.txt': 'new a\n', 'out/d/y.txt': 'new y\n' });
  commit(file, journal);
  t.is(read(root, 'out/a.txt'), 'new a\n');
  t.deepEqual(listing(root, 'out/d'), ['y.txt']);
  t.false(fs.existsSync(file));
  t.deepEqual(listing(root, '.pipe/parked'), []);
});

test('an output on another filesystem is parked next to itself, since a rename cannot cross filesystems', (t) => {
  if (!fs.existsSync('/dev/shm') || fs.statSync('/dev/shm').dev === fs.statSync(tmp()).dev) {
    t.pass('no second filesystem here');
    return;
  }
  const { root, state, file } = project({ 'README.md': '' });
  const elsewhere = tmp('pipe-journal-shm-', '/dev/shm');
  write(elsewhere, { 'a.txt': 'old a\n', 'd/x.txt': 'old x\n' });
  fs.symlinkSync(elsewhere, path.join(root, 'out'));
  const journal = park(root, state);
  t.deepEqual(
    journal.outs.map((o) => o.parked),
    ['out/.a.txt.parked-st-1', 'out/.d.parked-st-1'],
  );
  write(root, { 'out/a.txt': 'partial' });
  rollBack(file, journal);
  t.is(read(elsewhere, 'a.txt'), 'old a\n');
  t.deepEqual(listing(elsewhere, '.'), ['a.txt', 'd']);
});

test('rolling back leaves a folder it made to another run in progress with outputs in it', (t) => {
  const { root, state, file } = project({ 'other.txt': '' });
  const journal = park(root, state);
  // A second stage, started meanwhile, writes into the same new folder.
  const second = parkOutputs(root, state, 'st-2', { stage: 'st2', holder: currentHolder('test') }, [{ path: 'out/b.txt', dir: false }]);
  t.deepEqual(second.made, [], 'out/ existed already when it parked');
  rollBack(file, journal);
  t.true(fs.existsSync(path.join(root, 'out')), 'out/ stays for the second run');
  write(root, { 'out/b.txt': 'new b\n' });
  commit(path.join(state, 'active', 'st-2.json'), second);
  t.is(read(root, 'out/b.txt'), 'new b\n');
});
