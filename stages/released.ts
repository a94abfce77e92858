/**
 * released@<ID>: one row file in the SubPOP authors' released format (config/released.yaml, e.g. SUBPOP_TRAIN)
 * → `artifacts/released/<ID>/` with `rows.jsonl`, the file's rows in file order in the subpopulation-rows format
 * (wave = ID; no respondent counts, which the file does not carry), and `released.json`, its provenance and
 * counts (schemas/released-source.schema.json). The file comes from the inbox or its URL (net/fetch-released.ts)
 * and every row is checked (survey/released-rows.ts). `ctx.item` is the manifest entry, `ctx.key` its id.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../lib/atomic.js';
import { validate } from '../lib/schema.js';
import { fetchReleased, validateReleasedEntry } from '../net/fetch-released.js';
import { defaultInbox, defaultManifest, loadWaveManifest } from '../net/waves.js';
import { defineStage, type StageContext } from '../runner/stage.js';
import { hasPlaceholderOrdinals, readReleasedRows } from '../survey/released-rows.js';
import { rowsJsonl } from '../survey/rows.js';

export async function runReleased(ctx: StageContext): Promise<void> {
  const id = ctx.key;
  if (!id) throw new Error(`${ctx.name}: released runs once per file (foreach over a set of config/released.yaml)`);
  const entry = validateReleasedEntry(id, ctx.item, `${ctx.name}: the foreach item`);
  const [outDir] = ctx.outs;
  if (!outDir) throw new Error(`${ctx.name}: declare the output folder artifacts/released/${id}/ under outs`);
  const downloadTo = path.join(outDir, `.${id}.download`);
  try {
    const got = await fetchReleased({
      id,
      entry,
      inbox: loadWaveManifest(defaultManifest).inbox ?? defaultInbox,
      root: ctx.root,
      downloadTo,
      env: ctx.env,
      signal: ctx.signal,
      onProgress: (p) => ctx.progress(p),
    });
    ctx.progress({ done: 0, total: 1, note: 'checking rows' });
    const rows = readReleasedRows(got.file, got.location);
    const placeholder = hasPlaceholderOrdinals(rows);
    const record = validate<{ questions: number }>('released-source', {
      id,
      role: entry.role,
      file: entry.file,
      kind: got.kind,
      location: got.location,
      sha256: got.sha256,
      size: got.size,
      rows: rows.length,
      questions: new Set(rows.map((r) => r.qkey)).size,
      placeholder_ordinals: placeholder,
    }, `${outDir}/released.json`);
    writeFileAtomic(
      path.join(outDir, 'rows.jsonl'),
      rowsJsonl(rows.map(({ qkey, attribute, group, question, options, ordinal, responses, refusal_rate }) => ({ qkey, wave: id, attribute, group, question, options, ordinal, responses, refusal_rate, n_respondents: null, weight_sum: null }))),
    );
    writeFileAtomic(path.join(outDir, 'released.json'), `${JSON.stringify(record, null, 2)}\n`);
    console.log(`${id}: ${rows.length} rows of ${record.questions} questions from ${got.location} (sha256 ${got.sha256})`);
    if (placeholder) console.log(`${id}: every row's ordinals are equal placeholders, so WD is undefined on these rows; validation is judged by KL`);
    ctx.progress({ done: 1, total: 1, note: `${rows.length} rows` });
  } finally {
    fs.rmSync(downloadTo, { force: true });
  }
}

export default defineStage(runReleased);
