/**
 * Central differences of a scalar score at sampled elements of one tensor:
 * (f(x + h e_j) - f(x - h e_j)) / (x_j+ - x_j-), with the step actually taken after
 * rounding to the tensor's storage type.
 *
 * ReLU and MaxPool make scores piecewise linear: a kink within h of x_j spoils that
 * step's estimate. Each element is therefore estimated with every step in `steps` and
 * the estimate closest to the analytic value is kept - a kink spoils one step, while a
 * wrong gradient disagrees with all of them.
 */
import type { Tensor } from '@gradloc/tensor-backend';

export interface FdPoint {
  readonly index: number;
  readonly analytic: number;
  readonly numeric: number;
}

/** `count` indices spread evenly over n elements. */
export const spread = (n: number, count: number): number[] =>
  Array.from({ length: Math.min(n, count) }, (_, k) => Math.floor(((k + 0.5) * n) / Math.min(n, count)));

export async function centralDifferences(
  score: (x: Tensor) => Promise<number>,
  x: Tensor,
  analytic: Tensor,
  indices: readonly number[],
  steps: readonly number[],
): Promise<FdPoint[]> {
  const out: FdPoint[] = [];
  for (const j of indices) {
    const a = Number(analytic.data[j]);
    let best = NaN;
    for (const h of steps) {
      const plus = { ...x, data: x.data.slice() } as Tensor;
      const minus = { ...x, data: x.data.slice() } as Tensor;
      (plus.data as Float32Array)[j] += h;
      (minus.data as Float32Array)[j] -= h;
      const step = Number(plus.data[j]) - Number(minus.data[j]);
      const numeric = ((await score(plus)) - (await score(minus))) / step;
      if (Number.isNaN(best) || Math.abs(numeric - a) < Math.abs(best - a)) best = numeric;
    }
    out.push({ index: j, analytic: a, numeric: best });
  }
  return out;
}
