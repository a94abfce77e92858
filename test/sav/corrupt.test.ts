import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { SavError } from '../../formats/sav/errors.js';
import { openSav } from '../../formats/sav/reader.js';
import { fixture } from './helpers.js';
import { tmp } from '../helpers/files.js';

// Thousands of small files are written: use memory-backed /dev/shm where there is one.
const dir = tmp('sav-corrupt-', fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir());

/** Reads every case of `bytes` (written to a file); returns the error, or null when the file read cleanly. */
async function readAll(bytes: Buffer, name: string): Promise<unknown> {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  try {
    const sav = await openSav(file);
    try {
      for await (const _ of sav.batches({ batchSize: 7 }));
    } finally {
      await sav.close();
    }
    return null;
  } catch (err) {
    return err;
  }
}

function assertCleanError(t: import('ava').ExecutionContext, err: unknown, file: string, what: string): SavError {
  if (!(err instanceof SavError)) {
    t.fail(`${what}: expected a SavError, got ${err instanceof Error ? err.stack : String(err)}`);
    throw err;
  }
  if (!err.message.startsWith(`${path.join(dir, file)}: byte ${err.offset}: `) || !(err.offset >= 0)) {
    t.fail(`${what}: message does not name the file and offset: ${err.message}`);
  }
  return err;
}

/** Offsets to cut or damage: every byte of the first 600 (the header and the first records), then every
 * `step`-th byte (a step prime to 8, so that offsets fall on every position within the 8-byte elements). */
function offsets(size: number, step: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < size; i += i < 600 ? 1 : step) out.push(i);
  return out;
}

for (const name of ['atp.sav', 'atp-uncompressed.sav', 'atp.zsav', 'atp-be.sav']) {
  test(`${name}: every truncation is a clean error naming the file and offset`, async (t) => {
    const bytes = fs.readFileSync(fixture(name));
    const sav = await openSav(fixture(name));
    const dataOffset = sav.dictionary.dataOffset;
    await sav.close();
    for (const cut of offsets(bytes.length, 17)) {
      const err = assertCleanError(t, await readAll(bytes.subarray(0, cut), `cut-${name}`), `cut-${name}`, `cut at ${cut}`);
      if (cut > dataOffset + 24 && !name.endsWith('.zsav') && !/partial case|ends after \d+ cases/.test(err.message)) {
        t.fail(`cut at ${cut} in the data: ${err.message}`);
      }
    }
    t.pass();
  });

  test(`${name}: damaged bytes give a clean error or a clean read, never a crash`, async (t) => {
    const bytes = fs.readFileSync(fixture(name));
    let errors = 0;
    for (const at of offsets(bytes.length, 13)) {
      const damaged = Buffer.from(bytes);
      const mask = at % 2 ? 0x01 : 0xff; // a flipped low bit (an off-by-one count) or a whole flipped byte
      damaged[at] ^= mask;
      const err = await readAll(damaged, `flip-${name}`);
      if (err !== null) {
        assertCleanError(t, err, `flip-${name}`, `byte ${at} ^ ${mask}`);
        errors++;
      }
    }
    t.true(errors > 100, `only ${errors} damaged copies were rejected`);
  });
}

test('a file that is not a system file is rejected at byte 0', async (t) => {
  const err = assertCleanError(t, await readAll(Buffer.from('id,name\n'.repeat(40)), 'text.sav'), 'text.sav', 'text');
  t.is(err.offset, 0);
  t.regex(err.message, /not an SPSS system file/);
  const short = assertCleanError(t, await readAll(Buffer.from('$FL2'), 'short.sav'), 'short.sav', 'short');
  t.regex(short.message, /file ends inside the file header/);
});

test('a truncated case reports the partial case and its position', async (t) => {
  const bytes = fs.readFileSync(fixture('atp-uncompressed.sav'));
  const sav = await openSav(fixture('atp-uncompressed.sav'));
  const { dataOffset, caseElements } = sav.dictionary;
  await sav.close();
  const cut = dataOffset + caseElements * 8 * 3 + 80; // 3 whole cases, then 10 of the 4th case's elements
  const err = assertCleanError(t, await readAll(bytes.subarray(0, cut), 'partial.sav'), 'partial.sav', 'partial');
  t.is(err.offset, cut);
  t.regex(err.message, new RegExp(`partial case \\(case 4 has 10 of ${caseElements} values\\)`));
});
