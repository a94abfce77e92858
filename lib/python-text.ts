/**
 * Python's text conventions that the SubPOP authors' files and prompts rely on: `str.strip()`, whose whitespace
 * differs from JavaScript's `trim()` (Python strips U+001C–U+001F and U+0085 but keeps U+FEFF), and lists of
 * strings written with `str(list)` (`['a', "b's"]`), as in their CSV and JSON metadata.
 */
import { FormatError } from './schema.js';

// Every code point for which Python's str.isspace() is true.
const WS = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const EDGES = new RegExp(`^[${WS}]+|[${WS}]+$`, 'g');

/** Python's `s.strip()`. */
export function pyStrip(s: string): string {
  return s.replace(EDGES, '');
}

const ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0' };

/**
 * Parses a Python list of string literals, e.g. `['Northeast', "Associate's degree"]`, as `str(list)` writes
 * it; errors name `where` and the character offset.
 */
export function parsePythonStringList(text: string, where: string): string[] {
  let i = 0;
  const fail = (what: string): never => {
    throw new FormatError(`${where}: offset ${i}: ${what} in Python list ${JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text)}`);
  };
  const skip = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const string = (): string => {
    const quote = text[i++];
    let out = '';
    while (i < text.length && text[i] !== quote) {
      if (text[i] !== '\\') {
        out += text[i++];
        continue;
      }
      const c = text[++i];
      if (c === undefined) break;
      const hex = { x: 2, u: 4, U: 8 }[c];
      if (hex) {
        const digits = text.slice(i + 1, i + 1 + hex);
        if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== hex) fail(`bad \\${c} escape`);
        out += String.fromCodePoint(parseInt(digits, 16));
        i += 1 + hex;
      } else {
        out += ESCAPES[c] ?? `\\${c}`;
        i++;
      }
    }
    if (text[i] !== quote) fail('unterminated string');
    i++;
    return out;
  };
  skip();
  if (text[i] !== '[') fail('expected "["');
  i++;
  const items: string[] = [];
  for (skip(); text[i] !== ']'; skip()) {
    if (items.length) {
      if (text[i] !== ',') fail('expected "," or "]"');
      i++;
      skip();
      if (text[i] === ']') break;
    }
    if (text[i] !== "'" && text[i] !== '"') fail('expected a quoted string');
    items.push(string());
  }
  i++;
  skip();
  if (i < text.length) fail('unexpected text after "]"');
  return items;
}
