/** Test inputs that stay away from an op's kinks (0 for Abs/Relu, ties for Max, ...). */
import { rng } from '../tensor/random.js';

/** n uniform values in [lo, hi), each at least `gap` away from every point in `avoid`. */
export function awayFrom(n: number, seed: number, lo = -2, hi = 2, avoid: readonly number[] = [], gap = 0.1): number[] {
  const r = rng(seed);
  const out: number[] = [];
  while (out.length < n) {
    const v = lo + (hi - lo) * r();
    if (avoid.every((a) => Math.abs(v - a) >= gap)) out.push(v);
  }
  return out;
}
