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

  /** The text of `ids`, special tokens kept and spacing as the decoder gives it (no clean-up). */
  decode(ids: readonly number[]): string {
    return this.tok.decode([...ids], { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }

  /**
   * The tokens of option letter `letter` (lm/readout.ts has the rule): `space` is the last id of encoding
   * " X", `bare` the token that reads "X" right after the answer cue (the last id of encoding "X", or, where
   * the tokenizer prepends a space marker to "X" as Llama-2 and Mistral do, the vocabulary's token "X"); null
   * when the vocabulary has no such token. Each is checked by decoding it after the cue's own tokens.
   */
  letterTokens(letter: string): LetterTokens {
    const cue = this.encode(ANSWER_CUE);
    const cueText = this.decode(cue);
    /** What a token adds to the text after the cue. */
    const reads = (id: number): string | null => {
      const text = this.decode([...cue, id]);
      return text.startsWith(cueText) ? text.slice(cueText.length) : null;
    };
    const last = (s: string): number => {
      const ids = this.encode(s);
      if (ids.length === 0) throw new Error(`${this.file}: "${s}" encodes to no tokens`);
      return ids[ids.length - 1];
    };
    const space = last(` ${letter}`);
    const spaceReads = reads(space);
    if (spaceReads !== ` ${letter}` && spaceReads !== letter) {
      throw new Error(`${this.file}: option letter ${letter}: the last token of " ${letter}" (id ${space}) reads ${JSON.stringify(spaceReads)} after "${ANSWER_CUE}", not the letter`);
    }
    const bare = [last(letter), this.tokenId(letter)].find((id) => id !== undefined && reads(id) === letter) ?? null;
    return { letter, space, bare };
  }
}

/** The text every prompt ends with; the next token is the answer letter. */
export const ANSWER_CUE = 'Answer:';

export interface LetterTokens {
  letter: string;
  /** Last id of encoding " X" (the spelling SubPOP trains on). */
  space: number;
  /** The token that reads "X" right after the cue, or null when the vocabulary has none. */
  bare: number | null;
}
