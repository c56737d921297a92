/**
 * Dataset splits of `shapes` as disjoint seed ranges. A scene is a pure function of its seed,
 * so disjoint ranges mean no validation or test scene is ever a training scene.
 */
import { GradlocError } from '@gradloc/tensor-backend';

export type ShapesSplit = 'train' | 'validation' | 'test';

export interface SeedRange {
  /** First seed of the split. */
  readonly start: number;
  /** Number of seeds (scenes) in the split. */
  readonly count: number;
}

/** Far-apart starts leave room to grow every split without ever touching the next one. */
export const SHAPES_SPLITS: Readonly<Record<ShapesSplit, SeedRange>> = {
  train: { start: 0, count: 100_000_000 },
  validation: { start: 1_000_000_000, count: 1_000_000 },
  test: { start: 2_000_000_000, count: 1_000_000 },
};

/** Seed of the `index`-th scene of a split. */
export function splitSeed(split: ShapesSplit, index: number): number {
  const r = SHAPES_SPLITS[split];
  if (!Number.isInteger(index) || index < 0 || index >= r.count) {
    throw new GradlocError('BAD_INPUT', `shapes ${split} split has scenes 0..${r.count - 1}, got index ${index}`);
  }
  return r.start + index;
}

/** The split a seed belongs to, or undefined if it lies between the ranges. */
export function splitOfSeed(seed: number): ShapesSplit | undefined {
  for (const [name, r] of Object.entries(SHAPES_SPLITS) as [ShapesSplit, SeedRange][]) {
    if (seed >= r.start && seed < r.start + r.count) return name;
  }
  return undefined;
}
