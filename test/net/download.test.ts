import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { download, type DownloadOptions, type TransferProgress } from '../../net/download.js';
import { fileServer, testBytes, withServer, type FileServerOptions } from './server.js';
import { tmp } from '../helpers/files.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Options that keep tests fast: no real waiting between attempts, fixed jitter. The stall timeout is generous
 * (a loaded machine must not look like a stalled server); the stall tests set a short one.
 */
function fast(extra: DownloadOptions = {}): DownloadOptions & { sleeps: number[]; progress: TransferProgress[] } {
  const sleeps: number[] = [];
  const progress: TransferProgress[] = [];
  return {
    label: 'ATP_W92',
    retry: { attempts: 4, baseMs: 10, maxMs: 1000 },
    stallMs: 10_000,
    random: () => 0.5,
    sleep: async (ms) => void sleeps.push(ms),
    onProgress: (p) => void progress.push(p),
    sleeps,
    progress,
    ...extra,
  };
}

const body = testBytes(300_000);

test('downloads the body and reports its sha256 and size', async (t) => {
  await withServer({ body, etag: '"v1"' }, async (s) => {
    const dir = tmp();
    const target = path.join(dir, 'ATP_W92.sav');
    const o = fast();
    const r = await download(s.url, target, o);
    t.deepEqual(fs.readFileSync(target), body);
    t.deepEqual(r, { sha256: sha(body), size: body.length });
    t.deepEqual(fs.readdirSync(dir), ['ATP_W92.sav']);
    t.is(s.log.length, 1);
    t.is(s.log[0].headers['accept-encoding'], 'identity');
    t.deepEqual(o.progress.at(-1), { done: body.length, total: body.length });
  });
});

test('resumes a dropped connection with Range and If-Range (ETag)', async (t) => {
  await withServer({ body, etag: '"v1"', plan: [{ drop: 100_000 }] }, async (s) => {
    const target = path.join(tmp(), 'f.sav');
    const o = fast();
    await download(s.url, target, o);
    t.deepEqual(fs.readFileSync(target), body);
    t.is(s.log.length, 2);
    t.is(s.log[0].range, undefined);
    t.is(s.log[1].range, 'bytes=100000-');
    t.is(s.log[1].ifRange, '"v1"');
    t.is(s.log[1].status, 206);
    t.deepEqual(o.sleeps, [7.5]); // step 10 ms, half of it jittered with random = 0.5
  });
});

test('a connection reset mid-body is retried', async (t) => {
  await withServer({ body, etag: '"v1"', plan: [{ reset: 100_000 }] }, async (s) => {
    const target = path.join(tmp(), 'f.sav');
    await download(s.url, target, fast());
    t.deepEqual(fs.readFileSync(target), body);
    t.is(s.log.length, 2);
  });
});

test('a refused connection is retried, then reported', async (t) => {
  const s = await fileServer({ body });
  await s.close(); // nothing listens on the port any more
  const dir = tmp();
  const o = fast();
  const err = await t.throwsAsync(download(s.url, path.join(dir, 'f.sav'), o));
  t.regex(err!.message, new RegExp(`^ATP_W92: ${s.url}: connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+ \\(gave up after 4 attempts\\)$`));
  t.is(o.sleeps.length, 3);
  t.deepEqual(fs.readdirSync(dir), []);
});

test('resumes with Last-Modified when the server sends no ETag', async (t) => {
  const lastModified = 'Wed, 21 Oct 2015 07:28:00 GMT';
  await withServer({ body, lastModified, plan: [{ drop: 65_536 }, { drop: 70_000 }] }, async (s) => {
    const target = path.join(tmp(), 'f.sav');
    await download(s.url, target, fast());
    t.deepEqual(fs.readFileSync(target), body);
    t.deepEqual(
      s.log.map((r) => [r.range, r.ifRange, r.status]),
      [
        [undefined, undefined, 200],
        ['bytes=65536-', lastModified, 206],
        ['bytes=135536-', lastModified, 206],
      ],
    );
  });
});

