/**
 * Which weights stay in FP16: the top `fraction` of a matrix by a per-weight score. The score
 * is what distinguishes the methods (methods.ts); selection is the same for all of them, per
 * matrix, so every matrix keeps the same share and bits/weight are equal across methods.
 */
import { rng } from '@gradloc/tensor-backend';

/** How many of `size` weights a fraction keeps (rounded to nearest). */
export const outlierCount = (size: number, fraction: number): number => Math.round(size * fraction);

/**
 * A mask (1 = outlier) of the `count` largest scores. Ties are broken by position (lower
 * index first), so the result is deterministic. NaN scores rank lowest.
 */
export function topMask(score: Float32Array | Float64Array, count: number): Uint8Array {
  const n = score.length;
  const mask = new Uint8Array(n);
  if (count <= 0) return mask;
  if (count >= n) return mask.fill(1);
  const key = (i: number): number => (Number.isNaN(score[i]) ? -Infinity : score[i]);
  // the count-th largest value by a native numeric sort (a comparator sort of millions of
  // indices takes seconds), then everything above it and, in index order, ties at it
  const sorted = Float64Array.from({ length: n }, (_, i) => key(i)).sort();
  const threshold = sorted[n - count];
  let taken = 0;
  for (let i = 0; i < n; i++) {
    if (key(i) > threshold) {
      mask[i] = 1;
      taken++;
    }
  }
  for (let i = 0; i < n && taken < count; i++) {
    if (key(i) === threshold) {
      mask[i] = 1;
      taken++;
    }
  }
  return mask;
}

/** `count` positions drawn uniformly without replacement (the control method). */
export function randomMask(size: number, count: number, seed: number): Uint8Array {
  const mask = new Uint8Array(size);
  const r = rng(seed);
  // Floyd's algorithm: exactly count distinct draws, O(count)
  for (let j = size - count; j < size; j++) {
    const t = Math.floor(r() * (j + 1));
    if (mask[t]) mask[j] = 1;
    else mask[t] = 1;
  }
  return mask;
}
