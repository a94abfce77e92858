/**
 * What the ATP waves and the GSS-layout survey share, and what they must not: no GSS_DEMO question (its prompt
 * text, its GSS wording, or its answer scale together with similar wording) is asked in any training wave, and no
 * ATP item copies a GSS item's target distribution; yet every GSS_DEMO question has ATP questions on its topic
 * that use the topic's words and load on the same latent attitudes, so that answers to the two surveys move
 * together across the 22 groups.
 */
import path from 'node:path';
import test from 'ava';
import { atpQuestionBank, type AtpQuestion } from '../../demo/atp-questions.js';
import { demoWaves } from '../../demo/atp.js';
import { gssQuestions } from '../../demo/gss-questions.js';
import { dimensions, type Loadings } from '../../demo/latent.js';
import { mentionsTopic, topics } from '../../demo/topics.js';
import { loadYaml } from '../../lib/schema.js';
import { packageRoot } from '../../lib/paths.js';
import { atpGroups, atpMembers, gssGroups, gssMembers } from './groups.js';
import { readSavTable, type SavTable } from './read.js';

const demo = (rel: string): string => path.join(packageRoot, 'demo', rel);
const trainingFiles = [...demoWaves.map((w) => `atp/ATP W${w.n}.sav`), 'anes/ATP W996.sav'];
const curated = loadYaml<Record<string, { question: string; options: Record<string, number> }>>('ordinals', demo('gss/ordinals.yaml')).data;

