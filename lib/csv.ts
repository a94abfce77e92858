/** CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF line ends) → records keyed by the header. */
import { FormatError } from './schema.js';

export interface CsvRecord {
  /** 1-based line of the record's start, for messages. */
  line: number;
  fields: Record<string, string>;
}

/** Parses `text`; every record must have the header's number of fields. Errors name `file:line`. */
export function parseCsv(text: string, file: string): CsvRecord[] {
  const rows: { line: number; cells: string[] }[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const start = line;
    const cells: string[] = [];
    for (;;) {
      let cell = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= text.length) throw new FormatError(`${file}:${start}: unterminated quoted field`);
          if (text[i] === '"') {
            if (text[i + 1] !== '"') break;
            i++;
          }
          if (text[i] === '\n') line++;
          cell += text[i++];
        }
        i++;
        if (i < text.length && !/[,\r\n]/.test(text[i]!)) throw new FormatError(`${file}:${line}: text after a closing quote`);
      } else {
        while (i < text.length && !/[,\r\n]/.test(text[i]!)) cell += text[i++];
      }
      cells.push(cell);
      if (text[i] !== ',') break;
      i++;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    rows.push({ line: start, cells });
  }
  const [head, ...body] = rows;
  if (!head) throw new FormatError(`${file}: empty CSV file`);
  return body.map(({ line: at, cells }) => {
    if (cells.length !== head.cells.length) {
      throw new FormatError(`${file}:${at}: ${cells.length} fields where the header has ${head.cells.length}`);
    }
    return { line: at, fields: Object.fromEntries(head.cells.map((h, k) => [h, cells[k]!])) };
  });
}
