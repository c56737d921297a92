import { describe, expect, it } from 'vitest';
import { averagePrecision } from '../src/metrics/average-precision.js';

describe('averagePrecision', () => {
  const truth = new Map([
    [0, [[0, 0, 10, 10] as const]],
    [1, [[5, 5, 15, 15] as const, [20, 20, 30, 30] as const]],
  ]);

  it('is 1 when every object is found before any false positive', () => {
    const dets = [
      { image: 0, box: [0, 0, 10, 10] as const, score: 0.9 },
      { image: 1, box: [5, 5, 15, 15] as const, score: 0.8 },
      { image: 1, box: [20, 20, 30, 30] as const, score: 0.7 },
      { image: 1, box: [40, 40, 50, 50] as const, score: 0.1 },
    ];
    expect(averagePrecision(dets, truth)).toBeCloseTo(1, 12);
  });

  it('counts duplicates and misplaced boxes as false positives (hand-computed curve)', () => {
    // ranks: TP (r 1/3, p 1), dup FP (p 1/2), TP (r 2/3, p 2/3), FP far away; third object missed
    const dets = [
      { image: 0, box: [0, 0, 10, 10] as const, score: 0.9 },
      { image: 0, box: [1, 1, 10, 10] as const, score: 0.8 },
      { image: 1, box: [6, 6, 15, 15] as const, score: 0.7 },
      { image: 1, box: [60, 60, 70, 70] as const, score: 0.6 },
    ];
    // envelope: p = [1, 2/3, 2/3, 1/2] at recall steps 1/3 (rank 1) and 2/3 (rank 3)
    expect(averagePrecision(dets, truth)).toBeCloseTo((1 / 3) * 1 + (1 / 3) * (2 / 3), 12);
  });

  it('uses the IoU threshold: a box overlapping 0.45 is a miss at 0.5 and a hit at 0.4', () => {
    const t = new Map([[0, [[0, 0, 10, 10] as const]]]);
    // [0,0,10,4.5] has IoU 0.45 with [0,0,10,10]
    const dets = [{ image: 0, box: [0, 0, 10, 4.5] as const, score: 1 }];
    expect(averagePrecision(dets, t, 0.5)).toBe(0);
    expect(averagePrecision(dets, t, 0.4)).toBeCloseTo(1, 12);
  });
});
