/**
 * The one deterministic PRNG of the project (mulberry32) and the few distributions built
 * on it. Model weights, sample feeds and gradient checks all draw from here, so a seed
 * reproduces the same numbers everywhere (tests, benchmarks, other packages).
 */
import type { DType } from './dtype.js';
import { sizeOf, tensor, type Tensor } from './tensor.js';

/** A uniform [0, 1) generator from a 32-bit seed (mulberry32). */
export type Rand = () => number;

/** A Rand whose whole state is one 32-bit word: `rng(r.state())` continues the same sequence (checkpoints). */
export interface SeededRand extends Rand {
  readonly state: () => number;
}

/** Deterministic uniform PRNG (mulberry32). */
export function rng(seed: number): SeededRand {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Object.assign(next, { state: (): number => a });
}

/** A standard normal draw (Box-Muller; 1 - u keeps the log away from 0). */
export function normal(rand: Rand): number {
  const u = 1 - rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A float tensor of N(mean, std^2) draws. */
export function randn(dtype: 'float32' | 'float64', dims: readonly number[], rand: Rand, std = 1, mean = 0): Tensor {
  const t = tensor(dtype, dims);
  const d = t.data as Float32Array | Float64Array;
  // Both Box-Muller outputs per pair of uniforms: ResNet-50's 25M weights in half the draws.
  for (let i = 0; i < d.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rand()));
    const a = 2 * Math.PI * rand();
    d[i] = mean + std * r * Math.cos(a);
    if (i + 1 < d.length) d[i + 1] = mean + std * r * Math.sin(a);
  }
  return t;
}

/** A float tensor of U(lo, hi) draws. */
export function randUniform(dtype: 'float32' | 'float64', dims: readonly number[], rand: Rand, lo = -1, hi = 1): Tensor {
  const t = tensor(dtype, dims);
  const d = t.data as Float32Array | Float64Array;
  for (let i = 0; i < d.length; i++) d[i] = lo + (hi - lo) * rand();
  return t;
}

/** An integer tensor (int64 by default) of uniform draws in [lo, hi). */
export function randInt(dims: readonly number[], rand: Rand, lo: number, hi: number, dtype: DType = 'int64'): Tensor {
  const n = sizeOf(dims);
  const v = new Array<number>(n);
  for (let i = 0; i < n; i++) v[i] = lo + Math.floor(rand() * (hi - lo));
  return tensor(dtype, dims, v);
}

/** Shuffles `items` in place (Fisher-Yates) and returns it; every permutation equally likely. */
export function shuffle<T>(items: T[], rand: Rand): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
  return items;
}
