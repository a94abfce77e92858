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

/**
 * windows-1252 bytes 0x80–0x9F (0xFFFD for the five undefined ones). Node 20's TextDecoder('windows-1252')
 * decodes them as Latin-1 C1 controls (measured: 0x80 gives U+0080, not €), so this one code page is decoded
 * here; 0xA0–0xFF agree with Latin-1.
 */
const CP1252_HIGH = [
  0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
  0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
];

function decodeCp1252(b: Buffer, s: number, e: number): string {
  let out = '';
  let run = s;
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c >= 0x80 && c <= 0x9f) {
      out += b.toString('latin1', run, i) + String.fromCharCode(CP1252_HIGH[c - 0x80]);
      run = i + 1;
    }
  }
  return out + b.toString('latin1', run, e);
}

/** A decoder for `name`, or undefined when neither Buffer nor TextDecoder knows it. */
export function textDecoder(name: string): TextDecodeFn | undefined {
  const n = name.trim().toLowerCase();
  if (n === 'utf-8' || n === 'utf8') return (b, s, e) => b.toString('utf8', s, e);
  // WHATWG maps the label "iso-8859-1" to windows-1252; the file means true Latin-1, which Buffer has.
  if (n === 'iso-8859-1' || n === 'iso8859-1' || n === 'latin1' || n === 'iso_8859-1') {
    return (b, s, e) => b.toString('latin1', s, e);
  }
  if (['windows-1252', 'cp1252', 'us-ascii', 'ascii', 'ansi_x3.4-1968'].includes(n)) return decodeCp1252;
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(n);
  } catch {
    return undefined;
  }
  return (b, s, e) => {
    for (let i = s; i < e; i++) if (b[i] >= 0x80) return decoder.decode(b.subarray(s, e));
    return b.toString('latin1', s, e);
  };
}
