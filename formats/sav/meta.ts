/** The dictionary as plain JSON (`sav2csv --meta`), in the shape of schemas/sav-meta.schema.json. */
import type { SavDictionary, SavVariable } from './dictionary.js';
import { formatToString } from './formats.js';

export interface SavMetaMissing {
  values: (number | string)[];
  range?: { low: number | 'LO'; high: number | 'HI' };
}

export interface SavMetaVariable {
  name: string;
  shortName: string;
  type: 'numeric' | 'string';
  width: number;
  printFormat: string;
  writeFormat: string;
  label: string | null;
  measure: 'nominal' | 'ordinal' | 'scale' | null;
  valueLabels: { value: number | string; label: string }[];
  missing: SavMetaMissing | null;
}

export interface SavMeta {
  product: string;
  created: string;
  fileLabel: string;
  encoding: string;
  endianness: 'little' | 'big';
  compression: 'none' | 'bytecode' | 'zlib';
  caseCount: number | null;
  weight: string | null;
  documents: string[];
  variables: SavMetaVariable[];
}

function missingMeta(v: SavVariable): SavMetaMissing | null {
  const m = v.missing;
  if (!m) return null;
  if (m.type === 'string' || !m.range) return { values: [...m.values] };
  const { low, high } = m.range;
  return { values: [...m.values], range: { low: low === -Infinity ? 'LO' : low, high: high === Infinity ? 'HI' : high } };
}

export function savMeta(dict: SavDictionary): SavMeta {
  return {
    product: dict.product,
    created: dict.created,
    fileLabel: dict.fileLabel,
    encoding: dict.encoding,
    endianness: dict.endianness,
    compression: dict.compression,
    caseCount: dict.caseCount,
    weight: dict.weight,
    documents: dict.documents,
    variables: dict.variables.map((v) => ({
      name: v.name,
      shortName: v.shortName,
      type: v.type,
      width: v.width,
      printFormat: formatToString(v.print),
      writeFormat: formatToString(v.write),
      label: v.label,
      measure: v.measure,
      valueLabels: v.valueLabels.map((l) => ({ value: l.value, label: l.label })),
      missing: missingMeta(v),
    })),
  };
}
