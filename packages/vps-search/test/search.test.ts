/**
 * The search on detectors whose value per region is known by construction: the greedy step
 * picks the true argmax, lazy greedy equals plain greedy on a submodular score with fewer
 * forward passes, the curves the search reads off itself equal re-scoring its order, and the
 * attribution map follows the order.
 */
import { describe, expect, it } from 'vitest';
import { gridRegions } from '../src/regions/grid.js';
import { SetEvaluator } from '../src/search/evaluator.js';
import { greedySearch } from '../src/search/greedy.js';
import { lazyGreedySearch } from '../src/search/lazy.js';
import { coarseToFineSearch } from '../src/search/coarse-to-fine.js';
import { shortlistSearch } from '../src/search/shortlist.js';
import { groupRegions, regionAdjacency } from '../src/search/groups.js';
import { regionMap, regionValues } from '../src/attribution.js';
import { faithfulness, orderByMap, orderCurves, searchCurves } from '../src/metrics.js';
import { targetScore } from '../src/score.js';
import { dRise } from '../src/baselines/d-rise.js';
import { blackBaseline, onesImage, TARGET_BOX, ToyDetector } from './toy-detector.js';

const H = 24;
const W = 24;
const regions = gridRegions(H, W, 16); // 4 x 4 cells of 6 x 6
const N = regions.count;
/** Distinct weights per region, summing to 1, in a scrambled order. */
const weights = Array.from({ length: N }, (_, r) => ((r * 7) % N) + 1).map((v, _, a) => v / a.reduce((s, x) => s + x, 0));

const linear = (revealed: Float64Array): number => revealed.reduce((s, v, r) => s + v * weights[r], 0);
const target = { query: 'toy', box: TARGET_BOX };

function evaluator(f: (revealed: Float64Array) => number, objective: { lambda1?: number; lambda2?: number }, batch = 7): { ev: SetEvaluator; det: ToyDetector } {
  const det = new ToyDetector(H, W, regions.labels, N, f);
  return { ev: new SetEvaluator(det, onesImage(H, W), blackBaseline(H, W), regions, target, objective, batch), det };
}

const byWeight = [...weights.keys()].sort((a, b) => weights[b] - weights[a]);

describe('targetScore', () => {
  it('is max over predictions of IoU x score', () => {
    const p = { boxes: Float32Array.from([0, 0, 0.5, 0.5, 0.25, 0.25, 0.75, 0.75]), scores: Float32Array.from([0.9, 0.4]) };
    // box 0 overlaps [0.25,0.75]^2 in [0.25,0.5]^2: 0.0625 / (0.25 + 0.25 - 0.0625) = 1/7
    expect(targetScore(p, TARGET_BOX)).toBeCloseTo(Math.max(0.9 / 7, 0.4), 7); // scores are float32
    expect(targetScore({ ...p, scores: Float32Array.from([0.9, 0.1]) }, TARGET_BOX)).toBeCloseTo(Math.fround(0.9) / 7, 7);
    expect(targetScore({ boxes: new Float32Array(0), scores: new Float32Array(0) }, TARGET_BOX)).toBe(0);
  });
});

describe('greedy search', () => {
  it.each([
    ['insertion only', { lambda1: 1, lambda2: 0 }],
    ['both terms', { lambda1: 1, lambda2: 1 }],
  ])('with a linear score (%s) picks regions by their known value, and counts every image', async (_what, objective) => {
    const { ev, det } = evaluator(linear, objective);
    const r = await greedySearch(ev);
    expect(r.order).toEqual(byWeight);
    // s_ins(S_k) = sum of the chosen weights; s_del(S_k) = the rest
    let acc = 0;
    r.steps.forEach((s, k) => {
      acc += weights[r.order[k]];
      expect(s.insertion).toBeCloseTo(acc, 5);
      if (objective.lambda2) expect(s.deletion).toBeCloseTo(1 - acc, 5);
      expect(s.value).toBeCloseTo(acc + (objective.lambda2 ? acc : 0), 5);
    });
    const perSet = objective.lambda2 ? 2 : 1;
    // 2 images for the empty set, then every remaining candidate at every step
    expect(r.forwardPasses).toBe(2 + (perSet * N * (N + 1)) / 2);
    expect(det.images).toBe(r.forwardPasses);
  });

  it('a step picks the argmax even when it is not the biggest region alone (interaction)', async () => {
    // regions 0 and 1 only count together; region 2 alone is worth 0.3
    const f = (v: Float64Array): number => 0.5 * v[0] * v[1] + 0.3 * v[2] + 0.01 * v[3];
    const { ev } = evaluator(f, { lambda1: 1, lambda2: 0 });
    const r = await greedySearch(ev, { maxSteps: 3 });
    expect(r.order[0]).toBe(2);
    // after {2}: adding 0 or 1 alone gains nothing, region 3 gains 0.01: the argmax is 3
    expect(r.order[1]).toBe(3);
    expect(r.order).toHaveLength(3);
  });
});

