import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { defaultRelease, fetchReleaseFile, loadRelease, readInputText, readReleaseFile, releasePathOf, type Release } from '../../net/release.js';
import { main } from '../../net/release-cli.js';
import { runCli } from '../helpers/cli.js';
import { tmp } from '../helpers/files.js';
import { fileServer, testBytes, type Behaviour, type TestServer } from './server.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const COMMIT = 'e0569aca48361415779aac7407aed1e2cbb67b4a';
const files = { 'data/a.json': Buffer.from('{"W1": ["Q_W1"]}\n'), 'data/sub dir/b.csv': testBytes(5000) };

/** A project folder with a manifest pinning `files` at `url` and an empty mirror. */
function project(t: { teardown(fn: () => void): void }, url: string): { root: string; manifest: string; release: Release } {
  const root = tmp('subpop-release-');
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  fs.mkdirSync(path.join(root, 'config'));
  const pins = Object.entries(files).map(([f, b]) => `  ${JSON.stringify(f)}: ${sha(b)}`);
  const manifest = path.join(root, 'config', 'release.yaml');
  fs.writeFileSync(manifest, [`repository: owner/repo`, `commit: ${COMMIT}`, `url: ${url}`, 'mirror: vendor/repo', 'files:', ...pins, ''].join('\n'));
  return { root, manifest, release: loadRelease(manifest, root) };
}

async function server(t: { teardown(fn: () => Promise<void>): void }, plan?: Behaviour[]): Promise<TestServer> {
  const bodies = Object.fromEntries(Object.entries(files).map(([f, b]) => [`/r/${COMMIT}/${f}`, b]));
  const s = await fileServer({ body: Buffer.alloc(0), bodies, etag: '"v1"', ...(plan ? { plan } : {}) });
  t.teardown(() => s.close());
  return s;
}
const base = (s: TestServer) => `http://${s.host}/r/${COMMIT}/`;

test('the vendored mirror matches every pin of config/subpop-release.yaml', (t) => {
  const release = defaultRelease();
  t.is(release.repository, 'JosephJeesungSuh/subpop');
  t.is(release.commit, COMMIT);
  for (const file of Object.keys(release.files)) t.is(sha(readReleaseFile(release, file)), release.files[file], file);
});

test('a file absent from the mirror is fetched from the pinned URL, verified, and kept in the mirror', async (t) => {
  const s = await server(t);
  const { release, root } = project(t, base(s));
  const got = await fetchReleaseFile(release, 'data/sub dir/b.csv', { retry: { attempts: 1 } });
  t.true(got.fetched);
  t.deepEqual(got.bytes, files['data/sub dir/b.csv']);
  t.is(s.log[0]!.url, `/r/${COMMIT}/data/sub%20dir/b.csv`);
  t.deepEqual(fs.readFileSync(path.join(root, 'vendor/repo/data/sub dir/b.csv')), files['data/sub dir/b.csv']);
  const again = await fetchReleaseFile(release, 'data/sub dir/b.csv');
  t.false(again.fetched);
  t.is(s.log.length, 1);
});

test('a broken transfer resumes where it stopped', async (t) => {
  const s = await server(t, [{ drop: 1200 }]);
  const { release } = project(t, base(s));
  const got = await fetchReleaseFile(release, 'data/sub dir/b.csv', { retry: { attempts: 3 }, sleep: async () => {} });
  t.deepEqual(got.bytes, files['data/sub dir/b.csv']);
  t.is(s.log[1]!.range, 'bytes=1200-');
});

test('served bytes that differ from the pin are refused and nothing lands in the mirror', async (t) => {
  const s = await server(t, ['corrupt']);
  const { release, root } = project(t, base(s));
  const err = await t.throwsAsync(fetchReleaseFile(release, 'data/a.json', { retry: { attempts: 1 } }));
  t.regex(err!.message, new RegExp(`data/a\\.json: sha256 mismatch .* expected ${sha(files['data/a.json'])}, actual [0-9a-f]{64}`));
  const mirror = path.join(root, 'vendor/repo/data');
  t.deepEqual(fs.existsSync(mirror) ? fs.readdirSync(mirror) : [], []);
});

test('a modified mirror file is an error naming the file, the expected and the actual hash', (t) => {
  const { release, root } = project(t, 'http://127.0.0.1:9/');
  const local = path.join(root, 'vendor/repo/data/a.json');
  fs.mkdirSync(path.dirname(local), { recursive: true });
  fs.writeFileSync(local, '{"W1": ["Q_W2"]}\n');
  const err = t.throws(() => readInputText(local, release));
  t.true(err!.message.startsWith(`${local}: sha256 mismatch for data/a.json as pinned by ${release.manifestFile} (owner/repo@e0569aca4836)`));
  t.true(err!.message.includes(`expected ${sha(files['data/a.json'])}, actual ${sha(Buffer.from('{"W1": ["Q_W2"]}\n'))}`));
  fs.rmSync(local);
  t.throws(() => readInputText(local, release), { message: new RegExp(`^${local}: missing from the mirror .*npx subpop-release`) });
});

test('files outside the mirror are read as they are; unpinned files inside it are refused', (t) => {
  const { release, root } = project(t, 'http://127.0.0.1:9/');
  const other = path.join(root, 'other.json');
  fs.writeFileSync(other, 'anything');
  t.is(readInputText(other, release), 'anything');
  t.is(releasePathOf(release, other), undefined);
  t.is(releasePathOf(release, path.join(root, 'vendor/repo/data/sub dir/b.csv')), 'data/sub dir/b.csv');
  t.throws(() => readInputText(path.join(root, 'vendor/repo/data/c.json'), release), { message: /data\/c\.json is not one of the pinned files/ });
});

test('a manifest breaking its schema is reported with file:line:col', (t) => {
  const { manifest, root } = project(t, 'http://127.0.0.1:9/');
  fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace(`commit: ${COMMIT}`, 'commit: main'));
  t.throws(() => loadRelease(manifest, root), { message: new RegExp(`^${manifest}:2:9: commit must match pattern`) });
});

const cli = (argv: string[]) => runCli(main, argv);

test.serial('subpop-release fills the mirror, checks it offline, and --refresh replaces a modified copy', async (t) => {
  const s = await server(t);
  const { manifest, root } = project(t, base(s));
  const args = ['--manifest', manifest, '--root', root];
  t.like(await cli(args), { code: 0, stderr: `data/a.json: fetched, 17 bytes\ndata/sub dir/b.csv: fetched, 5000 bytes\n` });
  t.like(await cli([...args, '--check']), { code: 0, stderr: 'data/a.json: ok\ndata/sub dir/b.csv: ok\n' });
  const local = path.join(root, 'vendor/repo/data/a.json');
  fs.writeFileSync(local, 'edited');
  const checked = await cli([...args, '--check']);
  t.is(checked.code, 1);
  t.regex(checked.stderr, /^data\/sub dir\/b\.csv: ok$/m);
  t.regex(checked.stderr, new RegExp(`^${local}: sha256 mismatch for data/a\\.json`, 'm'));
  const requests = s.log.length;
  t.like(await cli([...args, '--refresh', 'data/a.json']), { code: 0, stderr: 'data/a.json: fetched, 17 bytes\n' });
  t.is(s.log.length, requests + 1);
  t.deepEqual(fs.readFileSync(local), files['data/a.json']);
  t.like(await cli([...args, 'data/nope.json']), { code: 1 });
});
