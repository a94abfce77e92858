/** A malformed, truncated or unsupported SPSS file. The message always names the file and the byte offset. */
export class SavError extends Error {
  override readonly name = 'SavError';
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly detail: string,
  ) {
    super(`${file}: byte ${offset}: ${detail}`);
  }
}