describe('lazy greedy', () => {
  // probabilistic coverage 1 - prod (1 - p_r)^{revealed}: monotone submodular in the set
  const p = weights.map((w) => Math.min(0.9, 4 * w));
  const coverage = (v: Float64Array): number => 1 - v.reduce((q, x, r) => q * (1 - p[r]) ** x, 1);

  it('equals plain greedy on a submodular score, with fewer forward passes', async () => {
    const plain = await greedySearch(evaluator(coverage, { lambda1: 1, lambda2: 0 }).ev);
    const lazy = await lazyGreedySearch(evaluator(coverage, { lambda1: 1, lambda2: 0 }).ev);
    expect(lazy.order).toEqual(plain.order);
    lazy.steps.forEach((s, k) => expect(s.value).toBeCloseTo(plain.steps[k].value, 12));
    expect(lazy.forwardPasses).toBeLessThan(plain.forwardPasses);
  });

  it('on the linear score it also equals plain greedy', async () => {
    const lazy = await lazyGreedySearch(evaluator(linear, { lambda1: 1, lambda2: 1 }).ev);
    expect(lazy.order).toEqual(byWeight);
  });
});

describe('shortlist search', () => {
  it('refreshEvery 1 is plain greedy: same order, scores and passes', async () => {
    const f = (v: Float64Array): number => 0.5 * v[0] * v[1] + linear(v) / 2;
    const plain = await greedySearch(evaluator(f, {}).ev);
    const every = await shortlistSearch(evaluator(f, {}).ev, { refreshEvery: 1 });
    expect(every.order).toEqual(plain.order);
    expect(every.steps).toEqual(plain.steps);
    expect(every.forwardPasses).toBe(plain.forwardPasses);
  });

  it('on an additive score: the greedy order, at the passes its rounds and shortlists cost', async () => {
    const { ev, det } = evaluator(linear, {});
    const r = await shortlistSearch(ev, { shortlist: 3, refreshEvery: 6, neighbours: false });
    // stale scores of an additive score keep their order, so the shortlist always holds the best
    expect(r.order).toEqual(byWeight);
    // full rounds at steps 0, 6, 12 (16, 10, 4 regions left), min(3, left) re-scored otherwise; 2 images per set
    let sets = 0;
    for (let k = 0; k < N; k++) sets += k % 6 === 0 ? N - k : Math.min(3, N - k);
    expect(r.forwardPasses).toBe(2 + 2 * sets);
    expect(det.images).toBe(r.forwardPasses);
    expect(r.steps.reduce((s, x) => s + x.forwardPasses, 0)).toBe(r.forwardPasses - 2);
  });

  it('re-scores the last pick\'s neighbours: a region that only counts beside it is found without a full round', async () => {
    // cell 5 is worth little alone but much once its neighbour 6 is in; a shortlist of 1 by stale
    // scores would miss it, the neighbours of the pick bring it in
    const f = (v: Float64Array): number => 0.4 * v[6] + 0.001 * v[5] + 0.5 * v[5] * v[6] + 0.01 * (v[0] + v[15]);
    const withN = await shortlistSearch(evaluator(f, { lambda1: 1, lambda2: 0 }).ev, { shortlist: 1, refreshEvery: 64, maxSteps: 2 });
    const without = await shortlistSearch(evaluator(f, { lambda1: 1, lambda2: 0 }).ev, { shortlist: 1, refreshEvery: 64, neighbours: false, maxSteps: 2 });
    expect(withN.order).toEqual([6, 5]);
    expect(without.order[1]).not.toBe(5);
    // every step's scores are those of its prefix set, as a fresh evaluator finds them
    const fresh = evaluator(f, { lambda1: 1, lambda2: 0 }).ev;
    const prefix = new Uint8Array(N);
    for (const step of withN.steps) {
      prefix[step.region] = 1;
      expect(step.value).toBeCloseTo((await fresh.evaluate([prefix])).value[0], 12);
    }
  });

  it('refuses a shortlist or refresh period that is not a positive integer', async () => {
    await expect(shortlistSearch(evaluator(linear, {}).ev, { shortlist: 0 })).rejects.toThrow(RangeError);
    await expect(shortlistSearch(evaluator(linear, {}).ev, { refreshEvery: 1.5 })).rejects.toThrow(RangeError);
  });
});

