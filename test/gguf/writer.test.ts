import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { encodeTensor, toHalfBits } from '../../lm/gguf/quantize.js';
import { gguf, writeGguf, type GgufContents } from '../../lm/gguf/writer.js';
import { scratch } from '../helpers/files.js';

// test/fixtures/gguf/make_reference.py wrote reference.gguf with llama.cpp's gguf-py.
const reference = path.resolve('test/fixtures/gguf/reference.gguf');

async function referenceInput(): Promise<Float32Array> {
  const info = await readGgufFileInfo(reference, { logWarnings: false });
  const input = info.tensorInfo!.find((t) => t.name === 'input')!;
  const bytes = fs.readFileSync(reference).subarray(Number(input.fileOffset), Number(input.fileOffset) + 256 * 4);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

const contents = (x: Float32Array): { plan: GgufContents; data: Uint8Array[] } => {
  const shape = [4, 64];
  const tensors = [
    { name: 'input', shape, type: 'F32' as const, data: encodeTensor(x, shape, 'F32') },
    { name: 'norm', shape: [5], type: 'F32' as const, data: encodeTensor(Float32Array.from([0, 1, 2, 3, 4]), [5], 'F32') },
    { name: 'half', shape, type: 'F16' as const, data: encodeTensor(x, shape, 'F16') },
    { name: 'q8_0', shape, type: 'Q8_0' as const, data: encodeTensor(x, shape, 'Q8_0') },
    { name: 'q4_0', shape, type: 'Q4_0' as const, data: encodeTensor(x, shape, 'Q4_0') },
  ];
  return {
    plan: {
      metadata: [
        ['general.architecture', gguf.str('llama')],
        ['test.string', gguf.str('naïve ▁tokens')],
        ['test.u8', { type: 'UINT8', value: 200 }],
        ['test.i8', { type: 'INT8', value: -100 }],
        ['test.u16', { type: 'UINT16', value: 60000 }],
        ['test.i16', { type: 'INT16', value: -30000 }],
        ['test.u32', gguf.u32(4000000000)],
        ['test.i32', gguf.i32(-2000000000)],
        ['test.f32', gguf.f32(0.1)],
        ['test.u64', { type: 'UINT64', value: 2 ** 40 + 3 }],
        ['test.i64', { type: 'INT64', value: -(2 ** 40) }],
        ['test.f64', { type: 'FLOAT64', value: 0.1 }],
        ['test.bool', gguf.bool(true)],
        ['test.strings', gguf.strings(['<s>', '▁A', '', 'é'])],
        ['test.i32s', gguf.array('INT32', [1, -2, 3])],
        ['test.f32s', gguf.array('FLOAT32', [-1000, 0.5])],
      ],
      tensors: tensors.map(({ name, shape, type }) => ({ name, shape, type })),
    },
    data: tensors.map((t) => t.data),
  };
};

test('the writer reproduces gguf-py byte for byte: metadata of every type, F32, F16, Q8_0 and Q4_0 tensors', async (t) => {
  const x = await referenceInput();
  const { plan, data } = contents(x);
  const out = path.join(scratch(t, 'gguf-'), 'out.gguf');
  // Data in uneven pieces, as a converter streams it.
  await writeGguf(out, plan, (_, i) => [data[i]!.subarray(0, 7), data[i]!.subarray(7)]);
  t.deepEqual(fs.readFileSync(out), fs.readFileSync(reference));
});

test('half-precision rounding: to nearest even, subnormals, overflow to infinity', (t) => {
  t.is(toHalfBits(1), 0x3c00);
  t.is(toHalfBits(-2), 0xc000);
  t.is(toHalfBits(65504), 0x7bff);
  t.is(toHalfBits(65520), 0x7c00); // halfway to the next binade rounds up to inf
  t.is(toHalfBits(1 + 2 ** -11), 0x3c00); // tie, even stays
  t.is(toHalfBits(1 + 3 * 2 ** -11), 0x3c02); // tie, odd rounds up
  t.is(toHalfBits(2 ** -24), 0x0001);
  t.is(toHalfBits(2 ** -25), 0x0000);
  t.is(toHalfBits(1.5 * 2 ** -24), 0x0002);
  t.is(toHalfBits(-0), 0x8000);
  t.is(toHalfBits(Infinity), 0x7c00);
  t.is(toHalfBits(NaN) & 0x7e00, 0x7e00);
});

test('a tensor whose data falls short or runs over is an error naming the file and tensor, and no file appears', async (t) => {
  const dir = scratch(t, 'gguf-');
  const out = path.join(dir, 'bad.gguf');
  const plan: GgufContents = { metadata: [['general.architecture', gguf.str('llama')]], tensors: [{ name: 'w', shape: [2, 32], type: 'Q8_0' }] };
  await t.throwsAsync(writeGguf(out, plan, () => [new Uint8Array(67)]), { message: `${out}: tensor "w" (Q8_0 [2,32]) needs 68 bytes of data, got 67` });
  await t.throwsAsync(writeGguf(out, plan, () => [new Uint8Array(60), new Uint8Array(60)]), { message: /needs 68 bytes of data, got 120/ });
  t.deepEqual(fs.readdirSync(dir), []);
  t.throws(() => encodeTensor(new Float32Array(48), [48], 'Q4_0'), { message: 'a Q4_0 tensor needs rows of a multiple of 32 values, got [48]' });
});

test('node-llama-cpp reads the written metadata and tensor infos back', async (t) => {
  const x = await referenceInput();
  const { plan, data } = contents(x);
  const out = path.join(scratch(t, 'gguf-'), 'out.gguf');
  await writeGguf(out, plan, (_, i) => [data[i]!]);
  const info = await readGgufFileInfo(out, { logWarnings: false });
  t.is(info.version, 3);
  const meta = info.metadata as unknown as { test: Record<string, unknown>; general: { architecture: string } };
  t.is(meta.general.architecture, 'llama');
  t.is(meta.test.string, 'naïve ▁tokens');
  t.deepEqual(meta.test.strings, ['<s>', '▁A', '', 'é']);
  t.deepEqual(meta.test.i32s, [1, -2, 3]);
  t.deepEqual(
    info.tensorInfo!.map((ti) => [ti.name, ti.dimensions.map(Number), ti.ggmlType]),
    [['input', [64, 4], 0], ['norm', [5], 0], ['half', [64, 4], 1], ['q8_0', [64, 4], 8], ['q4_0', [64, 4], 2]],
  );
});
