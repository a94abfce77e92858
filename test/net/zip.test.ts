import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chooseMember, extractMember, isZip, listArchive } from '../../net/zip.js';
import { tmp } from '../helpers/files.js';

// Fixtures: /usr/bin/python3 test/fixtures/net/make_zips.py (Python's zipfile); the truth for member
// contents is Info-ZIP's `unzip -p`.
const fixture = (name: string) => path.join('test', 'fixtures', 'net', name);
const unzipped = (zip: string, member: string) => execFileSync('unzip', ['-p', fixture(zip), member], { maxBuffer: 1 << 26 });
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('isZip looks at the magic bytes, not the name', async (t) => {
  t.true(await isZip(fixture('pew-w92.zip')));
  t.false(await isZip(fixture('make_zips.py')));
});

test('listArchive lists file members without directory entries', async (t) => {
  t.deepEqual(await listArchive(fixture('pew-w92.zip')), [
    'W92_Dec21/ATP W92 questionnaire.pdf',
    'W92_Dec21/ATP W92.sav',
    'W92_Dec21/ATP W92 readme.txt',
    '__MACOSX/W92_Dec21/._ATP W92.sav',
  ]);
});

test('the only .sav is chosen, ignoring macOS resource-fork shadows', async (t) => {
  const members = await listArchive(fixture('pew-w92.zip'));
  t.is(chooseMember(members, undefined, 'a.zip'), 'W92_Dec21/ATP W92.sav');
});

test('archive_member picks by full path or by file name, in any case', (t) => {
  const members = ['GSS2022.sav', 'GSS2022_panel.zsav', 'docs/GSS2022.sav'];
  t.is(chooseMember(members, 'docs/GSS2022.sav', 'g.zip'), 'docs/GSS2022.sav');
  t.is(chooseMember(members, 'gss2022_PANEL.zsav', 'g.zip'), 'GSS2022_panel.zsav');
  t.is(
    t.throws(() => chooseMember(members, 'GSS2022.sav', 'g.zip'))?.message,
    'g.zip: several members match "GSS2022.sav": "GSS2022.sav", "docs/GSS2022.sav"; give the full path as archive_member',
  );
  t.is(
    t.throws(() => chooseMember(members, 'GSS2021.sav', 'g.zip'))?.message,
    'g.zip: no member "GSS2021.sav" (archive_member); the archive holds "GSS2022.sav", "GSS2022_panel.zsav", "docs/GSS2022.sav"',
  );
});

test('without archive_member, several or no data files are errors that list what is there', async (t) => {
  t.is(
    t.throws(() => chooseMember(['GSS2022.sav', 'GSS2022_panel.zsav', 'codebook.txt'], undefined, 'two-waves.zip'))?.message,
    'two-waves.zip: several .sav/.zsav members: "GSS2022.sav", "GSS2022_panel.zsav"; name the one to use with archive_member',
  );
  const members = await listArchive(fixture('no-data.zip'));
  t.is(
    t.throws(() => chooseMember(members, undefined, 'no-data.zip'))?.message,
    'no-data.zip: no .sav or .zsav member; the archive holds "readme.txt"',
  );
});

test('extracts a deflated member, byte for byte as unzip does, atomically', async (t) => {
  const dir = tmp();
  const target = path.join(dir, 'ATP_W92.sav');
  const expected = unzipped('pew-w92.zip', 'W92_Dec21/ATP W92.sav');
  const progress: number[] = [];
  const r = await extractMember(fixture('pew-w92.zip'), 'W92_Dec21/ATP W92.sav', target, {
    label: 'ATP_W92',
    sha256: sha(expected),
    onProgress: (p) => {
      progress.push(p.done);
      t.is(p.total, expected.length);
    },
  });
  t.deepEqual(fs.readFileSync(target), expected);
  t.deepEqual(r, { sha256: sha(expected), size: expected.length });
  t.is(progress.at(-1), expected.length);
  t.deepEqual(fs.readdirSync(dir), ['ATP_W92.sav']);
});

test('extracts a stored member', async (t) => {
  const target = path.join(tmp(), 'GSS_2022.sav');
  await extractMember(fixture('two-waves.zip'), 'GSS2022.sav', target, { label: 'GSS_2022' });
  t.deepEqual(fs.readFileSync(target), unzipped('two-waves.zip', 'GSS2022.sav'));
});

test('a member hash mismatch names wave, member, expected and actual; the old file stays', async (t) => {
  const dir = tmp();
  const target = path.join(dir, 'GSS_2022.sav');
  fs.writeFileSync(target, 'previous good file');
  const actual = sha(unzipped('two-waves.zip', 'GSS2022.sav'));
  const err = await t.throwsAsync(
    extractMember(fixture('two-waves.zip'), 'GSS2022.sav', target, { label: 'GSS_2022', where: 'data/inbox/two-waves.zip', sha256: '0'.repeat(64) }),
  );
  t.is(err?.message, `GSS_2022: sha256 mismatch for "GSS2022.sav" in data/inbox/two-waves.zip: expected ${'0'.repeat(64)}, actual ${actual}`);
  t.is(fs.readFileSync(target, 'utf8'), 'previous good file');
  t.deepEqual(fs.readdirSync(dir), ['GSS_2022.sav']);
});

test('a rejected check leaves no file', async (t) => {
  const dir = tmp();
  const err = await t.throwsAsync(
    extractMember(fixture('two-waves.zip'), 'GSS2022.sav', path.join(dir, 'x.sav'), {
      label: 'GSS_2022',
      check: async () => {
        throw new Error('not what we wanted');
      },
    }),
  );
  t.is(err?.message, 'not what we wanted');
  t.deepEqual(fs.readdirSync(dir), []);
});

test('zip-slip: a member named ../../evil.sav makes the whole archive refused, and nothing is written', async (t) => {
  const dir = tmp();
  const inner = path.join(dir, 'a', 'b');
  fs.mkdirSync(inner, { recursive: true });
  const err = await t.throwsAsync(extractMember(fixture('slip.zip'), 'ATP W93.sav', path.join(inner, 'ATP_W93.sav'), { label: 'ATP_W93', where: 'slip.zip' }));
  t.is(err?.message, 'ATP_W93: slip.zip: unsafe member name (invalid relative path: ../../evil.sav); refusing to unpack this archive');
  t.deepEqual(fs.readdirSync(inner), []);
  t.false(fs.existsSync(path.join(dir, 'evil.sav')));
  await t.throwsAsync(listArchive(fixture('absolute.zip'), 'absolute.zip'), {
    message: 'absolute.zip: unsafe member name (absolute path: /tmp/evil.sav); refusing to unpack this archive',
  });
});

test('a file that is not a zip is a clear error', async (t) => {
  await t.throwsAsync(listArchive(fixture('make_zips.py'), 'make_zips.py'), { message: /^make_zips\.py: not a readable zip archive \(/ });
});
