/** `pipe dag`: the stage graph as text, Mermaid or Graphviz DOT; foreach/matrix groups fold into one node. */
import type { Dag } from './dag.js';

interface Graph {
  nodes: { id: string; label: string }[];
  edges: [string, string][];
}

function graph(dag: Dag, names: readonly string[], expand: boolean): Graph {
  const nodeOf = (name: string): string => (expand ? name : dag.pipeline.stages.get(name)!.group);
  const selected = new Set(names);
  const nodes = new Map<string, { id: string; label: string }>();
  for (const name of names) {
    const id = nodeOf(name);
    if (!nodes.has(id)) {
      const count = expand ? 1 : dag.pipeline.groups.get(id)!.filter((n) => selected.has(n)).length;
      nodes.set(id, { id, label: count > 1 ? `${id} ×${count}` : id });
    }
  }
  const edges = new Map<string, [string, string]>();
  for (const name of names) {
    for (const up of dag.upstream.get(name) ?? []) {
      if (!selected.has(up)) continue;
      const e: [string, string] = [nodeOf(up), nodeOf(name)];
      if (e[0] !== e[1]) edges.set(e.join('\0'), e);
    }
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

const mermaidId = (id: string): string => id.replace(/[^A-Za-z0-9_]/g, '_');

export function renderDag(dag: Dag, names: readonly string[], format: 'text' | 'mermaid' | 'dot', expand: boolean): string {
  const g = graph(dag, names, expand);
  if (format === 'mermaid') {
    const lines = ['flowchart TD', ...g.nodes.map((n) => `  ${mermaidId(n.id)}["${n.label}"]`), ...g.edges.map(([a, b]) => `  ${mermaidId(a)} --> ${mermaidId(b)}`)];
    return `${lines.join('\n')}\n`;
  }
  if (format === 'dot') {
    const lines = ['digraph pipeline {', '  rankdir=TB;', ...g.nodes.map((n) => `  "${n.id}" [label="${n.label}"];`), ...g.edges.map(([a, b]) => `  "${a}" -> "${b}";`), '}'];
    return `${lines.join('\n')}\n`;
  }
  const ups = new Map<string, string[]>(g.nodes.map((n) => [n.id, []]));
  for (const [a, b] of g.edges) ups.get(b)!.push(a);
  return `${g.nodes.map((n) => (ups.get(n.id)!.length ? `${n.label}  ← ${ups.get(n.id)!.join(', ')}` : n.label)).join('\n')}\n`;
}
