/**
 * The committed demo files: their manifest hashes, the ATP and GSS layouts the ingest stage expects, the 22
 * SubPOP subpopulations, and group differences of the kind fine-tuning has to learn.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { loadYaml } from '../../lib/schema.js';
import { packageRoot } from '../../lib/paths.js';
import { readSavTable, type SavTable } from './read.js';
import { atpGroups, atpMembers, gssGroups, gssMembers } from './groups.js';

const waves = [901, 902, 903, 904, 905, 906];
const demo = (rel: string): string => path.join(packageRoot, 'demo', rel);

const cache = new Map<string, Promise<SavTable>>();
function table(rel: string): Promise<SavTable> {
  if (!cache.has(rel)) cache.set(rel, readSavTable(demo(rel)));
  return cache.get(rel)!;
}
const atp = (n: number) => table(`atp/ATP W${n}.sav`);
const gss = () => table('gss/GSS_DEMO.sav');

const mean = (xs: ArrayLike<number>): number => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: ArrayLike<number>): number => {
  const s = Array.from(xs).sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2;
};

/** Weighted distribution over the codes `keep` accepts, among the cases in `mask`. */
function distribution(values: Float64Array, weights: Float64Array, mask: boolean[], keep: (code: number) => boolean): Map<number, number> {
  const d = new Map<number, number>();
  let total = 0;
  values.forEach((x, i) => {
    if (!mask[i] || Number.isNaN(x) || !keep(x)) return;
    d.set(x, (d.get(x) ?? 0) + weights[i]);
    total += weights[i];
  });
  for (const [k, w] of d) d.set(k, w / total);
  return d;
}

function totalVariation(a: Map<number, number>, b: Map<number, number>): number {
  let s = 0;
  for (const k of new Set([...a.keys(), ...b.keys()])) s += Math.abs((a.get(k) ?? 0) - (b.get(k) ?? 0));
  return s / 2;
}

/** Question variables of an ATP wave: `{NAME}_W{n}` with value labels, other than the form. */
const atpQuestions = (t: SavTable, n: number): string[] =>
  t.variables.filter((v) => v.name.endsWith(`_W${n}`) && v.valueLabels.length && v.name !== `FORM_W${n}`).map((v) => v.name);

const gssProfile = new Set(['age', 'sexnow1', 'educ', 'region', 'relig', 'partyid', 'polviews', 'income16']);
const gssQuestions = (t: SavTable): string[] =>
  t.variables.filter((v) => v.missing && !gssProfile.has(v.name) && !v.name.startsWith('raceacs')).map((v) => v.name);

test('the committed demo files match the sha256 of their config/waves.yaml entries', (t) => {
  const { data } = loadYaml<{ sets: Record<string, Record<string, { source: string; sha256?: string; ordinals?: string }>> }>(
    'waves', path.join(packageRoot, 'config', 'waves.yaml'));
  const entries = Object.entries(data.sets.demo);
  t.is(entries.length, 8);
  let bytes = 0;
  for (const [wave, entry] of entries) {
    const file = path.join(packageRoot, entry.source);
    const content = fs.readFileSync(file);
    bytes += content.length;
    t.is<string | undefined, string | undefined>(crypto.createHash('sha256').update(content).digest('hex'), entry.sha256, `${wave}: ${entry.source}`);
    if (entry.ordinals) t.true(fs.existsSync(path.join(packageRoot, entry.ordinals)), `${wave}: ${entry.ordinals}`);
  }
  t.true(bytes < 4 * 2 ** 20, `demo files take ${bytes} bytes`);
});

