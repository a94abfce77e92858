/**
 * Constants of the GGUF v3 file format and of the ggml tensor types we write, as defined by llama.cpp's
 * gguf-py (gguf/constants.py) and ggml (ggml.h, ggml-common.h).
 *
 * A GGUF file is: the magic "GGUF", u32 version, u64 tensor count, u64 key/value count, the key/value pairs,
 * the tensor infos (name, u32 n_dims, u64 dims innermost first, u32 ggml type, u64 data offset), padding to
 * `general.alignment` (32 by default), then each tensor's data, each padded to the alignment. Little-endian.
 */

export const GGUF_MAGIC = 'GGUF';
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** Value types of metadata entries (GGUFValueType). */
export const ValueType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;
export type ValueTypeName = keyof typeof ValueType;

/** The ggml tensor types this project writes, with their ggml ids and block layouts. */
export const TENSOR_TYPES = {
  F32: { id: 0, blockSize: 1, blockBytes: 4 },
  F16: { id: 1, blockSize: 1, blockBytes: 2 },
  /** 32 weights: an f16 scale d, then 16 bytes of 4-bit codes q (x = d·(q − 8)); low nibbles hold weights 0–15. */
  Q4_0: { id: 2, blockSize: 32, blockBytes: 18 },
  /** 32 weights: an f16 scale d, then 32 signed bytes q (x = d·q). */
  Q8_0: { id: 8, blockSize: 32, blockBytes: 34 },
} as const;
export type TensorType = keyof typeof TENSOR_TYPES;

/** `general.file_type` (LlamaFileType) of a model whose 2-D weights are of the given type. */
export const FILE_TYPE: Record<TensorType, number> = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 7 };

/** `tokenizer.ggml.token_type` values (TokenType). */
export const TokenType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

/** Bytes of a tensor of `type` with row-major `shape` (the last dimension is ggml's innermost, ne[0]). */
export function tensorBytes(shape: readonly number[], type: TensorType): number {
  const { blockSize, blockBytes } = TENSOR_TYPES[type];
  const row = shape[shape.length - 1] ?? 1;
  if (row % blockSize !== 0) throw new Error(`a ${type} tensor needs rows of a multiple of ${blockSize} values, got [${shape}]`);
  return (shape.reduce((a, b) => a * b, 1) / blockSize) * blockBytes;
}
