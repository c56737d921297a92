/**
 * Diverse explanations (a GFlowNet over region sets) on a toy detector whose score is the
 * revealed weight of the regions, so F(S) = s_ins + 1 - s_del = 2 sum_{r in S} w_r is known
 * exactly: every returned set's value is checked against that sum, the sets are distinct and
 * sorted, the forward passes stay within the budget (plus one sampling batch), the diversity is
 * the mean pairwise Jaccard distance, and the sampler finds sets close to the best one.
 */
import { describe, expect, it } from 'vitest';
import { gridRegions } from '../src/regions/grid.js';
import { diverseSearch, meanJaccardDistance, pickDiverse } from '../src/diverse/diverse.js';
import { onesImage, TARGET_BOX, ToyDetector } from './toy-detector.js';

const H = 24;
const W = 24;
const regions = gridRegions(H, W, 16);
const N = regions.count;
const weights = Array.from({ length: N }, (_, r) => ((r * 7) % N) + 1).map((v, _, a) => v / a.reduce((s, x) => s + x, 0));
const F = (set: readonly number[]): number => 2 * set.reduce((s, r) => s + weights[r], 0);

describe('meanJaccardDistance', () => {
  it('is 1 - |A n B| / |A u B| averaged over pairs', () => {
    expect(meanJaccardDistance([[1, 2], [2, 3]])).toBeCloseTo(1 - 1 / 3, 12);
    expect(meanJaccardDistance([[1, 2], [2, 3], [4, 5]])).toBeCloseTo((2 / 3 + 1 + 1) / 3, 12);
    expect(meanJaccardDistance([[1, 2]])).toBe(0);
  });
});

describe('pickDiverse', () => {
  it('keeps the best, then the best far enough from every kept one, then fills up in order', () => {
    const items = [
      { v: 5, m: [1, 2, 3] },
      { v: 4, m: [1, 2, 4] }, // distance 0.5 to the first
      { v: 3, m: [5, 6, 7] },
      { v: 2, m: [1, 2, 3, 5] },
    ];
    const pick = (k: number, d: number): number[] => pickDiverse(items, k, d, (t) => t.v, (t) => t.m).map((t) => t.v);
    expect(pick(2, 0.6)).toEqual([5, 3]);
    expect(pick(2, 0.5)).toEqual([5, 4]);
    expect(pick(4, 0.9)).toEqual([5, 4, 3, 2]);
  });
});

describe('diverseSearch', () => {
  it('returns k distinct sets of `size` regions whose values are their true F, within the budget', async () => {
    const det = new ToyDetector(H, W, regions.labels, N, (revealed) => revealed.reduce((s, v, r) => s + v * weights[r], 0));
    const budget = 800;
    const r = await diverseSearch({ detector: det, image: onesImage(H, W), target: { query: 'toy', box: TARGET_BOX }, regions, k: 5, size: 3, budget, beta: 16, seed: 1, compareGreedy: true });
    expect(r.explanations).toHaveLength(5);
    const sets = r.explanations.map((e) => [...e.order].sort((a, b) => a - b));
    expect(new Set(sets.map((s) => s.join(','))).size).toBe(5);
    for (const [i, e] of r.explanations.entries()) {
      expect(e.order).toHaveLength(3);
      expect(e.value).toBeCloseTo(F(e.order), 5);
      if (i > 0) expect(e.value).toBeLessThanOrEqual(r.explanations[i - 1].value);
      // the map: the set's regions > 0, the rest 0, the first-added region highest
      const at = (region: number): number => e.map[regions.labels.indexOf(region)];
      expect(at(e.order[0])).toBeCloseTo(1, 6);
      for (let q = 0; q < N; q++) if (!e.order.includes(q)) expect(at(q)).toBe(0);
    }
    expect(r.diversity).toBeCloseTo(meanJaccardDistance(sets), 12);
    // forward passes: 2 per distinct set scored (the empty set too); at most one batch (16 x 3 sets) past the budget
    expect(r.forwardPasses).toBe(2 * r.setsScored);
    expect(r.forwardPasses).toBeLessThanOrEqual(budget + 2 * 16 * 3);
    // the best set is the 3 largest weights (F = 2 x 45/136); greedy finds it; the sampler gets close
    const best = 2 * (16 + 15 + 14) / 136;
    expect(r.greedy!.value).toBeCloseTo(best, 5);
    expect(r.explanations[0].value).toBeGreaterThan(0.9 * best);
  });

  it('ends when the sets are exhausted before the budget: 6 regions, sets of 1, a budget of 10,000 passes', async () => {
    const six = gridRegions(H, W, 6);
    const det = new ToyDetector(H, W, six.labels, six.count, (revealed) => revealed.reduce((s, v, r) => s + v * (r + 1), 0) / 21);
    const r = await diverseSearch({ detector: det, image: onesImage(H, W), target: { query: 'toy', box: TARGET_BOX }, regions: six, k: 3, size: 1, budget: 10_000 });
    // every set scored once: the empty set and the 6 singletons, 2 passes each
    expect(r.forwardPasses).toBe(2 * 7);
    // the three best singletons, best first, whichever phase drew them
    expect(r.explanations.map((e) => e.order[0])).toEqual([5, 4, 3]);
  });

  it('refuses a set size larger than the regions and a bad beta', async () => {
    const det = new ToyDetector(H, W, regions.labels, N, () => 0.5);
    const base = { detector: det, image: onesImage(H, W), target: { query: 'toy', box: TARGET_BOX }, regions };
    await expect(diverseSearch({ ...base, size: 17 })).rejects.toThrow(/size/);
    await expect(diverseSearch({ ...base, beta: 0 })).rejects.toThrow(/beta/);
  });
});
