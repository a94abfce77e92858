/** Prompts as token ids ([BOS] + tokens) and the option letters' token ids, shared by both inference engines. */
import { letterIdGroups } from './readout.js';
import type { TextTokenizer } from './tokenizer.js';

export class PromptEncoder {
  private readonly groups = new Map<number, number[][]>();

  constructor(
    readonly tokenizer: TextTokenizer,
    private readonly bosTokenId: number | null,
  ) {}

  ids(prompt: string): number[] {
    const ids = this.tokenizer.encode(prompt);
    return this.bosTokenId === null ? ids : [this.bosTokenId, ...ids];
  }

  /** Token ids per option letter for the first `n` letters (lm/readout.ts). */
  letterGroups(n: number): number[][] {
    let groups = this.groups.get(n);
    if (!groups) this.groups.set(n, (groups = letterIdGroups(this.tokenizer, n)));
    return groups;
  }
}
