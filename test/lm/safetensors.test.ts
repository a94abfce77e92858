import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { SafetensorsFile, WeightStore, encodeSafetensors, writeSafetensors } from '../../lm/safetensors.js';
import { tmp } from '../helpers/files.js';

const fixtures = path.resolve('test/fixtures/lm');

test('bf16, f16 and f32 files written by PyTorch widen to the same kind of f32 values', (t) => {
  const bf16 = WeightStore.open(path.join(fixtures, 'llama-bf16'));
  t.is(bf16.info('model.norm.weight')?.dtype, 'BF16');
  const norm = bf16.read('model.norm.weight');
  t.deepEqual(norm.shape, [32]);
  // Norm weights were drawn as 1 + 0.1·N(0,1): bf16 keeps 7 explicit mantissa bits, so values in [0.5, 2) are multiples of 2^-8.
  for (const v of norm.data) {
    t.true(v > 0.5 && v < 2);
    t.is(Math.round(v * 256), v * 256);
  }
  const f16 = WeightStore.open(path.join(fixtures, 'mistral-sharded'));
  t.is(f16.info('model.embed_tokens.weight')?.dtype, 'F16');
});

test('sharded checkpoints resolve every tensor through the index', (t) => {
  const store = WeightStore.open(path.join(fixtures, 'mistral-sharded'));
  const index = JSON.parse(fs.readFileSync(path.join(fixtures, 'mistral-sharded/model.safetensors.index.json'), 'utf8'));
  t.deepEqual(store.names().sort(), Object.keys(index.weight_map).sort());
  t.is(new Set(Object.values(index.weight_map)).size, 2);
  t.deepEqual(store.read('model.layers.1.self_attn.k_proj.weight').shape, [16, 32]);
});

test('write then read gives the same tensors; bytes are independent of input order', (t) => {
  const a = { name: 'b.weight', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-30, -7]) };
  const b = { name: 'a.bias', shape: [1], data: Float32Array.from([42]) };
  const bytes = encodeSafetensors([a, b], { format: 'pt' });
  t.deepEqual(bytes, encodeSafetensors([b, a], { format: 'pt' }));
  t.is(Number(bytes.readBigUInt64LE(0)) % 8, 0, 'header padded to 8 bytes');
  const dir = tmp();
  writeSafetensors(path.join(dir, 'x.safetensors'), [a, b], { format: 'pt' });
  const st = SafetensorsFile.open(path.join(dir, 'x.safetensors'));
  t.deepEqual(st.metadata, { format: 'pt' });
  t.deepEqual(st.read('b.weight'), { shape: [2, 3], data: a.data });
  t.deepEqual(st.read('a.bias').data, b.data);
});

test('a truncated file is an error naming the file and the tensor', (t) => {
  const dir = tmp();
  const file = path.join(dir, 'model.safetensors');
  const bytes = encodeSafetensors([{ name: 'w', shape: [4], data: new Float32Array(4) }]);
  fs.writeFileSync(file, bytes.subarray(0, bytes.length - 4));
  t.throws(() => SafetensorsFile.open(file), { message: new RegExp(`${file}: tensor "w": data_offsets \\[0, 16\\]`) });
});

test('a header that is not JSON or too long is an error naming the byte offset', (t) => {
  const dir = tmp();
  const file = path.join(dir, 'bad.safetensors');
  const buf = Buffer.alloc(16);
  buf.writeBigUInt64LE(8n, 0);
  buf.write('{nope!!}', 8);
  fs.writeFileSync(file, buf);
  t.throws(() => SafetensorsFile.open(file), { message: new RegExp(`${file}: byte 8: header is not JSON`) });
  buf.writeBigUInt64LE(1000n, 0);
  fs.writeFileSync(file, buf);
  t.throws(() => SafetensorsFile.open(file), { message: new RegExp(`${file}: byte 0: header length 1000 exceeds`) });
});

test('a directory without weights says which files it looked for', (t) => {
  const dir = tmp();
  t.throws(() => WeightStore.open(dir), { message: `${dir}: no model.safetensors or model.safetensors.index.json` });
});

test('f64 tensors (optimizer moments in checkpoints) round-trip bit for bit and are refused as weights', (t) => {
  const m = { name: 'adam.m.0', shape: [2, 2], data: Float64Array.from([0.1, -1e-300, Number.MIN_VALUE, 1 / 3]) };
  const w = { name: 'params.0', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) };
  const file = path.join(tmp(), 'state.safetensors');
  writeSafetensors(file, [m, w]);
  const bytes = fs.readFileSync(file);
  const header = JSON.parse(bytes.toString('utf8', 8, 8 + Number(bytes.readBigUInt64LE(0))));
  // Name order: adam.m.0 (32 bytes of f64) first, then params.0 (16 bytes of f32).
  t.deepEqual(header['adam.m.0'], { dtype: 'F64', shape: [2, 2], data_offsets: [0, 32] });
  t.deepEqual(header['params.0'], { dtype: 'F32', shape: [2, 2], data_offsets: [32, 48] });
  const st = SafetensorsFile.open(file);
  t.deepEqual([...st.readFloat64('adam.m.0')], [...m.data]);
  t.deepEqual([...st.read('params.0').data], [1, 2, 3, 4]);
  t.throws(() => st.read('adam.m.0'), { message: /tensor "adam\.m\.0" has dtype F64; weights must be F32, F16 or BF16/ });
  t.throws(() => st.readFloat64('params.0'), { message: /tensor "params\.0" has dtype F32, not F64/ });
});
