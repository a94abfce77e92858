import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fetchWave, resolveHeaders, type FetchWaveOptions } from '../../net/fetch-wave.js';
import { validate } from '../../lib/schema.js';
import type { WaveEntry } from '../../net/waves.js';
import type { Progress } from '../../runner/stage.js';
import { testBytes, withServer } from '../net/server.js';
import { tmp } from '../helpers/files.js';

const fixtures = path.resolve('test', 'fixtures', 'net');
const sha256sum = (file: string) => execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0];
const unzipped = (zip: string, member: string) => execFileSync('unzip', ['-p', path.join(fixtures, zip), member], { maxBuffer: 1 << 26 });
const savBytes = (n: number, seed = 3) => Buffer.concat([Buffer.from('$FL2@(#) SPSS DATA FILE'), testBytes(n, seed)]);

/** A scratch project: `files` are written relative to its root; returns the root and a fresh out dir. */
function project(files: Record<string, Buffer | string> = {}): { root: string; out: string } {
  const root = tmp('fetch-');
  for (const [rel, data] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), data);
  }
  const out = path.join(root, 'artifacts', 'raw', 'W');
  fs.mkdirSync(out, { recursive: true });
  return { root, out };
}

const atp = (source: WaveEntry['source'], extra: Partial<WaveEntry> = {}): WaveEntry => ({ family: 'atp', role: 'train', format: 'sav', source, ...extra });

function options(root: string, out: string, wave: string, entry: WaveEntry, extra: Partial<FetchWaveOptions> = {}): FetchWaveOptions & { progress: Progress[] } {
  const progress: Progress[] = [];
  return {
    wave,
    entry,
    outDir: out,
    cwd: root,
    root,
    inbox: 'data/inbox',
    env: {},
    onProgress: (p) => void progress.push(p),
    download: { retry: { attempts: 2, baseMs: 1, maxMs: 1 }, stallMs: 10_000, sleep: async () => {} },
    progress,
    ...extra,
  };
}

const readRecord = (out: string) => JSON.parse(fs.readFileSync(path.join(out, 'source.json'), 'utf8'));


test('a local path is copied to <WAVE>.sav with its provenance', async (t) => {
  const data = savBytes(50_000);
  const { root, out } = project({ 'demo/atp/ATP W901.sav': data });
  const o = options(root, out, 'ATP_W901', atp('demo/atp/ATP W901.sav'));
  const record = await fetchWave(o);
  t.deepEqual(fs.readdirSync(out).sort(), ['ATP_W901.sav', 'source.json']);
  t.deepEqual(fs.readFileSync(path.join(out, 'ATP_W901.sav')), data);
  const expected = { wave: 'ATP_W901', kind: 'path', location: 'demo/atp/ATP W901.sav', file: 'ATP_W901.sav', format: 'sav', sha256: sha256sum(path.join(root, 'demo/atp/ATP W901.sav')), size: data.length };
  t.deepEqual(record, expected);
  t.is(fs.readFileSync(path.join(out, 'source.json'), 'utf8'), `${JSON.stringify(expected, null, 2)}\n`);
  t.notThrows(() => validate('raw-source', readRecord(out), 'source.json'));
  t.is(o.progress.at(-1)?.unit, 'B');
  t.is(o.progress.at(-1)?.done, data.length);
});

test('the same source gives byte-identical outputs', async (t) => {
  const { root, out } = project({ 'GSS.zip': fs.readFileSync(path.join(fixtures, 'two-waves.zip')) });
  const entry: WaveEntry = { family: 'gss', role: 'eval', format: 'sav', source: 'GSS.zip', archive_member: 'GSS2022.sav' };
  await fetchWave(options(root, out, 'GSS_2022', entry));
  const first = fs.readdirSync(out).map((f) => fs.readFileSync(path.join(out, f)));
  const again = path.join(root, 'again');
  fs.mkdirSync(again);
  await fetchWave(options(root, again, 'GSS_2022', entry));
  t.deepEqual(fs.readdirSync(again).map((f) => fs.readFileSync(path.join(again, f))), first);
});

test('a local zip gives up the archive_member', async (t) => {
  const { root, out } = project({ 'data/gss/2022_spss.zip': fs.readFileSync(path.join(fixtures, 'two-waves.zip')) });
  const entry: WaveEntry = { family: 'gss', role: 'eval', format: 'zsav', source: 'data/gss/2022_spss.zip', archive_member: 'gss2022_panel.zsav' };
  const record = await fetchWave(options(root, out, 'GSS_2022', entry));
  const expected = unzipped('two-waves.zip', 'GSS2022_panel.zsav');
  t.deepEqual(fs.readFileSync(path.join(out, 'GSS_2022.zsav')), expected);
  t.like(record, { kind: 'path', location: 'data/gss/2022_spss.zip', member: 'GSS2022_panel.zsav', file: 'GSS_2022.zsav', format: 'zsav', size: expected.length });
  t.deepEqual(fs.readdirSync(out).sort(), ['GSS_2022.zsav', 'source.json']);
});

