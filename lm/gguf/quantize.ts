/**
 * Encoding f32 values as ggml tensor data: F32, F16 and the block quantisations Q8_0 and Q4_0, bit for bit as
 * ggml's reference quantisers (quantize_row_q8_0_ref, quantize_row_q4_0_ref in ggml-quants.c) compute them.
 * The C code works in single precision; Math.fround after each operation reproduces that, since one IEEE
 * operation on floats done in double and rounded to float gives the correctly rounded float result.
 */
import { TENSOR_TYPES, tensorBytes, type TensorType } from './format.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half-precision bits of `x`, rounded to nearest even (what F16C's vcvtps2ph and numpy do). */
export function toHalfBits(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0); // Inf, NaN (quiet)
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflows to ±0
    // Subnormal: shift the full significand (with its implicit 1) and round to nearest even.
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    let h = m >>> shift;
    if (rest > half || (rest === half && (h & 1) === 1)) h += 1;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h += 1; // a carry into the exponent is still correct
  return sign | h;
}

/** roundf: half away from zero. */
const roundf = (x: number): number => Math.sign(x) * Math.floor(Math.abs(x) + 0.5);

function quantizeQ8_0(x: Float32Array, out: Uint8Array): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let b = 0, o = 0; b < x.length; b += 32, o += 34) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b + j]!));
    const d = Math.fround(amax / 127);
    const id = d ? Math.fround(1 / d) : 0;
    view.setUint16(o, toHalfBits(d), true);
    for (let j = 0; j < 32; j++) view.setInt8(o + 2 + j, roundf(Math.fround(x[b + j]! * id)));
  }
}

function quantizeQ4_0(x: Float32Array, out: Uint8Array): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let b = 0, o = 0; b < x.length; b += 32, o += 18) {
    // The value of largest magnitude (the first one on ties) maps to code 0, i.e. −8·d.
    let amax = 0;
    let max = 0;
    for (let j = 0; j < 32; j++) {
      const v = x[b + j]!;
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = Math.fround(max / -8);
    const id = d ? Math.fround(1 / d) : 0;
    view.setUint16(o, toHalfBits(d), true);
    const code = (v: number): number => Math.min(15, Math.trunc(Math.fround(Math.fround(v * id) + 8.5)));
    for (let j = 0; j < 16; j++) out[o + 2 + j] = code(x[b + j]!) | (code(x[b + 16 + j]!) << 4);
  }
}

/** The ggml data of f32 `values` (row-major, rows along the last dimension of `shape`) as `type`. */
export function encodeTensor(values: Float32Array, shape: readonly number[], type: TensorType): Uint8Array {
  const bytes = tensorBytes(shape, type);
  if (values.length !== (bytes / TENSOR_TYPES[type].blockBytes) * TENSOR_TYPES[type].blockSize) {
    throw new Error(`tensor data holds ${values.length} values, shape [${shape}] needs ${shape.reduce((a, b) => a * b, 1)}`);
  }
  if (type === 'F32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(bytes);
  if (type === 'F16') {
    const half = new Uint16Array(out.buffer);
    for (let i = 0; i < values.length; i++) half[i] = toHalfBits(values[i]!);
  } else if (type === 'Q8_0') quantizeQ8_0(values, out);
  else quantizeQ4_0(values, out);
  return out;
}
