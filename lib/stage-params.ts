/** Typed access to a stage's params, with errors that name the stage and the param. */
import type { ParamValue } from '../runner/stage.js';

export class StageParams {
  constructor(
    private readonly stage: string,
    private readonly params: Readonly<Record<string, ParamValue>>,
  ) {}

  private get(name: string, fallback?: ParamValue): ParamValue {
    const v = this.params[name];
    if (v === undefined || v === null) {
      if (fallback === undefined) throw new Error(`${this.stage}: param "${name}" is required`);
      return fallback;
    }
    return v;
  }

  number(name: string, fallback?: number, check: (v: number) => boolean = Number.isFinite, want = 'a number'): number {
    const v = this.get(name, fallback);
    if (typeof v !== 'number' || !check(v)) throw new Error(`${this.stage}: param "${name}" must be ${want}, got ${JSON.stringify(v)}`);
    return v;
  }

  int(name: string, fallback?: number, min = 1): number {
    return this.number(name, fallback, (v) => Number.isInteger(v) && v >= min, `an integer ≥ ${min}`);
  }

  string(name: string, fallback?: string, allowed?: readonly string[]): string {
    const v = this.get(name, fallback);
    if (typeof v !== 'string' || (allowed && !allowed.includes(v))) {
      throw new Error(`${this.stage}: param "${name}" must be ${allowed ? `one of ${allowed.join(', ')}` : 'a string'}, got ${JSON.stringify(v)}`);
    }
    return v;
  }

  strings(name: string, fallback?: string[]): string[] {
    const v = this.get(name, fallback);
    const list = typeof v === 'string' ? v.split(',').map((s) => s.trim()) : v;
    if (!Array.isArray(list) || list.length === 0 || !list.every((s) => typeof s === 'string' && s !== '')) {
      throw new Error(`${this.stage}: param "${name}" must be a list of names, got ${JSON.stringify(v)}`);
    }
    return list as string[];
  }
}
