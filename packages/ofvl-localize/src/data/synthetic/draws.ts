/** The few random draws the room generator makes, on the project's seeded PRNG. */
import type { Rand } from '@gradloc/tensor-backend';

/** Uniform in [lo, hi). */
export const between = (rand: Rand, lo: number, hi: number): number => lo + (hi - lo) * rand();

/** Uniform in [range[0], range[1]). */
export const within = (rand: Rand, range: readonly [number, number]): number => between(rand, range[0], range[1]);

/** A fresh 31-bit seed for stateless noise. */
export const seedOf = (rand: Rand): number => Math.floor(rand() * 0x7fffffff);

/** One of `items`, uniformly. */
export function pick<T>(rand: Rand, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length) % items.length];
}