describe('coarse-to-fine search', () => {
  it('groups: a partition into connected groups of neighbouring regions, as many as asked', () => {
    for (const count of [1, 4, 5, 16]) {
      const groups = groupRegions(regions, count);
      expect(groups).toHaveLength(count);
      expect(groups.flat().sort((a, b) => a - b)).toEqual([...Array(N).keys()]);
      // each group connected in the region adjacency graph
      const adj = regionAdjacency(regions);
      for (const g of groups) {
        const seen = new Set([g[0]]);
        const stack = [g[0]];
        while (stack.length) for (const b of adj[stack.pop()!]) if (g.includes(b) && !seen.has(b)) stack.push(b), seen.add(b);
        expect(seen.size).toBe(g.length);
      }
    }
    // the 4 x 4 grid in 4 groups: four 2 x 2 blocks of 4 cells
    expect(groupRegions(regions, 4).map((g) => g.length)).toEqual([4, 4, 4, 4]);
  });

  it('on an additive score: groups by their summed weight, inside by weight; the passes the count says; steps re-scored', async () => {
    const { ev, det } = evaluator(linear, {});
    const r = await coarseToFineSearch(ev, { groupSize: 4 });
    const groups = groupRegions(regions, N / 4);
    const sum = (g: readonly number[]): number => g.reduce((s, k) => s + weights[k], 0);
    const expected = [...groups].sort((a, b) => sum(b) - sum(a)).flatMap((g) => [...g].sort((a, b) => weights[b] - weights[a]));
    expect(r.order).toEqual(expected);
    // empty set 2; groups G, G-1, .., 2 candidates (the last is not scored); inside a scored
    // group m, m-1, .., 2 regions, inside the last one m, .., 1: two images per set
    const G = groups.length;
    const m = 4;
    const sets = (G * (G + 1)) / 2 - 1 + (G - 1) * ((m * (m + 1)) / 2 - 1) + (m * (m + 1)) / 2;
    expect(r.forwardPasses).toBe(2 + 2 * sets);
    expect(det.images).toBe(r.forwardPasses);
    expect(r.steps.reduce((s, x) => s + x.forwardPasses, 0)).toBe(r.forwardPasses - 2);
    // every step's scores are those of its prefix set, as a fresh evaluator finds them
    const fresh = evaluator(linear, {}).ev;
    const prefix = new Uint8Array(N);
    for (const step of r.steps) {
      prefix[step.region] = 1;
      const s = await fresh.evaluate([prefix]);
      expect(step.value).toBeCloseTo(s.value[0], 12);
      expect(step.insertion).toBeCloseTo(s.insertion[0], 12);
    }
  });

  it('groupSize 1 is plain greedy (same order), maxSteps stops inside a group, a bad size is refused', async () => {
    const plain = await greedySearch(evaluator(linear, {}).ev);
    const single = await coarseToFineSearch(evaluator(linear, {}).ev, { groupSize: 1 });
    expect(single.order).toEqual(plain.order);
    const cut = await coarseToFineSearch(evaluator(linear, {}).ev, { groupSize: 4, maxSteps: 6 });
    expect(cut.order).toHaveLength(6);
    await expect(coarseToFineSearch(evaluator(linear, {}).ev, { groupSize: 0 })).rejects.toThrow(/groupSize/);
  });
});

describe('curves, attribution map, metrics', () => {
  it('the curves read off the search equal re-scoring its order', async () => {
    const { ev } = evaluator(linear, {});
    const r = await greedySearch(ev);
    const own = searchCurves(regions, r)!;
    const rescored = await orderCurves(ev, r.order);
    expect(own.area).toEqual(rescored.area);
    own.insertion.forEach((v, i) => expect(v).toBeCloseTo(rescored.insertion[i], 6));
    own.deletion.forEach((v, i) => expect(v).toBeCloseTo(rescored.deletion[i], 6));
    // equal-area regions: the insertion curve climbs by the sorted weights, AUC by hand
    const sorted = byWeight.map((r2) => weights[r2]);
    let y = 0;
    let auc = 0;
    for (const w of sorted) {
      auc += (1 / N) * (y + (y + w)) / 2;
      y += w;
    }
    expect(faithfulness(own).insertionAuc).toBeCloseTo(auc, 6);
    expect(faithfulness(own).highestConfidence).toBeCloseTo(1, 6);
  });

  it('the map decreases along the selection order, and ordering by the map gives the order back', async () => {
    const { ev } = evaluator(linear, {});
    const r = await greedySearch(ev);
    const values = regionValues(r, N);
    for (let k = 1; k < N; k++) expect(values[r.order[k]]).toBeLessThan(values[r.order[k - 1]]);
    expect(values[r.order[0]]).toBe(1);
    const map = regionMap(regions, values);
    expect(orderByMap(regions, map)).toEqual(r.order);
  });

  it('a truncated search leaves the rest at 0 and has no curves of its own', async () => {
    const { ev } = evaluator(linear, {});
    const r = await greedySearch(ev, { maxSteps: 4 });
    const values = regionValues(r, N);
    expect([...values].filter((v) => v > 0)).toHaveLength(4);
    expect(searchCurves(regions, r)).toBeUndefined();
  });
});

describe('D-RISE', () => {
  it('puts its peak in the region that alone decides the score', async () => {
    const hot = 5;
    const det = new ToyDetector(H, W, regions.labels, N, (v) => v[hot]);
    const r = await dRise(det, onesImage(H, W), blackBaseline(H, W), target, { masks: 400, grid: 8, seed: 3 });
    let arg = 0;
    for (let i = 1; i < r.map.length; i++) if (r.map[i] > r.map[arg]) arg = i;
    expect(regions.labels[arg]).toBe(hot);
    expect(r.forwardPasses).toBe(400);
  });
});
