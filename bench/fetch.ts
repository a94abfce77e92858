/**
 * Download and unpack speed on this machine: `npx tsx bench/fetch.ts [MB]` (default 256).
 *
 * A child process serves an SPSS-like file (8-byte doubles of small codes, as in an uncompressed .sav) on
 * 127.0.0.1; we time download() clean and with three dropped connections (resumed with Range), curl on the
 * same URL as a reference, extractMember() on a zip of the file made by Info-ZIP `zip -1` against
 * `unzip -p | sha256sum`, and the inbox search over 53 Pew-like archives.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { download } from '../net/download.js';
import { extractMember } from '../net/zip.js';
import { findInboxFile } from '../survey/inbox.js';
import { fileServer, type Behaviour } from '../test/net/server.js';

function spssLike(bytes: number): Buffer {
  const codes = new Float64Array(Math.floor(bytes / 8));
  let x = 12345;
  for (let i = 0; i < codes.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    codes[i] = x % 17 === 0 ? 99 : 1 + ((x >>> 16) % 5);
  }
  return Buffer.from(codes.buffer);
}

if (process.argv[2] === '--serve') {
  const plan = JSON.parse(process.argv[4]) as Behaviour[];
  const s = await fileServer({ body: fs.readFileSync(process.argv[3]), etag: '"bench"', plan });
  process.stdout.write(`${s.url}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void s.close().then(() => process.exit(0)));
} else {
  const mb = Number(process.argv[2] ?? 256);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-fetch-'));
  const src = path.join(dir, 'ATP W92.sav');
  fs.writeFileSync(src, spssLike(mb * 1e6));
  const size = fs.statSync(src).size;
  const rate = (ms: number) => `${((size / 1e6 / ms) * 1000).toFixed(0)} MB/s`;
  const time = async (f: () => Promise<unknown> | unknown) => {
    const t = performance.now();
    await f();
    return performance.now() - t;
  };
  const serve = async (plan: Behaviour[]) => {
    const child = spawn(process.execPath, [...process.execArgv, new URL(import.meta.url).pathname, '--serve', src, JSON.stringify(plan)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const url = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
    return { url, stop: () => child.stdin.end() };
  };
  const row = (what: string, ms: number, extra = '') => console.log(`${what.padEnd(44)} ${(ms / 1000).toFixed(2).padStart(6)} s  ${rate(ms).padStart(9)}${extra}`);
  console.log(`${(size / 1e6).toFixed(0)} MB, ${os.cpus().length} cores, node ${process.version}`);

  const hashOnly = await time(() => execFileSync('sha256sum', [src]));
  row('sha256sum of the file (hash ceiling)', hashOnly);

  let s = await serve([]);
  row('curl -o (reference, no hash)', await time(() => execFileSync('curl', ['-s', '-o', path.join(dir, 'curl.sav'), s.url])));
  row('download() clean, sha256 verified', await time(() => download(s.url, path.join(dir, 'a.sav'))));
  s.stop();

  const drops: Behaviour[] = [{ drop: size / 4 }, { drop: size / 4 }, { drop: size / 4 }];
  s = await serve(drops);
  row('download() with 3 drops, resumed by Range', await time(() => download(s.url, path.join(dir, 'b.sav'), { retry: { baseMs: 10 } })));
  s.stop();

  const zip = path.join(dir, 'W92_Dec21.zip');
  const zipMs = await time(() => execFileSync('zip', ['-1', '-q', '-j', zip, src]));
  row('zip -1 (making the archive)', zipMs, `  ${(fs.statSync(zip).size / 1e6).toFixed(1)} MB archive`);
  row('unzip -p | sha256sum (reference)', await time(() => execFileSync('sh', ['-c', `unzip -p '${zip}' 'ATP W92.sav' | sha256sum`])));
  row('extractMember(), sha256 computed', await time(() => extractMember(zip, 'ATP W92.sav', path.join(dir, 'c.sav'), { label: 'ATP_W92' })));

  const inbox = path.join(dir, 'inbox');
  fs.mkdirSync(inbox);
  const small = path.join(dir, 'small.sav');
  fs.writeFileSync(small, spssLike(1e5));
  for (let w = 68; w <= 131; w++) if (w !== 82 && w % 7 !== 0) execFileSync('zip', ['-q', '-j', path.join(inbox, `W${w}_2021.zip`), small]);
  const n = fs.readdirSync(inbox).length;
  const scan = await time(() => findInboxFile(inbox, 'ATP W92', 'ATP_W92'));
  console.log(`${`findInboxFile, no match among ${n} zips`.padEnd(44)} ${(scan / 1000).toFixed(3)} s`);
  fs.rmSync(dir, { recursive: true, force: true });
}
