/**
 * Generates the embedded demo data: six synthetic ATP waves (W901-W906), the GSS-layout evaluation survey and
 * the ANES 1996 extract as ATP wave W996, written as SPSS system files through GNU PSPP.
 *
 *   npx tsx demo/generate.ts [--out DIR] [--seed N] [--panel N] [--gss N] [--reference N]
 *
 * The same options give byte-identical files (see demo/README.md).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseAnes, anesWave } from './anes.js';
import { atpWave, demoWaves, drawPanel } from './atp.js';
import { gssSurvey } from './gss.js';
import { referenceModel } from './population.js';
import { Rng } from './random.js';
import { caseCount, writeSav, type Dataset } from './sav.js';

export interface DemoOptions {
  readonly seed: number;
  /** ATP panel members; about two thirds answer each wave. */
  readonly panel: number;
  readonly gss: number;
  /** People in the reference population every item is calibrated on. */
  readonly reference: number;
}

export const defaultOptions: DemoOptions = { seed: 20250224, panel: 3000, gss: 2000, reference: 5000 };

export const demoDir = path.dirname(fileURLToPath(import.meta.url));
export const anesSource = path.join(demoDir, 'anes', 'source', 'anes96.csv');

/** Every demo file, by path relative to the output directory. */
export function buildDemo(options: DemoOptions, anesCsv = anesSource): Map<string, Dataset> {
  const rng = new Rng(options.seed);
  const model = referenceModel(rng.fork('reference'), options.reference);
  const panel = drawPanel(rng.fork('panel'), options.panel, model);
  const files = new Map<string, Dataset>();
  for (const spec of demoWaves) files.set(`atp/ATP W${spec.n}.sav`, atpWave(spec, panel, model, rng.fork('atp')));
  files.set('gss/GSS_DEMO.sav', gssSurvey(options.gss, model, rng.fork('gss')));
  files.set('anes/ATP W996.sav', anesWave(parseAnes(fs.readFileSync(anesCsv, 'utf8'), anesCsv)));
  return files;
}

export interface WrittenFile {
  readonly path: string;
  readonly cases: number;
  readonly variables: number;
  readonly sha256: string;
}

export async function writeDemo(outDir: string, options: DemoOptions, pspp = 'pspp'): Promise<WrittenFile[]> {
  const written: WrittenFile[] = [];
  for (const [rel, ds] of buildDemo(options)) {
    const file = path.join(outDir, rel);
    await writeSav(ds, file, pspp);
    const sha256 = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    written.push({ path: file, cases: caseCount(ds), variables: ds.variables.length, sha256 });
  }
  return written;
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${name}: expected a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: demoDir },
      seed: { type: 'string' }, panel: { type: 'string' }, gss: { type: 'string' }, reference: { type: 'string' },
    },
  });
  const options: DemoOptions = {
    seed: positiveInt('seed', values.seed, defaultOptions.seed),
    panel: positiveInt('panel', values.panel, defaultOptions.panel),
    gss: positiveInt('gss', values.gss, defaultOptions.gss),
    reference: positiveInt('reference', values.reference, defaultOptions.reference),
  };
  for (const f of await writeDemo(values.out!, options)) {
    console.log(`${f.sha256}  ${path.relative(process.cwd(), f.path)}  (${f.cases} cases, ${f.variables} variables)`);
  }
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
