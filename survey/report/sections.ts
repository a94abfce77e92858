/**
 * The experiments' sections of the reports (population-marginal baseline, bias audit, unseen subpopulations,
 * data scaling), each described once as data and rendered both to RESULTS.md and to the HTML report (where
 * charts are drawn; RESULTS.md points at them).
 */
import type { TopLevelSpec } from 'vega-lite';
import { escapeHtml, figure, htmlTable } from '../report-html.js';
import { renderSvg } from '../report-charts.js';
import { table } from '../report.js';

export type Block =
  | { kind: 'text'; text: string }
  | { kind: 'heading'; text: string }
  | { kind: 'table'; head: string[]; rows: string[][] }
  | { kind: 'terms'; items: [term: string, text: string][] }
  | { kind: 'chart'; spec: TopLevelSpec; caption: string };

export interface Section {
  title: string;
  blocks: Block[];
}

const alignment = (head: readonly string[]) => head.map((_, i) => (i === 0 ? ('l' as const) : ('r' as const)));

/** `charts`: the HTML page the section's charts are drawn in, named where the Markdown leaves them out. */
export function sectionMarkdown(section: Section, charts = 'artifacts/report/report.html'): string {
  const out: string[] = [`## ${section.title}`, ''];
  const drawn = section.blocks.filter((b) => b.kind === 'chart').length;
  for (const b of section.blocks) {
    if (b.kind === 'text') out.push(b.text, '');
    else if (b.kind === 'heading') out.push(`### ${b.text}`, '');
    else if (b.kind === 'table') out.push(table(b.head, b.rows, alignment(b.head)), '');
    else if (b.kind === 'terms') out.push(...b.items.map(([term, text]) => `- **${term}**: ${text}`), '');
  }
  if (drawn) out.push(`${drawn === 1 ? 'The chart' : `The ${drawn} charts`} of this section: ${charts}.`, '');
  return out.join('\n');
}

export async function sectionHtml(section: Section): Promise<string> {
  const out: string[] = [`<h2>${escapeHtml(section.title)}</h2>`];
  for (const b of section.blocks) {
    if (b.kind === 'text') out.push(`<p>${escapeHtml(b.text)}</p>`);
    else if (b.kind === 'heading') out.push(`<h3>${escapeHtml(b.text)}</h3>`);
    else if (b.kind === 'table') out.push(htmlTable(b.head, b.rows));
    else if (b.kind === 'terms') out.push(`<dl>${b.items.map(([term, text]) => `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(text)}</dd>`).join('')}</dl>`);
    else out.push(figure(await renderSvg(b.spec), b.caption));
  }
  return out.join('\n');
}

/** A signed difference, e.g. "+0.012" or "−0.004". */
export const signed = (v: number, digits = 3): string => `${v < 0 ? '−' : '+'}${Math.abs(v).toFixed(digits)}`;
