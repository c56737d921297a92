/**
 * Pixel orderings and curve areas shared by the perturbation metrics.
 *
 * Ordering: pixels sorted by saliency, most salient first (MoRF) or least salient first
 * (LeRF). Ties are broken by the flat pixel index (row-major y * W + x), ascending, in both
 * directions, so the order is a deterministic function of the map alone (a plain
 * comparison sort would leave tied pixels in an engine-dependent order, and constant regions,
 * common after ReLU, are large ties). NaN saliency counts as the least salient value.
 *
 * Chunks: `steps` chunks of (as near as possible) equal size, chunk i covering order positions
 * floor(i N / steps) .. floor((i + 1) N / steps) - 1. Every chunk is non-empty when
 * steps <= N, and the x axis is the exact fraction of pixels perturbed, floor(i N / steps) / N
 * (i / steps when steps divides N).
 *
 * Area: the trapezoid rule over those fractions, so a curve sampled at 0 .. 1 has AUC in the
 * units of the score (RISE's `auc` is the same rule on a uniform grid).
 */
import { GradlocError } from '@gradloc/tensor-backend';

/** Pixel indices ordered by saliency ('morf': most salient first; 'lerf': least salient first), ties by index. */
export function saliencyOrder(map: ArrayLike<number>, direction: 'morf' | 'lerf' = 'morf'): Uint32Array {
  const n = map.length;
  // NaN -> -Infinity so the comparator stays a total order
  const v = Float64Array.from({ length: n }, (_, i) => (Number.isNaN(map[i]) ? -Infinity : map[i]));
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  const sign = direction === 'morf' ? -1 : 1;
  order.sort((a, b) => (v[a] === v[b] ? a - b : v[a] < v[b] ? -sign : sign));
  return order;
}

/** Order positions at which the chunks start: steps + 1 values from 0 to n. */
export function chunkBounds(n: number, steps: number): Uint32Array {
  if (!Number.isInteger(steps) || steps < 1) throw new GradlocError('BAD_INPUT', `steps must be a positive integer, got ${steps}`);
  return Uint32Array.from({ length: steps + 1 }, (_, i) => Math.floor((i * n) / steps));
}

/** Trapezoid-rule area under y(x) (x increasing). */
export function trapezoid(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new GradlocError('SHAPE_MISMATCH', `trapezoid: ${x.length} x values, ${y.length} y values`);
  let s = 0;
  for (let i = 1; i < x.length; i++) s += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2;
  return s;
}
