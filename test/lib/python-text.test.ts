import test from 'ava';
import { parseCsv } from '../../lib/csv.js';
import { parsePythonStringList, pyStrip } from '../../lib/python-text.js';

test('Python list literals as str(list) writes them', (t) => {
  t.deepEqual(parsePythonStringList(`['Less than high school', "Associate's degree", 'a\\'b', '\\u00e9\\x41\\n']`, 'f'), [
    'Less than high school',
    "Associate's degree",
    "a'b",
    'éA\n',
  ]);
  t.deepEqual(parsePythonStringList(' [ ] ', 'f'), []);
  t.deepEqual(parsePythonStringList("['x',]", 'f'), ['x']);
});

test('malformed lists name the place and the offset', (t) => {
  t.throws(() => parsePythonStringList("['a' 'b']", 'demo.csv:3: group'), { message: /^demo\.csv:3: group: offset 5: expected "," or "\]"/ });
  t.throws(() => parsePythonStringList("['a', 'b", 'x'), { message: /^x: offset 8: unterminated string/ });
  t.throws(() => parsePythonStringList("['a', 3]", 'x'), { message: /^x: offset 6: expected a quoted string/ });
  t.throws(() => parsePythonStringList("['a'] tail", 'x'), { message: /^x: offset 6: unexpected text after/ });
  t.throws(() => parsePythonStringList('"a"', 'x'), { message: /^x: offset 0: expected "\["/ });
});

test('pyStrip strips what Python str.strip strips', (t) => {
  t.is(pyStrip('\u0085\u001c\u3000 a b \u00a0\u2028'), 'a b');
  t.is(pyStrip('\ufeffa\ufeff'), '\ufeffa\ufeff');
});

test('CSV records with quoted fields, doubled quotes and line numbers', (t) => {
  const text = 'attribute,group\r\nEDUCATION,"[\'High school\', ""Associate\'s degree""]"\r\nNOTE,"two\nlines"\nX,\n';
  t.deepEqual(parseCsv(text, 'f.csv'), [
    { line: 2, fields: { attribute: 'EDUCATION', group: `['High school', "Associate's degree"]` } },
    { line: 3, fields: { attribute: 'NOTE', group: 'two\nlines' } },
    { line: 5, fields: { attribute: 'X', group: '' } },
  ]);
  t.throws(() => parseCsv('a,b\n1,2,3\n', 'f.csv'), { message: 'f.csv:2: 3 fields where the header has 2' });
  t.throws(() => parseCsv('a,b\n"1,2\n', 'f.csv'), { message: 'f.csv:2: unterminated quoted field' });
  t.throws(() => parseCsv('a\n"1"x\n', 'f.csv'), { message: 'f.csv:2: text after a closing quote' });
});
