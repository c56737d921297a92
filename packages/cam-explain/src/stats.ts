/** Small statistics shared by the methods and the metrics. */

/** The arithmetic mean; NaN for no values. */
export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return xs.length === 0 ? NaN : s / xs.length;
}
