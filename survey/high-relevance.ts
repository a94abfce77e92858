/**
 * The authors' high-relevance exclusions (config/high-relevance.yaml): test questions too close to a fine-tuning
 * question. Their notebook scores each benchmark without them; the eval and bounds stages score every set both
 * ways, so a reader can compare with either convention.
 */
import { loadYaml } from '../lib/schema.js';

export const highRelevanceFile = 'config/high-relevance.yaml';

/** Benchmark → its high-relevance qkeys. */
export type HighRelevance = Record<string, string[]>;

export function loadHighRelevance(file = highRelevanceFile): HighRelevance {
  return loadYaml<HighRelevance>('high-relevance', file).data;
}

/** Every listed qkey, whatever the benchmark (the benchmarks' qkeys are disjoint). */
export const highRelevanceQkeys = (lists: HighRelevance): ReadonlySet<string> => new Set(Object.values(lists).flat());
