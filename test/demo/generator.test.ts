/** The generator is deterministic, and through PSPP it writes byte-identical, readable system files. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { buildDemo, writeDemo, type DemoOptions } from '../../demo/generate.js';
import { fixedCreation, headerLayout, psppAvailable, stampHeader, type Dataset } from '../../demo/sav.js';
import { readSavTable } from './read.js';
import { tmp } from '../helpers/files.js';

const small: DemoOptions = { seed: 7, panel: 240, gss: 150, reference: 400 };
const dir = tmp('demo-generator-');

const values = (files: Map<string, Dataset>, file: string, variable: string) =>
  files.get(file)!.variables.find((v) => v.name === variable)!.values;

test('the same seed gives the same data; another seed gives other data', (t) => {
  const a = buildDemo(small);
  const b = buildDemo(small);
  t.deepEqual([...a.keys()], ['atp/ATP W901.sav', 'atp/ATP W902.sav', 'atp/ATP W903.sav', 'atp/ATP W904.sav',
    'atp/ATP W905.sav', 'atp/ATP W906.sav', 'gss/GSS_DEMO.sav', 'anes/ATP W996.sav']);
  t.deepEqual(a, b);
  const c = buildDemo({ ...small, seed: 8 });
  t.notDeepEqual(values(a, 'atp/ATP W901.sav', 'SATIS_W901'), values(c, 'atp/ATP W901.sav', 'SATIS_W901'));
  t.notDeepEqual(values(a, 'gss/GSS_DEMO.sav', 'natenvir'), values(c, 'gss/GSS_DEMO.sav', 'natenvir'));
  // The ANES wave is real data: the seed does not touch it.
  t.deepEqual(a.get('anes/ATP W996.sav'), c.get('anes/ATP W996.sav'));
});

const pspp = psppAvailable();

(pspp ? test : test.skip)(`PSPP output is byte-identical across runs, stamped with the fixed creation time, and reads back as generated${
  pspp ? '' : ' (skipped: pspp is not installed)'}`, async (t) => {
  const first = await writeDemo(path.join(dir, 'a'), small);
  const second = await writeDemo(path.join(dir, 'b'), small);
  t.is(first.length, 8);
  t.deepEqual(first.map((f) => f.sha256), second.map((f) => f.sha256));
  for (const f of first) {
    const bytes = fs.readFileSync(f.path);
    t.is(crypto.createHash('sha256').update(bytes).digest('hex'), f.sha256);
    t.is(bytes.toString('latin1', headerLayout.creationDate, headerLayout.creationDate + 9), fixedCreation.date, f.path);
    t.is(bytes.toString('latin1', headerLayout.creationTime, headerLayout.creationTime + 8), fixedCreation.time, f.path);
  }
  // Every value of every variable survives the trip through PSPP (system-missing as NaN).
  const memory = buildDemo(small);
  for (const rel of ['atp/ATP W903.sav', 'gss/GSS_DEMO.sav']) {
    const file = await readSavTable(path.join(dir, 'a', rel));
    const ds = memory.get(rel)!;
    t.deepEqual(file.variables.map((v) => v.name), ds.variables.map((v) => v.name), rel);
    for (const v of ds.variables) {
      t.deepEqual(Array.from(file.values(v.name)), v.values.map((x) => x ?? NaN), `${rel} ${v.name}`);
      t.is(file.variable(v.name).label, v.label ?? null, `${rel} ${v.name} label`);
      t.deepEqual(file.variable(v.name).valueLabels, (v.valueLabels ?? []).map(([value, label]) => ({ value, label })), `${rel} ${v.name} value labels`);
    }
  }
});

test('stampHeader rejects a file that is not a system file, naming it and the byte', (t) => {
  t.throws(() => stampHeader(Buffer.from('PK\u0003\u0004 not a sav file'), 'x.zip'), { message: 'x.zip: byte 0: not an SPSS system file ("PK\\u0003\\u0004")' });
  t.throws(() => stampHeader(Buffer.from('$FL2 short'), 'y.sav'), { message: 'y.sav: byte 10: header truncated' });
});
