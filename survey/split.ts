/**
 * The deterministic split by question. Rows of training waves go to train or validation by their question:
 * the distinct qkeys are sorted (code-unit order), shuffled with a seeded PRNG (xoroshiro128+ from pure-rand,
 * unbiased integer draws, Fisher–Yates), and the first round(train_ratio × N) are train, the rest validation.
 * Split by `stem` instead, a question asked in several waves (SATIS_W120, SATIS_W124) goes wholly to one side,
 * so that validation measures unseen questions rather than recall of the same question from another wave
 * (SubPOP splits by qkey, the default).
 * The assignment therefore depends only on the seed and the set of qkeys, never on the order of the input
 * rows (SubPOP's own split depended on worker completion order). Everything else is test: the evaluation
 * survey (role `eval`), held-out waves, and — for unseen-subpopulation experiments — every row of a held-out
 * group or attribute, whatever its question. An evaluation wave may form an evaluation set of its own
 * (`eval_set` in config/waves.yaml, e.g. opinionqa): its rows go there instead of test, scored separately.
 *
 * The `numpy` shuffle instead rebuilds the authors' own split from their released file, whose row order is
 * theirs: numpy's seeded shuffle of the qkeys in order of first appearance (survey/numpy-legacy.ts).
 */
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { numpyShuffle, pythonRound } from './numpy-legacy.js';
import type { SubpopRow } from './rows.js';

export type Split = 'train' | 'val' | 'test';
export const SPLITS: readonly Split[] = ['train', 'val', 'test'];
/** The evaluation set of evaluation waves that name none. */
export const DEFAULT_EVAL_SET = 'test';
export type Role = 'train' | 'eval';
/** What the split shuffles: qkeys (SubPOP), or question stems shared across waves. */
export type SplitUnit = 'question' | 'stem';
export const SPLIT_UNITS: readonly SplitUnit[] = ['question', 'stem'];
/** How questions are shuffled: sorted then xoroshiro128+ (order-free), or the authors' numpy shuffle in row order. */
export type SplitShuffle = 'canonical' | 'numpy';
export const SPLIT_SHUFFLES: readonly SplitShuffle[] = ['canonical', 'numpy'];

/** A Pew qkey without its wave suffix: SATIS_W120 → SATIS. Other keys are their own stem. */
export function questionStem(qkey: string): string {
  return qkey.replace(/_W\d+$/, '');
}

export interface SplitOptions {
  seed: number;
  /** Share of training questions that go to train (SubPOP: 0.9); the rest are validation. */
  trainRatio: number;
  /** Default `question`. */
  by?: SplitUnit;
  /** Default `canonical`. */
  shuffle?: SplitShuffle;
  /** Wave → role, for every wave the rows may name. */
  roles: ReadonlyMap<string, Role>;
  holdoutWaves?: readonly string[];
  /** `ATTRIBUTE/Group`, e.g. `RELIG/Hindu` (the group name may itself contain "/"). */
  holdoutGroups?: readonly string[];
  holdoutAttributes?: readonly string[];
  /** Evaluation wave → the evaluation set its rows form (default test). */
  evalSets?: ReadonlyMap<string, string>;
}

/** Per split, and per further evaluation set. */
type Counts = Record<Split, number> & Record<string, number>;

export interface SplitManifest {
  seed: number;
  train_ratio: number;
  split_by: SplitUnit;
  shuffle: SplitShuffle;
  holdout: { waves: string[]; groups: string[]; attributes: string[] };
  /** Evaluation sets besides test, each written to <name>.jsonl (sorted). */
  eval_sets: string[];
  rows: Counts;
  questions: Counts;
  /** Test questions that also have rows in train or val (expected when groups are held out). */
  test_questions_in_training: number;
  waves: { wave: string; role: Role; rows: Counts; questions: Counts }[];
  groups: { attribute: string; group: string; rows: Counts }[];
}

export interface SplitResult {
  /** train, val, test and every further evaluation set. */
  rows: Record<Split, SubpopRow[]> & Record<string, SubpopRow[]>;
  manifest: SplitManifest;
}