test('the inbox yields a date-named Pew zip by the member it holds', async (t) => {
  const { root, out } = project({ 'data/inbox/W92_Dec21.zip': fs.readFileSync(path.join(fixtures, 'pew-w92.zip')) });
  const record = await fetchWave(options(root, out, 'ATP_W92', atp({ inbox: 'ATP W92' })));
  t.deepEqual(fs.readFileSync(path.join(out, 'ATP_W92.sav')), unzipped('pew-w92.zip', 'W92_Dec21/ATP W92.sav'));
  t.like(record, { kind: 'inbox', location: 'data/inbox/W92_Dec21.zip', member: 'W92_Dec21/ATP W92.sav' });
});

test('the inbox yields a .sav dropped as is', async (t) => {
  const data = savBytes(10_000);
  const { root, out } = project({ 'data/inbox/atp_w92.sav': data, 'data/inbox/ATP W920.sav': savBytes(10, 9) });
  const record = await fetchWave(options(root, out, 'ATP_W92', atp({ inbox: 'ATP W92' })));
  t.deepEqual(fs.readFileSync(path.join(out, 'ATP_W92.sav')), data);
  t.like(record, { kind: 'inbox', location: 'data/inbox/atp_w92.sav' });
  t.false('member' in record);
});

test('a missing inbox file tells what to download from where, and writes nothing', async (t) => {
  const { root, out } = project({ 'data/inbox/ATP W920.sav': savBytes(10) });
  const err = await t.throwsAsync(fetchWave(options(root, out, 'ATP_W92', atp({ inbox: 'ATP W92' }))));
  t.is(
    err?.message,
    [
      'ATP_W92: "ATP W92.sav" is not in the inbox data/inbox (nothing there matches "ATP W92"). To get it:',
      '  1. open https://www.pewresearch.org/dataset/american-trends-panel-wave-92/ and sign in (a free Pew Research Center account)',
      '  2. download the SPSS dataset (a .zip that holds "ATP W92.sav")',
      `  3. put the .zip, or the "ATP W92.sav" inside it, into ${path.join(root, 'data', 'inbox')}/`,
      'then run again.',
    ].join('\n'),
  );
  t.deepEqual(fs.readdirSync(out), []);
});

test('a URL with a cookie from the environment: downloaded, checked, recorded without the secret', async (t) => {
  const data = savBytes(200_000);
  const secret = 'pew_session=s3cr3t-c00kie';
  await withServer({ body: data, etag: '"a"', require: { header: 'Cookie', value: secret }, plan: [{ drop: 70_000 }] }, async (s) => {
    const { root, out } = project();
    const o = options(root, out, 'ATP_W92', atp(s.url, { headers: { Cookie: '$PEW_COOKIE' } }), { env: { PEW_COOKIE: secret } });
    const record = await fetchWave(o);
    t.deepEqual(fs.readFileSync(path.join(out, 'ATP_W92.sav')), data);
    t.like(record, { kind: 'url', location: s.url, size: data.length });
    t.is(s.log[1].range, 'bytes=70000-');
    t.deepEqual(fs.readdirSync(out).sort(), ['ATP_W92.sav', 'source.json']);
    t.false(JSON.stringify([fs.readFileSync(path.join(out, 'source.json'), 'utf8'), o.progress]).includes('s3cr3t'));
    t.true(o.progress.some((p) => p.note?.startsWith('retry 1/1')));
  });
});

test('a URL that serves a zip is unpacked', async (t) => {
  await withServer({ body: fs.readFileSync(path.join(fixtures, 'two-waves.zip')) }, async (s) => {
    const { root, out } = project();
    const entry: WaveEntry = { family: 'gss', role: 'eval', format: 'sav', source: s.url, archive_member: 'GSS2022.sav' };
    const record = await fetchWave(options(root, out, 'GSS_2022', entry));
    t.deepEqual(fs.readFileSync(path.join(out, 'GSS_2022.sav')), unzipped('two-waves.zip', 'GSS2022.sav'));
    t.like(record, { kind: 'url', member: 'GSS2022.sav' });
    t.deepEqual(fs.readdirSync(out).sort(), ['GSS_2022.sav', 'source.json']);
  });
});

test('a login page served instead of the data is named as such', async (t) => {
  await withServer({ body: Buffer.from('<!DOCTYPE html><html>Please sign in</html>') }, async (s) => {
    const { root, out } = project();
    const entry = atp(s.url, { headers: { Cookie: '$PEW_COOKIE' } });
    const err = await t.throwsAsync(fetchWave(options(root, out, 'ATP_W92', entry, { env: { PEW_COOKIE: 'expired-s3cr3t' } })));
    t.is(err?.message, `ATP_W92: ${s.url} is not an SPSS file (it starts with "<!DOCTYPE html><"); a web page instead of data usually means the login in $PEW_COOKIE has expired`);
    t.deepEqual(fs.readdirSync(out), []);
  });
});

