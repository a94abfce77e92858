import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { readJson, readJsonl } from '../../lib/json-files.js';
import { tmp } from '../helpers/files.js';

test('readJsonl checks every line and names file:line; the final newline is optional', (t) => {
  const dir = tmp('lib-jsonl-');
  const file = path.join(dir, 'losses.jsonl');
  fs.writeFileSync(file, '{"epoch": 1, "step": 1, "loss": 0.5, "lr": 0.001}\n{"epoch": 1, "step": 1, "val_loss": 0.4}');
  t.deepEqual(readJsonl(file, 'adapter-losses'), [{ epoch: 1, step: 1, loss: 0.5, lr: 0.001 }, { epoch: 1, step: 1, val_loss: 0.4 }]);

  fs.writeFileSync(file, '{"epoch": 1, "step": 1, "loss": 0.5, "lr": 0.001}\n{"epoch": 1,\n');
  t.throws(() => readJsonl(file, 'adapter-losses'), { message: new RegExp(`^${file}:2: `) });
  // A check of one's own gets the parsed value and the place.
  const seen: string[] = [];
  fs.writeFileSync(file, '1\n2\n');
  t.deepEqual(readJsonl(file, (data, where) => (seen.push(where), Number(data) * 10)), [10, 20]);
  t.deepEqual(seen, [`${file}:1`, `${file}:2`]);
  t.throws(() => readJsonl(path.join(dir, 'none.jsonl'), 'adapter-losses'), { message: new RegExp(`^${dir}/none.jsonl: cannot read \\(ENOENT`) });
});

test('readJson validates the whole document against its schema, naming the file', (t) => {
  const file = path.join(tmp('lib-json-'), 'metrics.json');
  fs.writeFileSync(file, '{"bootstrap": {"samples": 10, "seed": 1}, "sets": [], "extra": 1}');
  t.throws(() => readJson(file, 'bounds-metrics'), { message: `${file}: unknown key "extra" in (top level)` });
  fs.writeFileSync(file, '{"bootstrap": ');
  t.throws(() => readJson(file, 'bounds-metrics'), { message: new RegExp(`^${file}: .*JSON`) });
});
