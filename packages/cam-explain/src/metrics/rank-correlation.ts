/**
 * Spearman rank correlation, what the model-randomisation sanity check (Adebayo et al. 2018)
 * reports between the original map and each randomised model's map: it compares which pixels
 * a map ranks high, independent of the map's scale.
 *
 * Definition: the Pearson correlation of the two rank vectors, tied values getting the mean
 * of the ranks they span (ranks 1-based; scipy.stats.spearmanr's 'average' method). With ties
 * this is the exact coefficient; the shortcut 1 - 6 sum d^2 / (n (n^2 - 1)) holds only
 * without ties. Computed in float64. A constant input has no ranking: the result is NaN (as
 * scipy), as it is for fewer than 2 values. NaN inputs are not supported (ranked as given by
 * the comparison sort, i.e. arbitrarily): the metrics' maps are finite.
 */
import { GradlocError } from '@gradloc/tensor-backend';

/** 1-based ranks, ties averaged. */
export function averageRanks(xs: ArrayLike<number>): Float64Array {
  const n = xs.length;
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => xs[a] - xs[b] || a - b);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && xs[order[j + 1]] === xs[order[i]]) j++;
    const r = (i + j) / 2 + 1; // mean of ranks i + 1 .. j + 1
    for (let k = i; k <= j; k++) ranks[order[k]] = r;
    i = j + 1;
  }
  return ranks;
}

/** Pearson correlation (NaN when either side is constant). */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (b.length !== n) throw new GradlocError('SHAPE_MISMATCH', `correlation of ${n} and ${b.length} values`);
  // exact test: a rounded mean can leave a constant vector with a tiny non-zero spread
  const constant = (v: ArrayLike<number>): boolean => {
    for (let i = 1; i < v.length; i++) if (v[i] !== v[0]) return false;
    return true;
  };
  if (n < 2 || constant(a) || constant(b)) return NaN;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** Spearman's rho of two equally long samples. */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (b.length !== a.length) throw new GradlocError('SHAPE_MISMATCH', `correlation of ${a.length} and ${b.length} values`);
  return pearson(averageRanks(a), averageRanks(b));
}
