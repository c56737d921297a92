/**
 * Faithfulness of an attribution over sub-regions, the same way for VPS and for the baseline
 * maps: regions are revealed (insertion) or removed (deletion) in order of importance, and the
 * target's score is plotted against the fraction of the image area revealed or removed.
 * - insertion AUC (higher is better), deletion AUC (lower is better): trapezoids over area;
 * - highest confidence: the best insertion score along the curve.
 * A map is turned into a region order by each region's mean map value (descending; ties by id).
 */
import { trapezoid } from '@gradloc/cam-explain';
import { regionSizes, type Regions } from './regions/types.js';
import type { SetEvaluator } from './search/evaluator.js';
import type { SearchResult } from './search/types.js';

export interface Curves {
  /** Area fraction after each of 0..n regions. */
  readonly area: readonly number[];
  readonly insertion: readonly number[];
  readonly deletion: readonly number[];
}

export interface Faithfulness {
  readonly insertionAuc: number;
  readonly deletionAuc: number;
  readonly highestConfidence: number;
}

/** Regions by descending mean map value (ties: lower id first). */
export function orderByMap(regions: Regions, map: ArrayLike<number>): number[] {
  const sum = new Float64Array(regions.count);
  const area = regionSizes(regions);
  for (let i = 0; i < regions.labels.length; i++) sum[regions.labels[i]] += map[i];
  const mean = Array.from(sum, (s, r) => (area[r] ? s / area[r] : 0));
  return [...Array(regions.count).keys()].sort((a, b) => mean[b] - mean[a] || a - b);
}

function cumulativeArea(regions: Regions, order: readonly number[]): number[] {
  const area = regionSizes(regions);
  const total = regions.labels.length;
  const out = [0];
  let acc = 0;
  for (const r of order) {
    acc += area[r];
    out.push(acc / total);
  }
  return out;
}

export function faithfulness(c: Curves): Faithfulness {
  return { insertionAuc: trapezoid(c.area, c.insertion), deletionAuc: trapezoid(c.area, c.deletion), highestConfidence: Math.max(...c.insertion) };
}

/** The curves of a full region order, scored in batches (2 (n + 1) forward passes). */
export async function orderCurves(ev: SetEvaluator, order: readonly number[]): Promise<Curves> {
  const n = ev.regions.count;
  const sets: Uint8Array[] = [new Uint8Array(n)];
  for (const r of order) {
    const s = Uint8Array.from(sets[sets.length - 1]);
    s[r] = 1;
    sets.push(s);
  }
  return { area: cumulativeArea(ev.regions, order), insertion: await ev.scores(sets, true), deletion: await ev.scores(sets, false) };
}

/**
 * The curves a search already measured (no extra forward passes) when it ran with both terms
 * and selected every region; otherwise undefined (score them with orderCurves).
 */
export function searchCurves(regions: Regions, result: SearchResult): Curves | undefined {
  if (result.order.length !== regions.count || result.steps.some((s) => Number.isNaN(s.insertion) || Number.isNaN(s.deletion))) return undefined;
  return {
    area: cumulativeArea(regions, result.order),
    insertion: [result.initial.insertion, ...result.steps.map((s) => s.insertion)],
    deletion: [result.initial.deletion, ...result.steps.map((s) => s.deletion)],
  };
}
