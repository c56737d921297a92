/**
 * ROAD: the noisy linear imputer against hand-solved systems and its exactness on linear
 * ramps, then MoRF/LeRF scores on a model known by construction (mean red inside a box).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Graph, GraphBuilder, OnnxModel, float32 } from '@gradloc/tensor-backend';
import { elementTarget, noisyLinearImpute, removalMask, road, saliencyOrder, type CamResult } from '../src/index.js';

/** Deterministic pseudo-random values in [0, 1). */
const pattern = (n: number, salt = 0): Float32Array => Float32Array.from({ length: n }, (_, i) => (((i + salt) * 53) % 97) / 97);

describe('noisy linear imputer', () => {
  const W = 5;
  const H = 5;
  const v = pattern(H * W);
  const at = (y: number, x: number): number => v[y * W + x];
  const maskOf = (pixels: readonly (readonly [number, number])[], h = H, w = W): Uint8Array => {
    const m = new Uint8Array(h * w);
    for (const [y, x] of pixels) m[y * w + x] = 1;
    return m;
  };

  it('sets an isolated pixel to 1/6 of its direct plus 1/12 of its diagonal neighbours', () => {
    const out = noisyLinearImpute(v, 1, H, W, maskOf([[2, 2]]), { noise: 0 });
    const expected = (at(1, 2) + at(3, 2) + at(2, 1) + at(2, 3)) / 6 + (at(1, 1) + at(1, 3) + at(3, 1) + at(3, 3)) / 12;
    expect(out[2 * W + 2]).toBeCloseTo(expected, 6);
    // every other pixel is untouched
    out.forEach((x, i) => i !== 2 * W + 2 && expect(x).toBe(v[i]));
  });

  it('renormalises over the neighbours inside the image at a corner', () => {
    const out = noisyLinearImpute(v, 1, H, W, maskOf([[0, 0]]), { noise: 0 });
    expect(out[0]).toBeCloseTo((at(0, 1) / 6 + at(1, 0) / 6 + at(1, 1) / 12) / (5 / 12), 6);
  });

  it('solves two adjacent removed pixels jointly', () => {
    // p = (2, 1), q = (2, 2): u_p - u_q / 6 = S_p, u_q - u_p / 6 = S_q
    const S_p = (at(1, 1) + at(3, 1) + at(2, 0)) / 6 + (at(1, 0) + at(1, 2) + at(3, 0) + at(3, 2)) / 12;
    const S_q = (at(1, 2) + at(3, 2) + at(2, 3)) / 6 + (at(1, 1) + at(1, 3) + at(3, 1) + at(3, 3)) / 12;
    const det = 1 - 1 / 36;
    const out = noisyLinearImpute(v, 1, H, W, maskOf([[2, 1], [2, 2]]), { noise: 0 });
    expect(out[2 * W + 1]).toBeCloseTo((S_p + S_q / 6) / det, 6);
    expect(out[2 * W + 2]).toBeCloseTo((S_q + S_p / 6) / det, 6);
  });

  it('reproduces a linear ramp exactly inside removed regions away from the border, per channel', () => {
    const h = 12;
    const w = 12;
    const ramp = new Float32Array(2 * h * w);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        ramp[y * w + x] = 0.3 * x - 0.2 * y + 0.5;
        ramp[h * w + y * w + x] = -0.05 * x + 0.07 * y;
      }
    }
    const blob: [number, number][] = [];
    for (let y = 1; y < h - 1; y++) for (let x = 1; x < w - 1; x++) if ((y - 6) ** 2 + (x - 5) ** 2 <= 12 || (y === 2 && x > 6) || (x === 9 && y > 2)) blob.push([y, x]);
    const everythingInside: [number, number][] = [];
    for (let y = 1; y < h - 1; y++) for (let x = 1; x < w - 1; x++) everythingInside.push([y, x]);
    for (const pixels of [blob, everythingInside]) {
      const out = noisyLinearImpute(ramp, 2, h, w, maskOf(pixels, h, w), { noise: 0 });
      for (let i = 0; i < ramp.length; i++) expect(out[i]).toBeCloseTo(ramp[i], 5);
    }
    // a constant fill would not: the ramp's values vary by more than 1 over the blob
    expect(Math.abs(ramp[6 * w + 2] - ramp[6 * w + 8])).toBeGreaterThan(1);
  });

  it('leaves every imputed pixel equal to the weighted mean of its neighbours on a large irregular region', () => {
    const h = 48;
    const w = 40;
    const img = pattern(h * w, 9);
    // 70% of the pixels, most salient first, of a two-blob map: large connected regions touching the border
    const map = Float64Array.from({ length: h * w }, (_, p) => {
      const [y, x] = [Math.floor(p / w), p % w];
      return Math.exp(-((x - 10) ** 2 + (y - 12) ** 2) / 200) + 0.8 * Math.exp(-((x - 30) ** 2 + (y - 36) ** 2) / 150);
    });
    const removed = removalMask(saliencyOrder(map), Math.round(0.7 * h * w), h * w);
    const out = noisyLinearImpute(img, 1, h, w, removed, { noise: 0 });
    const stencil: [number, number, number][] = [[-1, -1, 1 / 12], [-1, 0, 1 / 6], [-1, 1, 1 / 12], [0, -1, 1 / 6], [0, 1, 1 / 6], [1, -1, 1 / 12], [1, 0, 1 / 6], [1, 1, 1 / 12]];
    let worst = 0;
    for (let p = 0; p < h * w; p++) {
      if (!removed[p]) continue;
      const [y, x] = [Math.floor(p / w), p % w];
      let s = 0;
      let z = 0;
      for (const [dy, dx, wt] of stencil) {
        if (y + dy < 0 || x + dx < 0 || y + dy >= h || x + dx >= w) continue;
        s += wt * out[(y + dy) * w + x + dx];
        z += wt;
      }
      worst = Math.max(worst, Math.abs(out[p] - s / z));
    }
    expect(worst).toBeLessThan(1e-5);
  });

  it('adds seeded N(0, noise^2) noise to the imputed pixels only', () => {
    const h = 32;
    const w = 32;
    const img = pattern(3 * h * w, 5);
    const removed = Uint8Array.from({ length: h * w }, (_, i) => (i * 7) % 3 === 0 ? 1 : 0);
    const clean = noisyLinearImpute(img, 3, h, w, removed, { noise: 0 });
    const a = noisyLinearImpute(img, 3, h, w, removed, { noise: 0.01, seed: 3 });
    const b = noisyLinearImpute(img, 3, h, w, removed, { noise: 0.01, seed: 3 });
    const c = noisyLinearImpute(img, 3, h, w, removed, { noise: 0.01, seed: 4 });
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(c)).not.toEqual(Array.from(a));
    const diffs: number[] = [];
    for (let ch = 0; ch < 3; ch++) {
      for (let p = 0; p < h * w; p++) {
        const i = ch * h * w + p;
        if (removed[p]) diffs.push(a[i] - clean[i]);
        else expect(a[i]).toBe(img[i]);
      }
    }
    const mean = diffs.reduce((s, d) => s + d, 0) / diffs.length;
    const std = Math.sqrt(diffs.reduce((s, d) => s + (d - mean) ** 2, 0) / diffs.length);
    expect(diffs.length).toBeGreaterThan(1000);
    expect(std).toBeGreaterThan(0.009);
    expect(std).toBeLessThan(0.011);
    expect(Math.abs(mean)).toBeLessThan(0.001);
  });

  it('refuses to impute when every pixel is removed', () => {
    expect(() => noisyLinearImpute(v, 1, H, W, new Uint8Array(H * W).fill(1))).toThrow(/at least one kept pixel/);
  });
});

