/**
 * Streaming SPSS system file reader (`.sav` uncompressed or bytecode-compressed, `.zsav`), after the "System
 * File Format" appendix of the PSPP developers' manual.
 *
 *   const sav = await openSav('ATP W92.sav');
 *   for await (const batch of sav.batches({ variables: ['QKEY', 'WEIGHT_W92'] })) { … }
 *   await sav.close();
 */
import fs from 'node:fs/promises';
import { ByteReader } from './bytes.js';
import { CaseDecoder, type CaseBatch } from './cases.js';
import { readDictionary, type SavDictionary } from './dictionary.js';
import { SavError } from './errors.js';
import { inflateBlocks, locateInBlocks, readZIndex } from './zlib.js';

export interface BatchOptions {
  /** Names of the variables to decode (default: all). The others come back as null columns. */
  variables?: readonly string[];
  /** Cases per batch (default: about a million values per batch, between 64 and 65,536 cases). */
  batchSize?: number;
}

export class SavReader {
  private iterated = false;

  private constructor(
    private readonly fh: fs.FileHandle,
    private readonly r: ByteReader,
    readonly dictionary: SavDictionary,
  ) {}

  static async open(file: string): Promise<SavReader> {
    const fh = await fs.open(file, 'r');
    try {
      const { size } = await fh.stat();
      const r = new ByteReader(fh, file, size);
      return new SavReader(fh, r, await readDictionary(r));
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /** The cases, in file order, as column-oriented batches. Can be iterated once. */
  async *batches(options: BatchOptions = {}): AsyncGenerator<CaseBatch> {
    if (this.iterated) throw new Error(`${this.r.file}: the cases of a SavReader can be read only once`);
    this.iterated = true;
    const dict = this.dictionary;
    const selected = this.select(options.variables);
    const elements = dict.variables.filter((v) => selected.has(v.index)).reduce((n, v) => n + Math.ceil(Math.max(8, v.width) / 8), 0);
    const batchSize =
      options.batchSize ?? Math.max(1, Math.min(dict.caseCount ?? Infinity, Math.max(64, Math.min(65536, Math.floor(2 ** 20 / Math.max(1, elements))))));
    if (dict.compression === 'zlib') {
      const index = await readZIndex(this.r, dict.bias);
      const dec = new CaseDecoder(dict, selected, batchSize, (pos) => locateInBlocks(index, pos), index.headerOffset);
      for await (const block of inflateBlocks(this.r, index)) {
        dec.pushBytecode(block);
        yield* dec.ready.splice(0);
        if (dec.done) break;
      }
      dec.finish(true);
      yield* dec.ready.splice(0);
      return;
    }
    const compressed = dict.compression === 'bytecode';
    const dec = new CaseDecoder(dict, selected, batchSize, (pos) => ({ offset: pos, where: '' }), this.r.offset);
    for await (const { bytes } of this.r.chunks()) {
      if (compressed) dec.pushBytecode(bytes);
      else dec.pushRaw(bytes);
      yield* dec.ready.splice(0);
      if (dec.done) break;
    }
    dec.finish(compressed);
    yield* dec.ready.splice(0);
  }

  private select(names: readonly string[] | undefined): Set<number> {
    const vars = this.dictionary.variables;
    if (!names) return new Set(vars.map((v) => v.index));
    const byName = new Map(vars.map((v) => [v.name, v.index]));
    return new Set(
      names.map((n) => {
        const i = byName.get(n);
        if (i === undefined) throw new SavError(this.r.file, 0, `no variable named ${n}`);
        return i;
      }),
    );
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

export async function openSav(file: string): Promise<SavReader> {
  return SavReader.open(file);
}
