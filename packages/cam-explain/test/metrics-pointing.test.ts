/** Pointing game hits and misses by construction; Pearson and Spearman against hand computations. */
import { describe, expect, it } from 'vitest';
import { averageRanks, pearson, pointingGame, pointingHit, spearman, type PixelBox, type SaliencyMaps } from '../src/index.js';

const S = 16;

/** Maps [B, 16, 16] of zeros with value 1 at the given (x, y) peaks. */
function peaks(...items: (readonly (readonly [number, number])[])[]): SaliencyMaps {
  const maps = new Float32Array(items.length * S * S);
  items.forEach((pts, b) => pts.forEach(([x, y]) => (maps[b * S * S + y * S + x] = 1)));
  return { batch: items.length, height: S, width: S, maps };
}

describe('pointing game', () => {
  it('hits inside a box and misses outside with tolerance 0; x1, y1 are exclusive', () => {
    const maps = peaks([[5, 5]], [[4, 0]], [[3, 3]]);
    const box: PixelBox = [4, 4, 8, 8];
    const corner: PixelBox = [0, 0, 4, 4];
    const r = pointingGame(maps, [[box], [corner], [corner]], { tolerance: 0 });
    expect(r.hits).toEqual([true, false, true]); // (4, 0) is just right of x1 = 4; (3, 3) is the last pixel inside
    expect(r.accuracy).toBeCloseTo(2 / 3, 12);
    expect(pointingGame(maps, [[box], [corner], [corner]], { tolerance: 1 }).hits).toEqual([true, true, true]);
  });

  it('counts Euclidean distance to the nearest box pixel against the tolerance (default 15)', () => {
    // (6, 2) to box x 0..3, y 6..9: nearest pixel (3, 6), dx 3, dy 4, distance 5
    const near = peaks([[6, 2]]);
    const box: PixelBox = [0, 6, 4, 10];
    expect(pointingGame(near, [[box]], { tolerance: 5 }).hits).toEqual([true]);
    expect(pointingGame(near, [[box]], { tolerance: 4.99 }).hits).toEqual([false]);
    // (15, 15) to box x 0..3, y 0..3: nearest (3, 3), distance sqrt(144 + 144) = 16.97
    const far = peaks([[15, 15]]);
    expect(pointingGame(far, [[[0, 0, 4, 4]]]).hits).toEqual([false]); // default 15
    expect(pointingGame(far, [[[0, 0, 4, 4]]], { tolerance: 17 }).hits).toEqual([true]);
    expect(pointingGame(far, [[[0, 0, 4, 4]]], { tolerance: 16.9 }).hits).toEqual([false]);
    // any of several boxes
    expect(pointingGame(far, [[[0, 0, 4, 4], [14, 14, 16, 16]]], { tolerance: 0 }).hits).toEqual([true]);
  });

  it('counts a hit when any maximal pixel is on a box, whatever the argmax order', () => {
    // two equal maxima: (0, 0) comes first in raster order but is far; (12, 12) is in the box
    const tie = peaks([[0, 0], [12, 12]]);
    expect(pointingGame(tie, [[[10, 10, 14, 14]]], { tolerance: 0 }).hits).toEqual([true]);
    // a lower value on the box does not count
    const maps = peaks([[0, 0]]);
    maps.maps[12 * S + 12] = 0.99;
    expect(pointingGame(maps, [[[10, 10, 14, 14]]], { tolerance: 0 }).hits).toEqual([false]);
    // a constant map has every pixel maximal
    expect(pointingHit(new Float32Array(S * S), S, [[10, 10, 14, 14]], 0)).toBe(true);
    expect(pointingHit(new Float32Array(S * S).fill(NaN), S, [[10, 10, 14, 14]], 0)).toBe(false);
  });

  it('skips items without boxes and validates its inputs', () => {
    const maps = peaks([[5, 5]], [[5, 5]]);
    const r = pointingGame(maps, [[[4, 4, 6, 6]], []]);
    expect(r.hits).toEqual([true, null]);
    expect(r.evaluated).toBe(1);
    expect(r.accuracy).toBe(1);
    expect(() => pointingGame(maps, [[]])).toThrow(/2 maps/);
    expect(() => pointingGame(maps, [[[4, 4, 4, 6]], []])).toThrow(/x1 > x0/);
    expect(() => pointingGame(maps, [[], []], { tolerance: -1 })).toThrow(/tolerance/);
    expect(Number.isNaN(pointingGame(maps, [[], []]).accuracy)).toBe(true);
  });
});

describe('Spearman rank correlation', () => {
  it('averages tied ranks', () => {
    expect(Array.from(averageRanks([10, 20, 20, 5]))).toEqual([2, 3.5, 3.5, 1]);
    expect(Array.from(averageRanks([3, 3, 3]))).toEqual([2, 2, 2]);
  });

  it('rests on a Pearson coefficient that matches a hand computation', () => {
    // deviations (-1, 0, 1) and (-7/3, -1/3, 8/3): cov 5, variances 2 and 38/3
    expect(pearson([1, 2, 3], [2, 4, 7])).toBeCloseTo(5 / Math.sqrt(2 * (38 / 3)), 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
  });

  it('matches hand-computed coefficients', () => {
    // ranks [1..5] vs [1, 3, 2, 5, 4]: sum d^2 = 4, rho = 1 - 6 * 4 / (5 * 24) = 0.8
    expect(spearman([10, 20, 30, 40, 50], [0.1, 0.3, 0.2, 0.5, 0.4])).toBeCloseTo(0.8, 12);
    expect(spearman([1, 2, 3, 4], [40, 30, 20, 10])).toBeCloseTo(-1, 12);
    // monotone transforms do not matter
    expect(spearman([1, 2, 3, 4, 5], [1, 8, 27, 64, 125])).toBeCloseTo(1, 12);
    // ties: ranks [1, 2.5, 2.5, 4] vs [1, 2, 3, 4]: cov 4.5, var 4.5 and 5: rho = 4.5 / sqrt(22.5)
    expect(spearman([1, 2, 2, 3], [1, 2, 3, 4])).toBeCloseTo(4.5 / Math.sqrt(22.5), 12);
  });

  it('is NaN for constant samples and rejects unequal lengths', () => {
    expect(Number.isNaN(spearman([0.3, 0.3, 0.3], [1, 2, 3]))).toBe(true);
    expect(Number.isNaN(spearman([1], [1]))).toBe(true);
    expect(() => spearman([1, 2], [1, 2, 3])).toThrow();
  });
});
