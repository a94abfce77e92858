/**
 * Character encodings of system files. The encoding record (subtype 20) names the encoding; older files only
 * carry a Windows code page number in the machine integer info record (subtype 3).
 */

import { TextDecoder } from 'node:util';

/** Decodes `bytes[start, end)` to a string. */
export type TextDecodeFn = (bytes: Buffer, start: number, end: number) => string;

const CODE_PAGES: Record<number, string> = {
  2: 'windows-1252', // "7-bit ASCII": windows-1252 agrees on every ASCII byte
  3: 'windows-1252',
  20127: 'windows-1252',
  65001: 'utf-8',
  28591: 'iso-8859-1',
  932: 'shift_jis',
  936: 'gbk',
  949: 'euc-kr',
  950: 'big5',
};

/** The encoding name for a `character_code`, or undefined when it names none we can decode (e.g. EBCDIC). */
export function codePageEncoding(code: number): string | undefined {
  if (CODE_PAGES[code]) return CODE_PAGES[code];
  if ((code >= 1250 && code <= 1258) || code === 874) return `windows-${code}`;
  if (code >= 28592 && code <= 28605) return `iso-8859-${code - 28590}`;
  return undefined;
}

/** A decoder for `name`, or undefined when neither Buffer nor TextDecoder knows it. */
export function textDecoder(name: string): TextDecodeFn | undefined {
  const n = name.trim().toLowerCase();
  if (n === 'utf-8' || n === 'utf8') return (b, s, e) => b.toString('utf8', s, e);
  // WHATWG maps the label "iso-8859-1" to windows-1252; the file means true Latin-1, which Buffer has.
  if (n === 'iso-8859-1' || n === 'iso8859-1' || n === 'latin1' || n === 'iso_8859-1') {
    return (b, s, e) => b.toString('latin1', s, e);
  }
  const label = n === 'us-ascii' || n === 'ascii' || n === 'ansi_x3.4-1968' ? 'windows-1252' : n;
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label);
  } catch {
    return undefined;
  }
  return (b, s, e) => {
    for (let i = s; i < e; i++) if (b[i] >= 0x80) return decoder.decode(b.subarray(s, e));
    return b.toString('latin1', s, e);
  };
}
