/** Source positions of a parsed YAML document, kept apart from the parser so that cached ones cost nothing. */

export interface PositionIndex {
  file: string;
  /** Key path joined by "\u0001" → [key line, key col, value line, value col] (key fields 0 for list items). */
  at: Record<string, [number, number, number, number]>;
}

/** `file:line:col` of the key (or its value) at a path; for a missing key, the nearest existing parent. */
export function locateIn(index: PositionIndex, pathParts: readonly (string | number)[], preferKey = false): string {
  for (let n = pathParts.length; n >= 0; n -= 1) {
    const hit = index.at[pathParts.slice(0, n).map(String).join('\u0001')];
    if (!hit) continue;
    const useKey = hit[0] > 0 && (preferKey || n < pathParts.length);
    return `${index.file}:${useKey ? hit[0] : hit[2]}:${useKey ? hit[1] : hit[3]}`;
  }
  return `${index.file}:1:1`;
}