describe('ROAD', () => {
  const H = 10;
  const W = 10;
  const N = H * W;
  // box x 4..6, y 4..6 (9 pixels)
  const box = [4, 4, 7, 7] as const;
  const inBox = (p: number): boolean => {
    const [y, x] = [Math.floor(p / W), p % W];
    return x >= box[0] && x < box[2] && y >= box[1] && y < box[3];
  };
  function model(): OnnxModel {
    const g = Graph.create(17);
    const b = new GraphBuilder(g);
    b.input('x', 'float32', ['batch', 3, H, W]);
    const crop = b.op('Slice', ['x', b.ints([0, box[1], box[0]]), b.ints([1, box[3], box[2]]), b.ints([1, 2, 3])]);
    b.op('ReduceMean', [crop], { axes: [2, 3], keepdims: 0 }, { outputs: ['y'] });
    b.output('y', 'float32', ['batch', 1]);
    return OnnxModel.fromGraph(g, { threads: 1 });
  }
  const m = model();
  afterAll(() => m.release());
  const target = elementTarget('y', [0]);

  // maps: item 0 ranks the box first (faithful), item 1 ranks it last
  const good = Float32Array.from({ length: N }, (_, p) => (inBox(p) ? 1 : 0.5 * (1 - p / N)));
  const bad = good.map((x) => 1 - x);
  const maps = new Float32Array(2 * N);
  maps.set(good, 0);
  maps.set(bad, N);
  const result: CamResult = { batch: 2, height: H, width: W, maps, scores: new Float64Array(2), warnings: [] };

  it('removes round(p% of the pixels) in saliency order', () => {
    const order = saliencyOrder(good, 'morf');
    const mask = removalMask(order, Math.round(0.1 * N), N);
    expect(mask.reduce((a, x) => a + x, 0)).toBe(10);
    for (let p = 0; p < N; p++) if (inBox(p)) expect(mask[p]).toBe(1);
    expect(mask[0]).toBe(1); // the most salient pixel outside the box
  });

  it('scores 0 for removing a bright box from a black image first and 1 for keeping it', async () => {
    // red = 1 inside the box, 0 elsewhere: imputing the box from its black surroundings gives 0
    const img = new Float32Array(2 * 3 * N);
    img.set(pattern(2 * 3 * N, 1));
    for (let b = 0; b < 2; b++) for (let p = 0; p < N; p++) img[b * 3 * N + p] = inBox(p) ? 1 : 0;
    const x = float32([2, 3, H, W], img);
    const r = await road({ model: m, feeds: { x }, target }, result, { percentages: [10, 50], noise: 0 });
    expect(r.percentages).toEqual([10, 50]);
    expect(Array.from(r.morf[0])).toEqual([0, 0]);
    expect(Array.from(r.lerf[0])).toEqual([1, 1]);
    expect(Array.from(r.morf[1])).toEqual([1, 1]);
    expect(Array.from(r.lerf[1])).toEqual([0, 0]);
    expect(Array.from(r.morfCurve)).toEqual([0.5, 0.5]);
    expect(r.morfMean).toBe(0.5);
    expect(r.lerfMean).toBe(0.5);

    // with the default noise: kept pixels are exact, imputed ones carry std-0.01 noise
    const noisy = await road({ model: m, feeds: { x }, target }, result, { percentages: [10, 50] });
    expect(Array.from(noisy.lerf[0])).toEqual([1, 1]);
    for (const s of noisy.morf[0]) {
      expect(Math.abs(s)).toBeLessThan(0.02);
      expect(s).not.toBe(0);
    }
  });

  it('imputes a removed box on a ramp back to the ramp (the removal leaves no trace)', async () => {
    const img = pattern(3 * N, 2);
    for (let p = 0; p < N; p++) img[p] = 0.05 * (p % W) + 0.03 * Math.floor(p / W) + 0.1;
    const x = float32([1, 3, H, W], img);
    const one: CamResult = { batch: 1, height: H, width: W, maps: good, scores: new Float64Array(1), warnings: [] };
    const original = (await m.run({ x })).y.data[0] as number;
    const r = await road({ model: m, feeds: { x }, target }, one, { percentages: [10], noise: 0 });
    // 10% = the 9 box pixels (interior) + pixel 0 (a corner, not adjacent): the box is exact
    expect(r.morf[0][0]).toBeCloseTo(original, 5);
  });

  it('rejects percentages outside [0, 100)', async () => {
    const x = float32([2, 3, H, W], pattern(2 * 3 * N));
    await expect(road({ model: m, feeds: { x }, target }, result, { percentages: [100] })).rejects.toThrow(/\[0, 100\)/);
  });
});
