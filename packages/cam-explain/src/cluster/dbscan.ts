/**
 * DBSCAN (Ester et al. 1996) over a precomputed distance matrix, with scikit-learn's
 * conventions: a point is core when at least `minSamples` points (itself included) lie
 * within `eps` (distance <= eps); clusters grow from core points in index order; points
 * reachable from no core point are noise (label -1).
 */

export interface DbscanResult {
  /** Cluster id per point (0, 1, ...), -1 for noise. */
  readonly labels: Int32Array;
  readonly clusters: number;
}

/** `dist(i, j)` for i, j < n. */
export function dbscan(n: number, dist: (i: number, j: number) => number, eps: number, minSamples: number): DbscanResult {
  const neighbours: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) if (dist(i, j) <= eps) neighbours[i].push(j);
  }
  const core = neighbours.map((nb) => nb.length >= minSamples);
  const labels = new Int32Array(n).fill(-1);
  let clusters = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i] !== -1 || !core[i]) continue;
    const id = clusters++;
    labels[i] = id;
    const queue = [i];
    while (queue.length > 0) {
      const p = queue.pop()!;
      if (!core[p]) continue;
      for (const q of neighbours[p]) {
        if (labels[q] !== -1) continue;
        labels[q] = id;
        queue.push(q);
      }
    }
  }
  return { labels, clusters };
}

/** numpy.percentile with linear interpolation (q in [0, 100]); `values` is sorted in place. */
export function percentile(values: Float64Array, q: number): number {
  if (values.length === 0) return NaN;
  values.sort();
  const pos = (q / 100) * (values.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, values.length - 1);
  return values[lo] + (values[hi] - values[lo]) * (pos - lo);
}
