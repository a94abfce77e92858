/** A Hugging Face `tokenizer.json`, loaded with @huggingface/tokenizers. */
import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { readJson } from '../lib/json-files.js';

export const LETTERS = 'ABCDEFGHIJ';

export class TextTokenizer {
  private readonly tok: Tokenizer;

  constructor(readonly file: string, json: object, config: object = {}) {
    try {
      this.tok = new Tokenizer(json, config);
    } catch (err) {
      throw new Error(`${file}: cannot build a tokenizer (${(err as Error).message})`);
    }
  }

  static load(dir: string): TextTokenizer {
    const file = path.join(dir, 'tokenizer.json');
    if (!fs.existsSync(file)) throw new Error(`${file}: missing (the model directory needs a Hugging Face tokenizer.json)`);
    const read = (f: string): object =>
      readJson(f, (data, where) => {
        if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error(`${where}: not a JSON object`);
        return data;
      });
    const cfgFile = path.join(dir, 'tokenizer_config.json');
    return new TextTokenizer(file, read(file), fs.existsSync(cfgFile) ? read(cfgFile) : {});
  }

  /** Token ids of `text`, without special tokens (the caller adds BOS). */
  encode(text: string): number[] {
    return this.tok.encode(text, { add_special_tokens: false }).ids;
  }

  tokenId(token: string): number | undefined {
    return this.tok.token_to_id(token);
  }

  /**
   * The token ids that read as option letter `letter` after the answer cue: the last token of
   * "Answer:X" and of "Answer: X" (one id when both spellings end in the same token).
   */
  letterIds(letter: string): number[] {
    const last = (s: string): number => {
      const ids = this.encode(s);
      if (ids.length === 0) throw new Error(`${this.file}: "${s}" encodes to no tokens`);
      return ids[ids.length - 1];
    };
    const ids = [last(`Answer:${letter}`), last(`Answer: ${letter}`)];
    for (const id of ids) {
      const decoded = this.tok.decode([id]).trim();
      if (decoded !== letter) throw new Error(`${this.file}: option letter ${letter} is not a single token after "Answer:" (got "${decoded}")`);
    }
    return ids[0] === ids[1] ? [ids[0]] : ids;
  }
}