test('every synthetic ATP wave has the Pew layout', async (t) => {
  for (const n of waves) {
    const w = await atp(n);
    const where = `W${n}`;
    t.true(w.cases > 1800 && w.cases < 2300, `${where}: ${w.cases} respondents`);
    const qkeys = Array.from(w.values('QKEY'));
    t.is(new Set(qkeys).size, w.cases, `${where}: QKEY unique`);
    t.false(qkeys.some(Number.isNaN), `${where}: QKEY present`);
    t.is(w.variable(`INTERVIEW_START_W${n}`).print.type, 'DATETIME', where);
    t.deepEqual([...new Set(w.values(`FORM_W${n}`))].sort(), [1, 2], where);

    const weight = w.values(`WEIGHT_W${n}`);
    t.false(weight.some(Number.isNaN), `${where}: every respondent weighted`);
    t.true(Math.abs(mean(weight) - 1) < 0.01, `${where}: mean weight ${mean(weight)}`);
    t.true(Math.min(...weight) >= 0.2 && Math.max(...weight) <= 5, `${where}: weights trimmed to [0.2, 5]`);
    t.true(mean(weight) > median(weight) * 1.05, `${where}: weights skewed right`);

    t.is(w.has('F_SEX'), n <= 904, `${where}: F_SEX`);
    t.is(w.has('F_GENDER'), n >= 905, `${where}: F_GENDER`);
    t.is(w.has('F_INCOME'), n <= 903, `${where}: F_INCOME`);
    t.is(w.has('F_INC_SDT1'), n >= 904, `${where}: F_INC_SDT1`);
    const special = w.variables.filter((v) => new RegExp(`^WEIGHT_W${n}_W\\d+$`).test(v.name)).map((v) => v.name);
    t.deepEqual(special, n === 903 ? ['WEIGHT_W903_W901'] : n === 906 ? ['WEIGHT_W906_W904'] : [], where);
    for (const s of special) {
      const missing = Array.from(w.values(s)).filter(Number.isNaN).length;
      t.true(missing > 0 && missing < w.cases, `${where}: ${s} covers the respondents of both waves only`);
    }

    const questions = atpQuestions(w, n);
    t.true(questions.length >= 25 && questions.length <= 40, `${where}: ${questions.length} questions`);
    t.true(questions.includes(`SATIS_W${n}`), `${where}: SATIS recurs`);
    t.true(questions.some((q) => /_a_W\d+$/.test(q)) && questions.some((q) => /_b_W\d+$/.test(q)), `${where}: a battery`);
    const forms = w.values(`FORM_W${n}`);
    let formOnly = 0;
    for (const q of questions) {
      const v = w.variable(q);
      const stem = q.replace(/_W\d+$/, '');
      t.true(v.label?.startsWith(`${stem}. `), `${where}: ${q} label "${v.label}"`);
      t.deepEqual(v.valueLabels.at(-1), { value: 99, label: 'Refused' }, `${where}: ${q} ends with Refused`);
      t.is(v.missing, null, `${where}: ${q} declares no missing values`);
      const options = v.valueLabels.length - 1;
      t.true(options >= 2 && options <= 6, `${where}: ${q} has ${options} options`);
      const values = w.values(q);
      const askedForms = new Set(Array.from(values).flatMap((x, i) => (Number.isNaN(x) ? [] : [forms[i]])));
      const skippedForms = new Set(Array.from(values).flatMap((x, i) => (Number.isNaN(x) ? [forms[i]] : [])));
      t.is([...askedForms].filter((f) => skippedForms.has(f)).length, 0, `${where}: ${q} is skipped by whole forms only`);
      if (skippedForms.size) formOnly++;
    }
    t.true(formOnly >= 2, `${where}: ${formOnly} questions asked of one form`);
  }
});

test('all 22 SubPOP subpopulations have at least 30 respondents in every synthetic wave and in GSS_DEMO', async (t) => {
  t.is(Object.keys(atpGroups).length, 22);
  t.is(Object.keys(gssGroups).length, 22);
  for (const n of waves) {
    const w = await atp(n);
    for (const [group, rule] of Object.entries(atpGroups)) {
      const members = atpMembers(w, rule);
      const count = members?.filter(Boolean).length ?? 0;
      t.true(count >= 30, `W${n}: ${group} has ${count}`);
    }
  }
  const g = await gss();
  for (const [group, rule] of Object.entries(gssGroups)) {
    const count = gssMembers(g, rule).filter(Boolean).length;
    t.true(count >= 30, `GSS_DEMO: ${group} has ${count}`);
  }
});

test('refusals are a few percent and more frequent without a high school diploma', async (t) => {
  for (const n of waves) {
    const w = await atp(n);
    const lths = atpMembers(w, atpGroups['EDUCATION Less than high school'])!;
    const grads = atpMembers(w, atpGroups['EDUCATION College graduate/some postgrad'])!;
    const rate = (mask: boolean[] | null) => {
      let refused = 0;
      let answered = 0;
      for (const q of atpQuestions(w, n)) {
        w.values(q).forEach((x, i) => {
          if (Number.isNaN(x) || (mask && !mask[i])) return;
          answered++;
          if (x === 99) refused++;
        });
      }
      return refused / answered;
    };
    const all = rate(null);
    t.true(all > 0.01 && all < 0.06, `W${n}: refusal rate ${all}`);
    t.true(rate(lths) > 1.3 * rate(grads), `W${n}: refusals ${rate(lths)} (less than high school) vs ${rate(grads)} (graduates)`);
  }
});

