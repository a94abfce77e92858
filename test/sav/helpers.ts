/** Shared by the SPSS reader tests: fixture paths, a small RFC 4180 parser, and sav2csv run in-process. */
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../../formats/sav/cli.js';

export const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'sav');
export const fixture = (name: string): string => path.join(fixtures, name);

/** Parses RFC 4180 CSV (quoted fields may hold commas, quotes and line breaks) into rows of fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) rows.push([...row, field]);
  return rows;
}

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

export async function sav2csv(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new Collect();
  const err = new Collect();
  const code = await main(argv, out, err);
  return { code, stdout: out.text, stderr: err.text };
}