const normal = (s: string): string => s.toLowerCase().replace(/[^a-z0-9']+/g, ' ').trim();
const functionWords = new Set(['a', 'about', 'all', 'an', 'and', 'any', 'are', 'as', 'at', 'be', 'by', 'can', 'do', 'does', 'each',
  'for', 'from', 'has', 'have', 'he', 'her', 'his', 'how', 'i', "i'd", "i'm", 'if', 'in', 'is', 'it', 'its', 'me', 'more', 'most',
  'not', 'of', 'on', 'one', 'or', 'our', 'she', 'so', 'some', 'such', 'than', 'that', 'the', 'their', 'them', 'there', 'these',
  'they', 'this', 'to', 'was', 'we', 'were', "we're", 'what', 'whether', 'which', 'who', 'will', 'with', 'would', 'you', 'your']);
/** The content words of a text: a rewording keeps most of them, another question on the topic does not. */
const words = (s: string): Set<string> => new Set(normal(s).split(' ').filter((w) => !functionWords.has(w)));
function jaccard(a: string, b: string): number {
  const x = words(a);
  const y = words(b);
  const shared = [...x].filter((w) => y.has(w)).length;
  return shared / (x.size + y.size - shared);
}

interface Question {
  where: string;
  text: string;
  options: string[];
}

/** Every question of the committed training waves, as the ingest stage sees it: the label after "NAME. " and the
 * value labels without the final refusal. */
async function trainingQuestions(): Promise<Question[]> {
  const out: Question[] = [];
  for (const rel of trainingFiles) {
    const t = await readSavTable(demo(rel));
    const n = /W(\d+)\.sav$/.exec(rel)![1];
    for (const v of t.variables) {
      if (!v.name.endsWith(`_W${n}`) || v.name.startsWith('FORM_') || v.name.startsWith('WEIGHT_') || !v.valueLabels.length) continue;
      out.push({ where: `${rel} ${v.name}`, text: v.label!.slice(v.label!.indexOf('.') + 1), options: v.valueLabels.slice(0, -1).map((l) => l.label) });
    }
  }
  return out;
}

/** Every GSS_DEMO question in both of its wordings: the variable label and the prompt text of ordinals.yaml. */
async function gssForms(): Promise<Question[]> {
  const g = await readSavTable(demo('gss/GSS_DEMO.sav'));
  return Object.entries(curated).flatMap(([name, entry]) => {
    const label = g.variable(name).label!;
    const options = Object.keys(entry.options);
    return [
      { where: `GSS_DEMO ${name} (prompt)`, text: entry.question, options },
      { where: `GSS_DEMO ${name} (label)`, text: label.slice(label.indexOf('.') + 1), options },
    ];
  });
}

test('no GSS_DEMO question is asked in a training wave, nor reworded on the same answer scale', async (t) => {
  const training = await trainingQuestions();
  t.true(training.length > 150, `${training.length} training questions`);
  const scale = (q: Question): string => q.options.map(normal).join(' | ');
  for (const g of await gssForms()) {
    for (const a of training) {
      t.not(normal(a.text), normal(g.text), `${g.where} is asked as ${a.where}`);
      // Sharing an answer scale ("Yes / No", "Favor / Oppose") is fine; sharing it with similar wording is a copy.
      if (scale(a) === scale(g)) t.true(jaccard(a.text, g.text) < 0.5, `${g.where} is reworded as ${a.where}`);
    }
  }
});

test('no ATP item clones the answers of a GSS item: the same shares on the same topic or the same loadings', (t) => {
  const atp = [...atpQuestionBank.values()].flat();
  const sameLoadings = (a: Loadings, b: Loadings) => dimensions.every((d) => (a[d] ?? 0) === (b[d] ?? 0));
  for (const g of gssQuestions) {
    for (const a of atp) {
      const sameShares = a.shares.length === g.shares.length && a.shares.every((s, i) => Math.abs(s - g.shares[i]) < 0.005);
      t.false(sameShares && (a.topic === g.topic || sameLoadings(a.load, g.load)), `${a.name} clones ${g.name}: ${JSON.stringify(g.shares)}`);
    }
  }
});

const asked: AtpQuestion[] = [...new Set(demoWaves.flatMap((w) => w.ask.map((e) => e.split('/')[0])))].flatMap((stem) => [...atpQuestionBank.get(stem)!]);

function cosine(a: Loadings, b: Loadings): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (const d of dimensions) {
    ab += (a[d] ?? 0) * (b[d] ?? 0);
    aa += (a[d] ?? 0) ** 2;
    bb += (b[d] ?? 0) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

test('every GSS_DEMO question shares its topic words and latent attitudes with ATP questions', (t) => {
  t.deepEqual(gssQuestions.map((q) => q.name).sort(), Object.keys(curated).sort());
  for (const g of gssQuestions) {
    const prompt = `${curated[g.name].question} ${Object.keys(curated[g.name].options).join(' ')}`;
    t.true(mentionsTopic(prompt, g.topic), `${g.name} uses none of the words of topic ${g.topic} (${topics[g.topic].words.join(', ')})`);
    const siblings = asked.filter((a) => a.topic === g.topic);
    const speaking = siblings.filter((a) => mentionsTopic(`${a.text} ${a.options.join(' ')}`, g.topic));
    t.true(speaking.length >= 2, `${g.name}: ${speaking.length} ATP questions use the words of topic ${g.topic}`);
    // The same attitudes drive it: some ATP question on the topic loads on nearly the same dimensions (up to the
    // direction of its answer scale).
    const best = Math.max(...siblings.map((a) => Math.abs(cosine(a.load, g.load))));
    t.true(best >= 0.8, `${g.name}: the closest ATP loadings on topic ${g.topic} have cosine ${best.toFixed(2)}`);
  }
});

/** Weighted mean answer position (0 … 1 along the codes of the substantive answers) of each of the 22 groups. */
function groupMeans(table: SavTable, variable: string, weight: string, codes: number[], members: (group: string) => boolean[] | undefined): number[] {
  const values = table.values(variable);
  const w = table.values(weight);
  return Object.keys(atpGroups).map((group) => {
    const mask = members(group)!;
    let sum = 0;
    let total = 0;
    values.forEach((x, i) => {
      const k = codes.indexOf(x);
      if (!mask[i] || k < 0) return;
      sum += w[i] * (k / (codes.length - 1));
      total += w[i];
    });
    return sum / total;
  });
}

function correlation(x: number[], y: number[]): number {
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const my = y.reduce((a, b) => a + b, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  x.forEach((_, i) => {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
}

test('in the committed files, groups line up the same way on a GSS_DEMO question and its ATP counterpart', async (t) => {
  const gss = await readSavTable(demo('gss/GSS_DEMO.sav'));
  // [GSS question, its answer codes from one end of the scale to the other, ATP wave, ATP question, its codes in
  // the same direction]
  const pairs: [string, number[], number, string, number[]][] = [
    ['owngun', [1, 2], 904, 'GUNOWN_W904', [1, 2]],
    ['gunlaw', [1, 2], 904, 'POLICY_a_W904', [1, 2]],
    ['postlife', [1, 2], 902, 'HEAVEN_W902', [1, 2]],
    ['abany', [1, 2], 902, 'ABORTLEGAL_W902', [1, 2, 3, 4]],
    ['grass', [1, 2], 902, 'MARIJLEG_W902', [1, 2, 3]],
    ['natenvir', [1, 2, 3], 901, 'FEDSPEND_b_W901', [1, 2, 3]],
    ['conarmy', [1, 2, 3], 905, 'CONF_a_W905', [1, 2, 3, 4]],
    ['spkath', [1, 2], 906, 'OFFRELIG_W906', [1, 2]],
    ['cappun', [1, 2], 904, 'DEATHPEN_W904', [1, 2]],
  ];
  for (const [g, gCodes, n, a, aCodes] of pairs) {
    const atp = await readSavTable(demo(`atp/ATP W${n}.sav`));
    const x = groupMeans(gss, g, 'wtssnrps', gCodes, (group) => gssMembers(gss, gssGroups[group]));
    const y = groupMeans(atp, a, `WEIGHT_W${n}`, aCodes, (group) => atpMembers(atp, atpGroups[group]));
    const r = correlation(x, y);
    t.true(r > 0.7, `${g} vs ${a}: correlation ${r.toFixed(2)} across the 22 groups`);
  }
});
