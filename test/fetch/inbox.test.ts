import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findInboxFile, inboxNamePattern, missingInboxFileMessage, pewDatasetPage } from '../../survey/inbox.js';
import { tmp } from '../helpers/files.js';

const fixture = (name: string) => path.join('test', 'fixtures', 'net', name);

/** An inbox holding empty files with the given relative names (or copies of fixtures). */
function inbox(files: Record<string, string | null>): string {
  const dir = tmp('inbox-');
  for (const [rel, from] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    if (from) fs.copyFileSync(fixture(from), path.join(dir, rel));
    else fs.writeFileSync(path.join(dir, rel), '');
  }
  return dir;
}

test('the name pattern forgives case and separators but not a longer wave number', (t) => {
  const p = inboxNamePattern('ATP W92');
  for (const yes of ['ATP W92.sav', 'atp w92.sav', 'ATP_W92.sav', 'ATPW92.zsav', 'ATP-W92.zip', 'ATP  W92 (1).sav', 'Pew ATP W92 Dec21.zip', 'ATP W92_Dec21.sav', 'ATP.W92.sav']) {
    t.true(p.test(yes), yes);
  }
  for (const no of ['ATP W920.sav', 'ATP W9.sav', 'ATP W192.sav', 'XATP W92.sav', 'ATP W 93.sav', 'ATP2 W92.sav', 'GSS2022.sav']) {
    t.false(p.test(no), no);
  }
  t.true(inboxNamePattern('GSS2022').test('gss_2022.sav'));
  t.false(inboxNamePattern('GSS2022').test('GSS20221.sav'));
});

test('finds the data file by a forgiving name, skipping other extensions and longer numbers', async (t) => {
  const dir = inbox({ 'atp_w92.SAV': null, 'ATP W920.sav': null, 'ATP W92 questionnaire.pdf': null, 'ATP W92.sav.crdownload': null });
  t.deepEqual(await findInboxFile(dir, 'ATP W92', 'ATP_W92'), { file: 'atp_w92.SAV' });
});

test('a data file wins over its zip; files one folder down count', async (t) => {
  const dir = inbox({ 'ATP W92.zip': 'pew-w92.zip', 'W92_Dec21/ATP W92.sav': null });
  t.deepEqual(await findInboxFile(dir, 'ATP W92', 'ATP_W92'), { file: 'W92_Dec21/ATP W92.sav' });
});

test('a zip named after the wave is found', async (t) => {
  const dir = inbox({ 'ATP_W92.zip': 'pew-w92.zip', 'ATP W93.zip': 'slip.zip' });
  t.deepEqual(await findInboxFile(dir, 'ATP W92', 'ATP_W92'), { file: 'ATP_W92.zip' });
});

test('a zip named otherwise is found by the member it holds', async (t) => {
  const dir = inbox({ 'W92_Dec21.zip': 'pew-w92.zip', 'GSS.zip': 'two-waves.zip' });
  t.deepEqual(await findInboxFile(dir, 'ATP W92', 'ATP_W92'), { file: 'W92_Dec21.zip', member: 'W92_Dec21/ATP W92.sav' });
});

test('hidden files and macOS shadows are ignored', async (t) => {
  const dir = inbox({ '._ATP W92.sav': null, '.ATP W92.sav': null, '__MACOSX/ATP W92.sav': null });
  t.is(await findInboxFile(dir, 'ATP W92', 'ATP_W92'), undefined);
});

test('several equally good candidates are an error that lists them', async (t) => {
  const dir = inbox({ 'ATP W92.sav': null, 'ATP W92 (1).sav': null });
  const err = await t.throwsAsync(findInboxFile(dir, 'ATP W92', 'ATP_W92'));
  t.is(err?.message, `ATP_W92: several files in the inbox ${dir} match "ATP W92": "ATP W92 (1).sav", "ATP W92.sav"; keep one`);
});

test('a missing inbox folder is simply no match', async (t) => {
  t.is(await findInboxFile(path.join(os.tmpdir(), 'no-such-inbox-folder'), 'ATP W92', 'ATP_W92'), undefined);
});

test("the missing-file message names the file, Pew's dataset page and the folder", (t) => {
  const msg = missingInboxFileMessage({ wave: 'ATP_W92', name: 'ATP W92', format: 'sav', inbox: 'data/inbox', inboxPath: '/proj/data/inbox' });
  t.is(
    msg,
    [
      'ATP_W92: "ATP W92.sav" is not in the inbox data/inbox (nothing there matches "ATP W92"). To get it:',
      '  1. open https://www.pewresearch.org/dataset/american-trends-panel-wave-92/ and sign in (a free Pew Research Center account)',
      '  2. download the SPSS dataset (a .zip that holds "ATP W92.sav")',
      '  3. put the .zip, or the "ATP W92.sav" inside it, into /proj/data/inbox/',
      'then run again.',
    ].join('\n'),
  );
});

test('a wave without a known page still says what to put where', (t) => {
  t.is(pewDatasetPage('GSS_2022'), undefined);
  t.is(
    missingInboxFileMessage({ wave: 'GSS_2022', name: 'GSS2022', format: 'sav', inbox: 'data/inbox', inboxPath: '/proj/data/inbox' }),
    'GSS_2022: "GSS2022.sav" is not in the inbox data/inbox (nothing there matches "GSS2022"). To get it:\n  download "GSS2022.sav" (or a .zip that holds it) and put it into /proj/data/inbox/\nthen run again.',
  );
});
