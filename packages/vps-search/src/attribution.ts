/**
 * The attribution map of a search: every pixel gets its region's value. Following the
 * subset-selection attribution of LIMA/VPS, earlier regions weigh more: walking the order
 * backwards, a region's value is its own |marginal gain| |F(S_k) - F(S_k-1)| plus the value of
 * the region selected after it, so values decrease strictly along the order (ties only for zero
 * gains) and big jumps in F show as big steps in the map. Normalised to [0, 1]; regions the
 * search never selected (maxSteps) get 0.
 */
import type { Regions } from './regions/types.js';
import type { SearchResult } from './search/types.js';

/** Value per region (index = region id). */
export function regionValues(result: Pick<SearchResult, 'order' | 'steps' | 'initial'>, count: number): Float64Array {
  const values = new Float64Array(count);
  let acc = 0;
  for (let k = result.order.length - 1; k >= 0; k--) {
    const prev = k === 0 ? result.initial.value : result.steps[k - 1].value;
    acc += Math.abs(result.steps[k].value - prev);
    // a tiny rank term keeps the order visible when gains are all zero (a flat F)
    values[result.order[k]] = acc + (result.order.length - k) * 1e-9;
  }
  const max = values.reduce((m, v) => Math.max(m, v), 0);
  if (max > 0) for (let r = 0; r < count; r++) values[r] /= max;
  return values;
}

/** Per-pixel map [height * width] from per-region values. */
export function regionMap(regions: Regions, values: ArrayLike<number>): Float32Array {
  const map = new Float32Array(regions.labels.length);
  for (let i = 0; i < map.length; i++) map[i] = values[regions.labels[i]];
  return map;
}