test('restarts from scratch when the server ignores Range', async (t) => {
  await withServer({ body, etag: '"v1"', ignoreRange: true, plan: [{ drop: 120_000 }] }, async (s) => {
    const target = path.join(tmp(), 'f.sav');
    const o = fast();
    const r = await download(s.url, target, o);
    t.deepEqual(fs.readFileSync(target), body); // not 120 000 stale bytes plus the whole file
    t.is(r.sha256, sha(body));
    t.is(s.log[1].range, 'bytes=120000-');
    t.is(s.log[1].status, 200);
    t.true(o.progress.some((p) => p.note?.includes('restarting')));
  });
});

test('restarts when If-Range shows the file changed on the server', async (t) => {
  const newer = testBytes(250_000, 7);
  const replace = (index: number, o: FileServerOptions) => {
    if (index === 1) Object.assign(o, { body: newer, etag: '"v2"' });
  };
  await withServer({ body, etag: '"v1"', plan: [{ drop: 50_000 }], onRequest: replace }, async (s) => {
    const target = path.join(tmp(), 'f.sav');
    await download(s.url, target, fast());
    t.deepEqual(fs.readFileSync(target), newer);
    t.is(s.log[1].ifRange, '"v1"');
    t.is(s.log[1].status, 200);
  });
});

test('retries 5xx answers with exponential backoff', async (t) => {
  await withServer({ body, plan: [{ status: 500 }, { status: 503 }, { status: 502 }] }, async (s) => {
    const target = path.join(tmp(), 'f.sav');
    const o = fast();
    await download(s.url, target, o);
    t.deepEqual(fs.readFileSync(target), body);
    t.deepEqual(o.sleeps, [7.5, 15, 30]);
    t.deepEqual(
      o.progress.filter((p) => p.note).map((p) => p.note),
      ['retry 1/3 in 8 ms', 'retry 2/3 in 15 ms', 'retry 3/3 in 30 ms'],
    );
  });
});

test('gives up after the bounded number of attempts and leaves no file behind', async (t) => {
  await withServer({ body, plan: Array(10).fill({ status: 500 }) }, async (s) => {
    const dir = tmp();
    const target = path.join(dir, 'f.sav');
    const o = fast();
    const err = await t.throwsAsync(download(s.url, target, o));
    t.is(err?.message, `ATP_W92: ${s.url}: HTTP 500 Internal Server Error (gave up after 4 attempts)`);
    t.is(s.log.length, 4);
    t.deepEqual(o.sleeps, [7.5, 15, 30]);
    t.deepEqual(fs.readdirSync(dir), []);
  });
});

test('does not retry a client error', async (t) => {
  await withServer({ body, plan: [{ status: 404 }] }, async (s) => {
    const dir = tmp();
    const err = await t.throwsAsync(download(s.url, path.join(dir, 'f.sav'), fast()));
    t.regex(err!.message, /HTTP 404 Not Found$/);
    t.is(s.log.length, 1);
    t.deepEqual(fs.readdirSync(dir), []);
  });
});

test('a stall during the body is detected and the transfer resumes', async (t) => {
  await withServer({ body, etag: '"v1"', plan: [{ stall: 90_000 }] }, async (s) => {
    const target = path.join(tmp(), 'f.sav');
    // Many attempts: on a loaded machine a resumed request may look stalled too, and simply resumes again.
    await download(s.url, target, fast({ stallMs: 500, retry: { attempts: 20, baseMs: 1, maxMs: 1 } }));
    t.deepEqual(fs.readFileSync(target), body);
    t.is(s.log[1].range, 'bytes=90000-');
  });
});

test('a server that never answers is a stall too', async (t) => {
  await withServer({ body, plan: [{ stall: 0, beforeHeaders: true }, { stall: 0, beforeHeaders: true }] }, async (s) => {
    const dir = tmp();
    const err = await t.throwsAsync(download(s.url, path.join(dir, 'f.sav'), fast({ stallMs: 500, retry: { attempts: 2, baseMs: 1, maxMs: 1 } })));
    t.is(err?.message, `ATP_W92: ${s.url}: stalled: no data for 500 ms (received 0 bytes) (gave up after 2 attempts)`);
    t.deepEqual(fs.readdirSync(dir), []);
  });
});

