/**
 * The SubPOP authors' subpopulation metadata, read as released (vendor/subpop/data/subpopulation_metadata/,
 * pinned by config/subpop-release.yaml): the steering texts and answer options of each attribute
 * (steering_prompts.json), and the group sets (demographics_22.csv, demographics_61.csv), whose group names are
 * the names the prompts show.
 */
import { parseCsv } from '../lib/csv.js';
import { parsePythonStringList } from '../lib/python-text.js';
import { FormatError, validate } from '../lib/schema.js';
import { defaultRelease, mirrorPath, readInputText } from '../net/release.js';

export interface SteeringEntry {
  qa_prompt: string;
  bio_prompt: string;
  portray_prompt: string;
  /** The attribute's answer options; a group's letter is its index here. */
  options: string[];
}

/** Attribute → its steering texts. */
export type SteeringTable = Record<string, SteeringEntry>;

export const METADATA_DIR = 'data/subpopulation_metadata';
/** The authors' steering_prompts.json in the release mirror. */
export const steeringFile = (): string => mirrorPath(defaultRelease(), `${METADATA_DIR}/steering_prompts.json`);

interface RawEntry extends Omit<SteeringEntry, 'options'> {
  attribute: string;
  options: string;
}

const cache = new Map<string, SteeringTable>();

/** Reads a steering file in the authors' format (schemas/steering-prompts.schema.json); a mirror file must match its pin. */
export function loadSteering(file = steeringFile()): SteeringTable {
  const hit = cache.get(file);
  if (hit) return hit;
  let data: unknown;
  try {
    data = JSON.parse(readInputText(file));
  } catch (err) {
    throw err instanceof SyntaxError ? new FormatError(`${file}: ${err.message}`) : err;
  }
  const table: SteeringTable = {};
  validate<RawEntry[]>('steering-prompts', data, file).forEach((e, i) => {
    const where = `${file}: [${i}] ${e.attribute}`;
    if (Object.hasOwn(table, e.attribute)) throw new FormatError(`${where}: attribute listed twice`);
    const options = parsePythonStringList(e.options, `${where}.options`);
    const repeated = options.find((o, k) => options.indexOf(o) !== k);
    if (options.length < 2 || repeated !== undefined) throw new FormatError(`${where}.options: ${repeated === undefined ? 'fewer than two options' : `"${repeated}" listed twice`}`);
    table[e.attribute] = { qa_prompt: e.qa_prompt, bio_prompt: e.bio_prompt, portray_prompt: e.portray_prompt, options };
  });
  cache.set(file, table);
  return table;
}

/** A group set in the authors' CSV form (schemas/demographics.schema.json): attribute → groups, in file order. */
export function loadGroupSetCsv(file: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const { line, fields } of parseCsv(readInputText(file), file)) {
    const where = `${file}:${line}`;
    const r = validate<{ attribute: string; group: string }>('demographics', fields, where);
    if (Object.hasOwn(out, r.attribute)) throw new FormatError(`${where}: attribute ${r.attribute} listed twice`);
    const groups = parsePythonStringList(r.group, `${where}: group`);
    if (!groups.length) throw new FormatError(`${where}: attribute ${r.attribute} has no groups`);
    out[r.attribute] = groups;
  }
  return out;
}
