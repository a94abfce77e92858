/** Seeded randomness for weights, LoRA initialisation and shuffles (xoroshiro128+ from pure-rand). */
import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';

export class Rng {
  private gen: ReturnType<typeof xoroshiro128plus>;

  constructor(seed: number) {
    this.gen = xoroshiro128plus(seed | 0);
  }

  /** The generator's state, from which `restore` continues the same sequence (for checkpoints). */
  state(): number[] {
    return [...this.gen.getState()];
  }

  restore(state: readonly number[]): void {
    this.gen = xoroshiro128plusFromState(state);
  }

  /** Uniform in [0, 1). */
  float(): number {
    return uniformFloat64(this.gen);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return uniformInt(this.gen, 0, n - 1);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.float());
  }

  /** Fisher–Yates, in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}