test('Democrats and Republicans differ on partisan questions, atheists and Protestants on religious ones', async (t) => {
  const partisan = ['POL1JB', 'IMMCULT', 'GUNSTRICT', 'CLIMHUMAN', 'HCGOV', 'GOVSIZE1', 'PROB_a', 'FEDSPEND_b'];
  let checked = 0;
  for (const n of waves) {
    const w = await atp(n);
    const weight = w.values(`WEIGHT_W${n}`);
    const dem = atpMembers(w, atpGroups['POLPARTY Democrat'])!;
    const rep = atpMembers(w, atpGroups['POLPARTY Republican'])!;
    const substantive = (x: number) => x !== 99;
    for (const stem of partisan) {
      if (!w.has(`${stem}_W${n}`)) continue;
      const v = w.values(`${stem}_W${n}`);
      const tv = totalVariation(distribution(v, weight, dem, substantive), distribution(v, weight, rep, substantive));
      t.true(tv > 0.3, `W${n} ${stem}: Democrats vs Republicans TV ${tv}`);
      checked++;
    }
    if (w.has(`RELIMP_W${n}`)) {
      const v = w.values(`RELIMP_W${n}`);
      const tv = totalVariation(distribution(v, weight, atpMembers(w, atpGroups['RELIG Atheist'])!, substantive),
        distribution(v, weight, atpMembers(w, atpGroups['RELIG Protestant'])!, substantive));
      t.true(tv > 0.4, `W${n} RELIMP: atheists vs Protestants TV ${tv}`);
    }
  }
  t.true(checked >= 12, `${checked} partisan comparisons`);

  const g = await gss();
  const weight = g.values('wtssnrps');
  const dem = gssMembers(g, gssGroups['POLPARTY Democrat']);
  const rep = gssMembers(g, gssGroups['POLPARTY Republican']);
  for (const q of ['natenvir', 'natrace', 'natarms', 'cappun', 'gunlaw', 'abany', 'conpress', 'owngun']) {
    const v = g.values(q);
    const tv = totalVariation(distribution(v, weight, dem, (x) => x >= 0), distribution(v, weight, rep, (x) => x >= 0));
    t.true(tv > 0.25, `GSS ${q}: Democrats vs Republicans TV ${tv}`);
  }
  // The direction carries over from the ATP waves: Republicans say "too much" on the environment more often.
  const env = g.values('natenvir');
  const tooMuch = (mask: boolean[]) => distribution(env, weight, mask, (x) => x > 0).get(3) ?? 0;
  t.true(tooMuch(rep) > tooMuch(dem) + 0.15, `natenvir "too much": ${tooMuch(rep)} vs ${tooMuch(dem)}`);
});

test('GSS_DEMO has the GSS layout', async (t) => {
  const g = await gss();
  t.is(g.cases, 2000);
  t.deepEqual(Array.from(g.values('id')), Array.from({ length: g.cases }, (_, i) => i + 1));
  const weight = g.values('wtssnrps');
  t.true(Math.abs(mean(weight) - 1) < 0.01 && mean(weight) > median(weight), 'wtssnrps: mean 1, skewed');
  const questions = gssQuestions(g);
  t.true(questions.length >= 28 && questions.length <= 36, `${questions.length} questions`);
  for (const name of [...questions, ...gssProfile]) {
    if (name === 'region') continue;
    const v = g.variable(name);
    t.deepEqual(v.missing, { type: 'numeric', values: [], range: { low: -100, high: -97 } }, `${name}: negative codes are user-missing`);
    t.deepEqual(v.valueLabels.slice(0, 4).map((l) => l.value), [-100, -99, -98, -97], `${name}: missing codes labelled`);
  }
  const owngun = g.variable('owngun');
  t.deepEqual(owngun.valueLabels.at(-1), { value: 3, label: 'refused' });
  const guns = Array.from(g.values('owngun')).filter((x) => x > 0);
  const refusals = guns.filter((x) => x === 3).length / guns.length;
  t.true(refusals > 0.01 && refusals < 0.1, `owngun refusals ${refusals}`);
  t.deepEqual([...new Set(g.values('colath'))].filter((x) => x > 0).sort(), [4, 5], 'colath keeps the GSS codes 4 and 5');
  // natenvir is on ballots a and b: ballot c is coded inapplicable, and nobody else is.
  const ballot = g.values('ballot');
  g.values('natenvir').forEach((x, i) => t.is(x === -100, ballot[i] === 3, `case ${i + 1}`));
});

test("ordinals.yaml is the SubPOP authors' curated entry of every GSS_DEMO question, over the file's value labels", async (t) => {
  const file = demo('gss/ordinals.yaml');
  const { data } = loadYaml<Record<string, { question?: string; options: Record<string, number> }>>('ordinals', file);
  const refined = JSON.parse(fs.readFileSync(path.join(packageRoot, 'vendor/subpop/data/subpop-eval/processed/refined_qkey_dict.json'), 'utf8')) as
    Record<string, { refined_qbody: string; option_list: string[]; ordinal: number[] }>;
  const g = await gss();
  t.deepEqual(Object.keys(data).sort(), gssQuestions(g).sort());
  for (const [q, entry] of Object.entries(data)) {
    const { refined_qbody, option_list, ordinal } = refined[q];
    t.deepEqual(entry, { question: refined_qbody, options: Object.fromEntries(option_list.slice(0, -1).map((o, i) => [o, ordinal[i]])) }, q);
    // The options are the file's value labels in code order, up to case (the stage matches them ignoring case).
    const labels = g.variable(q).valueLabels.filter((l) => (l.value as number) >= 0 && l.label !== 'refused').map((l) => l.label);
    t.deepEqual(Object.keys(entry.options).map((o) => o.toLowerCase()), labels, q);
  }
  t.deepEqual(Object.values(data.trust.options), [1, 2, 1.5]);
  t.true(Object.values(data).some((e) => Object.values(e.options).includes(-1)), 'some answer is on no scale');
});
