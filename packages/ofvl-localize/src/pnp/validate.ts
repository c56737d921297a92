/**
 * Checks of PnP input. User-given correspondences (npy files) with NaN are refused, naming the
 * first bad row; the network path may instead skip rows whose point is not finite (cells
 * without a prediction). Fewer than 4 usable rows, or all points (or all pixels) on one line,
 * cannot determine a pose: refused with one line saying so.
 */
import { GradlocError } from '@gradloc/tensor-backend';

export type InvalidRows = 'refuse' | 'skip';

export interface CheckedCorrespondences {
  /** Finite rows, as float64: [n, 3] and [n, 2]. */
  readonly points: Float64Array;
  readonly pixels: Float64Array;
  readonly count: number;
}

const finite = (a: ArrayLike<number>, from: number, n: number): boolean => {
  for (let k = 0; k < n; k++) if (!Number.isFinite(a[from + k])) return false;
  return true;
};

export function checkCorrespondences(points: ArrayLike<number>, pixels: ArrayLike<number>, invalid: InvalidRows = 'refuse'): CheckedCorrespondences {
  if (points.length % 3 !== 0) throw new GradlocError('BAD_INPUT', `points must be [N, 3]: ${points.length} values`);
  if (pixels.length % 2 !== 0) throw new GradlocError('BAD_INPUT', `pixels must be [N, 2]: ${pixels.length} values`);
  const n = points.length / 3;
  if (pixels.length / 2 !== n) throw new GradlocError('BAD_INPUT', `${n} points but ${pixels.length / 2} pixels: need one pixel per point`);
  const keep: number[] = [];
  for (let i = 0; i < n; i++) {
    if (finite(points, i * 3, 3) && finite(pixels, i * 2, 2)) keep.push(i);
    else if (invalid === 'refuse') throw new GradlocError('BAD_INPUT', `correspondence ${i} is not finite (NaN or infinity in its point or pixel)`);
  }
  if (keep.length < 4) throw new GradlocError('BAD_INPUT', `PnP needs at least 4 correspondences, got ${keep.length}${keep.length < n ? ` finite of ${n}` : ''}`);
  const P = new Float64Array(keep.length * 3);
  const U = new Float64Array(keep.length * 2);
  keep.forEach((i, r) => {
    for (let k = 0; k < 3; k++) P[r * 3 + k] = points[i * 3 + k];
    U[r * 2] = pixels[i * 2];
    U[r * 2 + 1] = pixels[i * 2 + 1];
  });
  if (collinear(P, 3)) throw new GradlocError('BAD_INPUT', 'degenerate correspondences: all points lie on one line (or coincide)');
  if (collinear(U, 2)) throw new GradlocError('BAD_INPUT', 'degenerate correspondences: all pixels lie on one line (or coincide)');
  return { points: P, pixels: U, count: keep.length };
}

/**
 * Whether every row of `a` ([n, dim]) lies within 1e-9 of the spread on the line through
 * the first row and the row farthest from it.
 */
export function collinear(a: Float64Array, dim: number): boolean {
  const n = a.length / dim;
  const diff = (i: number, j: number): number[] => Array.from({ length: dim }, (_, k) => a[i * dim + k] - a[j * dim + k]);
  const len = (v: readonly number[]): number => Math.hypot(...v);
  let far = 0;
  let spread = 0;
  for (let i = 1; i < n; i++) {
    const d = len(diff(i, 0));
    if (d > spread) [far, spread] = [i, d];
  }
  if (!(spread > 0)) return true;
  const axis = diff(far, 0).map((x) => x / spread);
  for (let i = 1; i < n; i++) {
    const v = diff(i, 0);
    const along = v.reduce((s, x, k) => s + x * axis[k], 0);
    if (len(v.map((x, k) => x - along * axis[k])) > 1e-9 * spread) return false;
  }
  return true;
}
