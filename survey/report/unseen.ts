/**
 * The report section of the unseen-subpopulation experiment (survey/unseen.ts, the paper's Table 2): the
 * bounds and the model's WD on groups it was not fine-tuned on, next to the seen groups of the main
 * evaluation, per attribute, and which groups of the set could not be formed.
 */
import path from 'node:path';
import { readJson } from '../../lib/json-files.js';
import { groupWdSpec } from '../report-charts.js';
import { attributeTables, columns, columnTitle, firstRun, fixed, loadResults, percent, wdReduction, type Column, type Results } from '../report.js';
import type { UnseenManifest } from '../unseen.js';
import type { Block, Section } from './sections.js';

export interface UnseenResults {
  manifest: UnseenManifest;
  results: Results;
}

/** The experiment's folder (artifacts/unseen/): split/unseen.json, eval/<model>-<style>/ and bounds/. */
export function loadUnseen(dir: string): UnseenResults {
  return {
    manifest: readJson<UnseenManifest>(path.join(dir, 'split', 'unseen.json'), 'unseen-manifest'),
    results: loadResults(path.join(dir, 'eval'), path.join(dir, 'bounds')),
  };
}

export function unseenSection(unseen: UnseenResults, main: Results): Section {
  const { manifest } = unseen;
  const cols = columns(unseen.results);
  const scores = (c: Column) => firstRun(c).set;
  const mainColumns = columns(main);
  const seenFineTuned = (c: Column) => {
    const m = mainColumns.find((x) => x.model === c.model && x.name === c.name);
    return m && scores(m).fine_tuned.wd;
  };
  const missingIn = (set: 'val' | 'test') =>
    manifest.unseen.filter((g) => g.rows[set] === 0).map((g) => `${g.attribute}/${g.group}${g.not_formed.length ? ` (${g.not_formed.join('; ')})` : ''}`);
  const blocks: Block[] = [
    {
      kind: 'text',
      text:
        `The groups of the ${manifest.group_set} set that the model was not fine-tuned on (${manifest.unseen.length} with rows here; ` +
        `${manifest.seen.length} groups were seen in training), scored with the same adapter on questions it never saw either: ` +
        "val holds the training survey's validation questions, test the evaluation survey. The authors' code has no " +
        'separate protocol for this experiment (it forms the rows of whatever group list it is given), so this follows ' +
        "the paper's description: fine-tune on the 22 groups, evaluate on the others.",
    },
    {
      kind: 'table',
      head: ['', ...cols.map(columnTitle)],
      rows: [
        ['Uniform (upper bound)', ...cols.map((c) => fixed(c.bounds?.uniform.wd))],
        ['Human (bootstrap, lower bound)', ...cols.map((c) => fixed(c.bounds?.human?.wd))],
        ['Zero-shot', ...cols.map((c) => fixed(scores(c).zero_shot.wd))],
        ['Fine-tuned', ...cols.map((c) => fixed(scores(c).fine_tuned.wd))],
        ['WD reduction (zero-shot → fine-tuned)', ...cols.map((c) => percent(wdReduction(scores(c).zero_shot.wd, scores(c).fine_tuned.wd)))],
        ['Seen groups, fine-tuned (main evaluation)', ...cols.map((c) => fixed(seenFineTuned(c)))],
        ['Rows (with a defined WD)', ...cols.map((c) => `${scores(c).rows} (${scores(c).zero_shot.wd_rows})`)],
        ['Groups', ...cols.map((c) => String(scores(c).zero_shot.groups.length))],
      ],
    },
  ];
  for (const t of attributeTables(unseen.results)) blocks.push({ kind: 'heading', text: `By attribute: ${t.set}` }, { kind: 'table', head: t.head, rows: t.rows });
  const absent = manifest.absent.map((g) => `${g.attribute}/${g.group} (${g.reason})`);
  const notes: [string, string][] = [['Absent', absent.length ? absent.join('; ') : 'none']];
  for (const set of ['val', 'test'] as const) {
    const list = missingIn(set);
    if (list.length) notes.push([`No rows in ${set}`, list.join('; ')]);
  }
  blocks.push({ kind: 'terms', items: notes });
  for (const c of cols) {
    blocks.push({ kind: 'chart', spec: groupWdSpec(scores(c).zero_shot, scores(c).fine_tuned, c.bounds?.human), caption: `${columnTitle(c)}: mean WD per unseen group; lower is better.` });
  }
  return { title: 'Unseen subpopulations', blocks };
}
