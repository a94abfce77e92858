import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { validate } from '../../lib/schema.js';
import { ParseCache } from '../../runner/parse-cache.js';
import { tmp } from '../helpers/files.js';

test('parsed values persist as JSON keyed by the text, and values JSON cannot carry are parsed every time', async (t) => {
  const file = path.join(tmp('pipe-parsed-'), 'parsed.json');
  const first = new ParseCache(file);
  let parses = 0;
  const parse = (value: unknown) => async () => {
    parses += 1;
    return value;
  };
  t.deepEqual(await first.get('lock', 'text a', parse({ stages: { a: { params: { seed: 1 } } } })), { stages: { a: { params: { seed: 1 } } } });
  t.is(await first.get('yaml', 'text b', parse({ x: Infinity })).then((v) => (v as { x: number }).x), Infinity);
  first.save();
  validate('pipe-parse-cache', JSON.parse(fs.readFileSync(file, 'utf8')), file);

  const second = new ParseCache(file);
  t.deepEqual(await second.get('lock', 'text a', parse('never')), { stages: { a: { params: { seed: 1 } } } });
  t.is(await second.get('yaml', 'text b', parse({ x: -Infinity })).then((v) => (v as { x: number }).x), -Infinity, 'not stored, parsed again');
  t.is(parses, 3);

  fs.writeFileSync(file, '[["lock:');
  t.is(await new ParseCache(file).get('lock', 'text a', parse('re-parsed')), 're-parsed', 'a damaged file only costs parsing');
});
