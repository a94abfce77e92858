/** Reads a whole system file with the project's reader (formats/sav) into columns, for the demo tests. */
import { openSav } from '../../formats/sav/reader.js';
import type { SavVariable } from '../../formats/sav/dictionary.js';

export interface SavTable {
  readonly file: string;
  readonly cases: number;
  readonly variables: readonly SavVariable[];
  has(name: string): boolean;
  variable(name: string): SavVariable;
  /** Values of a numeric variable; NaN is system-missing. */
  values(name: string): Float64Array;
  /** The value label of each case's value (undefined where the value has none or is system-missing). */
  labels(name: string): (string | undefined)[];
}

export async function readSavTable(file: string): Promise<SavTable> {
  const sav = await openSav(file);
  const vars = sav.dictionary.variables;
  const chunks: Float64Array[][] = vars.map(() => []);
  try {
    for await (const batch of sav.batches()) {
      batch.columns.forEach((col, i) => {
        if (!(col instanceof Float64Array)) throw new Error(`${file}: ${vars[i].name} is not numeric`);
        chunks[i].push(col.slice(0, batch.length));
      });
    }
  } finally {
    await sav.close();
  }
  const columns = new Map(vars.map((v, i) => {
    const out = new Float64Array(chunks[i].reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks[i]) {
      out.set(c, at);
      at += c.length;
    }
    return [v.name, out] as const;
  }));
  const byName = new Map(vars.map((v) => [v.name, v]));
  const variable = (name: string): SavVariable => {
    const v = byName.get(name);
    if (!v) throw new Error(`${file}: no variable ${name}`);
    return v;
  };
  return {
    file,
    cases: columns.get(vars[0].name)!.length,
    variables: vars,
    has: (name) => byName.has(name),
    variable,
    values: (name) => {
      variable(name);
      return columns.get(name)!;
    },
    labels: (name) => {
      const text = new Map(variable(name).valueLabels.map((l) => [l.value, l.label]));
      return Array.from(columns.get(name)!, (x) => text.get(x));
    },
  };
}