test('a refused login names the variable to check, never its value', async (t) => {
  await withServer({ body: savBytes(100), require: { header: 'Cookie', value: 'good' } }, async (s) => {
    const { root, out } = project();
    const entry = atp(s.url, { headers: { Cookie: '$PEW_COOKIE' } });
    const err = await t.throwsAsync(fetchWave(options(root, out, 'ATP_W92', entry, { env: { PEW_COOKIE: 'old-s3cr3t' } })));
    t.is(err?.message, `ATP_W92: ${s.url}: HTTP 403 Forbidden: bad Cookie [redacted] (check the login in $PEW_COOKIE; it may have expired)`);
    t.deepEqual(fs.readdirSync(out), []);
  });
});

test('an unset header variable is an error that names it', (t) => {
  t.is(
    t.throws(() => resolveHeaders('ATP_W92', { Cookie: '$PEW_COOKIE' }, {}))?.message,
    "ATP_W92: header Cookie takes its value from $PEW_COOKIE, which is not set (for pipe, also list PEW_COOKIE under the fetch stage's secrets)",
  );
  t.deepEqual(resolveHeaders('ATP_W92', { Cookie: '$PEW_COOKIE', 'X-Token': '$TOK' }, { PEW_COOKIE: 'c', TOK: 't' }), { Cookie: 'c', 'X-Token': 't' });
});

test('a sha256 mismatch names wave, expected and actual, and the previous good file stays', async (t) => {
  const data = savBytes(5000);
  const { root, out } = project({ 'w.sav': data });
  fs.writeFileSync(path.join(out, 'ATP_W92.sav'), 'previous good file');
  const wrong = 'f'.repeat(64);
  const err = await t.throwsAsync(fetchWave(options(root, out, 'ATP_W92', atp('w.sav', { sha256: wrong }))));
  t.is(err?.message, `ATP_W92: sha256 mismatch for w.sav: expected ${wrong}, actual ${sha256sum(path.join(root, 'w.sav'))}`);
  t.deepEqual(fs.readdirSync(out), ['ATP_W92.sav']);
  t.is(fs.readFileSync(path.join(out, 'ATP_W92.sav'), 'utf8'), 'previous good file');
});

test('a known sha256 inside a zip is checked on the member', async (t) => {
  const { root, out } = project({ 'data/inbox/ATP W92.zip': fs.readFileSync(path.join(fixtures, 'pew-w92.zip')) });
  const good = sha256sum(path.join(fixtures, 'make_zips.py')); // any other file's hash
  const err = await t.throwsAsync(fetchWave(options(root, out, 'ATP_W92', atp({ inbox: 'ATP W92' }, { sha256: good }))));
  const actual = execFileSync('sh', ['-c', `unzip -p '${path.join(fixtures, 'pew-w92.zip')}' 'W92_Dec21/ATP W92.sav' | sha256sum`], { encoding: 'utf8' }).split(' ')[0];
  t.is(err?.message, `ATP_W92: sha256 mismatch for "W92_Dec21/ATP W92.sav" in data/inbox/ATP W92.zip: expected ${good}, actual ${actual}`);
  t.deepEqual(fs.readdirSync(out), []);
});

test('a file of the other SPSS format than the manifest says is rejected', async (t) => {
  const { root, out } = project({ 'w.zsav': Buffer.concat([Buffer.from('$FL3'), testBytes(100)]) });
  const err = await t.throwsAsync(fetchWave(options(root, out, 'ATP_W92', atp('w.zsav'))));
  t.is(err?.message, 'ATP_W92: w.zsav is a .zsav file, but the manifest says format: sav');
  t.deepEqual(fs.readdirSync(out), []);
});

test('a missing local path says where it looked', async (t) => {
  const { root, out } = project();
  const err = await t.throwsAsync(fetchWave(options(root, out, 'ATP_W901', atp('demo/atp/ATP W901.sav'))));
  t.is(err?.message, `ATP_W901: source demo/atp/ATP W901.sav does not exist (looked for ${path.join(root, 'demo/atp/ATP W901.sav')})`);
});

test('a zip-slip archive in the inbox is refused', async (t) => {
  const { root, out } = project({ 'data/inbox/ATP W93.zip': fs.readFileSync(path.join(fixtures, 'slip.zip')) });
  const err = await t.throwsAsync(fetchWave(options(root, out, 'ATP_W93', atp({ inbox: 'ATP W93' }))));
  t.is(err?.message, 'ATP_W93: data/inbox/ATP W93.zip: unsafe member name (invalid relative path: ../../evil.sav); refusing to unpack this archive');
  t.deepEqual(fs.readdirSync(out), []);
  t.false(fs.existsSync(path.join(root, 'artifacts', 'evil.sav')));
});