/** Train/validation assignment of a set of qkeys: a pure function of the seed and the set. */
export function assignQuestions(qkeys: Iterable<string>, seed: number, trainRatio: number): Map<string, 'train' | 'val'> {
  const sorted = [...new Set(qkeys)].sort(byCodeUnits);
  const rng = xoroshiro128plus(seed);
  for (let i = sorted.length - 1; i > 0; i--) {
    const j = uniformInt(rng, 0, i);
    [sorted[i], sorted[j]] = [sorted[j]!, sorted[i]!];
  }
  const nTrain = Math.round(trainRatio * sorted.length);
  return new Map(sorted.map((q, i) => [q, i < nTrain ? 'train' : 'val']));
}

/**
 * The authors' assignment (scripts/data_generation/prepare_finetuning_data.py): numpy's seeded shuffle of the
 * distinct qkeys in order of first appearance; train = the first round(train_ratio × N), validation = the next
 * round(val_ratio × N), where val_ratio = 1 − train_ratio (to 15 digits, so 0.9 gives their 0.1) and round is
 * Python's; a question left over by rounding halves goes to test, as theirs does.
 */
export function assignQuestionsNumpy(qkeysInOrder: Iterable<string>, seed: number, trainRatio: number): Map<string, Split> {
  const shuffled = numpyShuffle([...new Set(qkeysInOrder)], seed);
  const valRatio = Number((1 - trainRatio).toPrecision(15));
  const nTrain = pythonRound(trainRatio * shuffled.length);
  const nVal = pythonRound(valRatio * shuffled.length);
  return new Map(shuffled.map((q, i) => [q, i < nTrain ? 'train' : i < nTrain + nVal ? 'val' : 'test']));
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const rowKey = (r: SubpopRow): string[] => [r.qkey, r.wave, r.attribute, r.group];

function compareRows(a: SubpopRow, b: SubpopRow): number {
  const ka = rowKey(a);
  const kb = rowKey(b);
  for (let i = 0; i < ka.length; i++) {
    const c = byCodeUnits(ka[i]!, kb[i]!);
    if (c) return c;
  }
  return 0;
}

const zeros = (names: readonly string[]): Counts => Object.fromEntries(names.map((n) => [n, 0])) as Counts;

/** Splits the rows; each split comes out sorted by (qkey, wave, attribute, group). */
export function splitRows(input: readonly SubpopRow[], opts: SplitOptions, where = 'rows'): SplitResult {
  const holdoutWaves = new Set(opts.holdoutWaves ?? []);
  const holdoutGroups = new Set(opts.holdoutGroups ?? []);
  const holdoutAttributes = new Set(opts.holdoutAttributes ?? []);
  if (!Number.isSafeInteger(opts.seed)) throw new Error(`seed must be an integer (got ${opts.seed})`);
  if (!(opts.trainRatio >= 0 && opts.trainRatio <= 1)) throw new Error(`train_ratio must lie in [0, 1] (got ${opts.trainRatio})`);
  for (const w of holdoutWaves) if (!opts.roles.has(w)) throw new Error(`holdout_waves: "${w}" is not a wave of the wave set`);
  const evalSetOf = new Map([...(opts.evalSets ?? [])].filter(([, set]) => set !== DEFAULT_EVAL_SET));
  for (const [wave, set] of evalSetOf) {
    if (opts.roles.get(wave) !== 'eval') throw new Error(`eval_set: wave "${wave}" names evaluation set "${set}" but is not an evaluation wave`);
    if ((SPLITS as readonly string[]).includes(set)) throw new Error(`eval_set: wave "${wave}" may not name its evaluation set "${set}"`);
  }
  const evalSets = [...new Set(evalSetOf.values())].sort(byCodeUnits);
  const names = [...SPLITS, ...evalSets];

  const rows = [...input].sort(compareRows);
  for (let i = 1; i < rows.length; i++) {
    if (compareRows(rows[i - 1]!, rows[i]!) === 0) throw new Error(`${where}: duplicate row for ${rowKey(rows[i]!).join(' / ')}`);
  }
  const roleOf = (r: SubpopRow): Role => {
    const role = opts.roles.get(r.wave);
    if (!role) throw new Error(`${where}: wave "${r.wave}" (qkey ${r.qkey}) is not in the wave set`);
    return role;
  };
  const trainingWave = (r: SubpopRow) => roleOf(r) === 'train' && !holdoutWaves.has(r.wave);
  const heldOutGroup = (r: SubpopRow) => holdoutAttributes.has(r.attribute) || holdoutGroups.has(`${r.attribute}/${r.group}`);

  const seenGroups = new Set(rows.map((r) => `${r.attribute}/${r.group}`));
  const seenAttributes = new Set(rows.map((r) => r.attribute));
  for (const g of holdoutGroups) if (!seenGroups.has(g)) throw new Error(`holdout_groups: no rows of group "${g}" (write ATTRIBUTE/Group)`);
  for (const a of holdoutAttributes) if (!seenAttributes.has(a)) throw new Error(`holdout_attributes: no rows of attribute "${a}"`);

  const by = opts.by ?? 'question';
  const shuffle = opts.shuffle ?? 'canonical';
  const unit = by === 'stem' ? (r: SubpopRow) => questionStem(r.qkey) : (r: SubpopRow) => r.qkey;
  const assignment: Map<string, Split> =
    shuffle === 'numpy'
      ? assignQuestionsNumpy(input.filter(trainingWave).map(unit), opts.seed, opts.trainRatio)
      : assignQuestions(rows.filter(trainingWave).map(unit), opts.seed, opts.trainRatio);
  const perSet = <T>(make: () => T): Record<string, T> => Object.fromEntries(names.map((n) => [n, make()]));
  const out = perSet((): SubpopRow[] => []) as SplitResult['rows'];
  const questions = perSet(() => new Set<string>());
  const waves = new Map<string, { rows: Counts; questions: Record<string, Set<string>> }>();
  const groups = new Map<string, { attribute: string; group: string; rows: Counts }>();
  for (const r of rows) {
    const split = trainingWave(r) && !heldOutGroup(r) ? assignment.get(unit(r))! : (evalSetOf.get(r.wave) ?? DEFAULT_EVAL_SET);
    out[split]!.push(r);
    questions[split]!.add(r.qkey);
    if (!waves.has(r.wave)) waves.set(r.wave, { rows: zeros(names), questions: perSet(() => new Set<string>()) });
    const w = waves.get(r.wave)!;
    w.rows[split] += 1;
    w.questions[split]!.add(r.qkey);
    const gk = `${r.attribute}/${r.group}`;
    if (!groups.has(gk)) groups.set(gk, { attribute: r.attribute, group: r.group, rows: zeros(names) });
    groups.get(gk)!.rows[split] += 1;
  }
  const sizes = (s: Record<string, Set<string>>): Counts => Object.fromEntries(names.map((n) => [n, s[n]!.size])) as Counts;
  const evaluated = new Set([DEFAULT_EVAL_SET, ...evalSets].flatMap((n) => [...questions[n]!]));
  const manifest: SplitManifest = {
    seed: opts.seed,
    train_ratio: opts.trainRatio,
    split_by: by,
    shuffle,
    holdout: { waves: [...holdoutWaves], groups: [...holdoutGroups], attributes: [...holdoutAttributes] },
    eval_sets: evalSets,
    rows: Object.fromEntries(names.map((n) => [n, out[n]!.length])) as Counts,
    questions: sizes(questions),
    test_questions_in_training: [...evaluated].filter((q) => questions.train!.has(q) || questions.val!.has(q)).length,
    waves: [...waves.keys()].sort(byCodeUnits).map((wave) => ({ wave, role: opts.roles.get(wave)!, rows: waves.get(wave)!.rows, questions: sizes(waves.get(wave)!.questions) })),
    groups: [...groups.keys()].sort(byCodeUnits).map((k) => groups.get(k)!),
  };
  return { rows: out, manifest };
}
