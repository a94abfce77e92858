import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { redact, sha256File, sha256Mismatch } from '../../net/verify.js';
import { DownloadError } from '../../net/download.js';
import { testBytes } from './server.js';
import { tmp } from '../helpers/files.js';

test('sha256File agrees with coreutils sha256sum', async (t) => {
  const file = path.join(tmp('net-verify-'), 'x.bin');
  fs.writeFileSync(file, testBytes(200_001));
  const expected = execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0];
  t.deepEqual(await sha256File(file), { sha256: expected, size: 200_001 });
});

test('the mismatch message names the label, the object, the expected and the actual hash', (t) => {
  t.is(sha256Mismatch('GSS_2022', 'GSS2022.sav', 'a'.repeat(64), 'b'.repeat(64)).message, `GSS_2022: sha256 mismatch for GSS2022.sav: expected ${'a'.repeat(64)}, actual ${'b'.repeat(64)}`);
});

test('redact replaces secrets in message and stack, drops the cause and keeps the class', (t) => {
  const err = new DownloadError('GSS_2022: HTTP 403 for token abc123xyz', false);
  (err as { cause?: unknown }).cause = new Error('abc123xyz');
  const clean = redact(err, ['abc123xyz', '']);
  t.is(clean, err);
  t.true(clean instanceof DownloadError);
  t.is((clean as DownloadError).retriable, false);
  t.is(clean.message, 'GSS_2022: HTTP 403 for token [redacted]');
  t.false(String(clean.stack).includes('abc123xyz'));
  t.is((clean as { cause?: unknown }).cause, undefined);
  t.is(redact(err, ['not-in-it']), err);
});