test('a body that keeps ending early is a truncation error naming the sizes', async (t) => {
  await withServer({ body, plan: Array(4).fill({ short: 1000 }) }, async (s) => {
    const dir = tmp();
    const o = fast();
    const err = await t.throwsAsync(download(s.url, path.join(dir, 'f.sav'), o));
    // No validator, so every attempt starts over and gets the same 1000 bytes.
    t.true(s.log.every((r) => r.range === undefined));
    t.is(err?.message, `ATP_W92: ${s.url}: body truncated: received 1000 of 300000 bytes (connection aborted) (gave up after 4 attempts)`);
    t.deepEqual(fs.readdirSync(dir), []);
  });
});

test('a sha256 mismatch names the label, the expected and the actual hash', async (t) => {
  await withServer({ body, plan: ['corrupt'] }, async (s) => {
    const dir = tmp();
    const target = path.join(dir, 'f.sav');
    const bad = Buffer.from(body);
    bad[bad.length >> 1] ^= 0xff;
    const err = await t.throwsAsync(download(s.url, target, fast({ sha256: sha(body) })));
    t.is(err?.message, `ATP_W92: sha256 mismatch for download of ${s.url}: expected ${sha(body)}, actual ${sha(bad)}`);
    t.deepEqual(fs.readdirSync(dir), []);
  });
});

test('a failed re-download leaves the previous good file untouched', async (t) => {
  await withServer({ body, plan: ['corrupt'] }, async (s) => {
    const dir = tmp();
    const target = path.join(dir, 'f.sav');
    fs.writeFileSync(target, 'the good old file');
    await t.throwsAsync(download(s.url, target, fast({ sha256: sha(body) })));
    t.is(fs.readFileSync(target, 'utf8'), 'the good old file');
    t.deepEqual(fs.readdirSync(dir), ['f.sav']);
  });
});

test('secret headers are sent but never appear in errors or progress', async (t) => {
  const secret = 'sessionid=s3cr3t-Value';
  await withServer({ body, require: { header: 'Cookie', value: secret }, plan: [{ status: 503 }] }, async (s) => {
    const target = path.join(tmp(), 'f.sav');
    const ok = fast({ headers: { Cookie: secret } });
    await download(s.url, target, ok);
    t.deepEqual(fs.readFileSync(target), body);
    t.is(s.log.at(-1)?.headers.cookie, secret);

    // The server echoes the expired cookie in its reason phrase; the message must not pass it on.
    const expired = 'sessionid=0ld-s3cr3t';
    const o = fast({ headers: { Cookie: expired } });
    const err = await t.throwsAsync(download(s.url, path.join(tmp(), 'g.sav'), o));
    t.is(err?.message, `ATP_W92: ${s.url}: HTTP 403 Forbidden: bad Cookie [redacted]`);
    const seen = JSON.stringify([err!.message, err!.stack, o.progress]);
    t.false(seen.includes('s3cr3t'));
  });
});

test('secret headers are dropped on a redirect to another host', async (t) => {
  const secret = 'token-s3cr3t';
  await withServer({ body }, async (cdn) => {
    // "localhost" and "127.0.0.1" are different hosts to the client, though the same machine.
    const cdnUrl = cdn.url.replace('127.0.0.1', 'localhost');
    await withServer({ body, plan: [{ redirect: cdnUrl }] }, async (origin) => {
      const target = path.join(tmp(), 'f.sav');
      await download(origin.url, target, fast({ headers: { Cookie: secret } }));
      t.deepEqual(fs.readFileSync(target), body);
      t.is(origin.log[0].headers.cookie, secret);
      t.is(cdn.log[0].headers.cookie, undefined);
    });
  });
});

test('an abort stops the download without retrying', async (t) => {
  await withServer({ body, plan: [{ stall: 1000 }] }, async (s) => {
    const dir = tmp();
    const ac = new AbortController();
    const o = fast({ signal: ac.signal, stallMs: 60_000, onProgress: () => ac.abort(new Error('cancelled by user')) });
    const err = await t.throwsAsync(download(s.url, path.join(dir, 'f.sav'), o));
    t.is(err?.message, 'cancelled by user');
    t.is(s.log.length, 1);
    t.deepEqual(fs.readdirSync(dir), []);
  });
});
