/**
 * CF-CAM by construction: channel splits, DBSCAN's eps, the authors' smoothing, the weights
 * and the token-layer fallback, each against values worked out by hand or by a separate,
 * straightforward implementation here (never the package's own output).
 */
import { describe, expect, it } from 'vitest';
import { tensor, type OnnxModel, type Tensor } from '@gradloc/tensor-backend';
import { CFCAM, cfcamChannels, cfcamFilter, classTarget, type CamResult, type CfCamOptions, type LayerContext } from '../src/index.js';
import { flattenHeadModel, tokenModel, uniform } from './tiny-models.js';
import { modelKeeper, plane } from './helpers.js';

class RecCFCAM extends CFCAM {
  readonly seen: Float64Array[] = [];
  protected override weights(ctx: LayerContext): Float64Array {
    const w = super.weights(ctx);
    this.seen.push(w);
    return w;
  }
}

const keep = modelKeeper();

const itemOf = (t: Tensor, b: number): Float32Array => {
  const per = t.data.length / t.dims[0];
  return (t.data as Float32Array).subarray(b * per, (b + 1) * per);
};
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return Number.isNaN(m) ? Infinity : m;
}
function softmax(xs: readonly number[]): number[] {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/**
 * The spatial mean of the authors' smoothing of a map g (h x w), written independently of
 * cfcamFilter: the output is sum over kernel taps (i, j) of k(i, j) * g shifted by
 * (i - top, j - left) with zeros outside, so its total is sum_ij k(i, j) * (the sum of g over
 * the source pixels that shift keeps inside the map).
 */
function authorsSmoothedMean(g: readonly number[], h: number, w: number, sigma = 5, range = 0.1): number {
  const mean = g.reduce((a, v) => a + v, 0) / g.length;
  const k: number[] = [];
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) k.push(Math.exp(-((i - h / 2) ** 2 + (j - w / 2) ** 2) / (2 * sigma ** 2)) * Math.exp(-((g[i * w + j] - mean) ** 2) / (2 * range ** 2)));
  const norm = k.reduce((a, v) => a + v, 0) + 1e-6;
  const top = Math.floor((h - 1) / 2);
  const left = Math.floor((w - 1) / 2);
  let total = 0;
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      // output (y, x) reads source (y + i - top, x + j - left): the sources reached are rows
      // max(0, i - top) .. min(h, h + i - top) - 1 and likewise for columns
      let window = 0;
      for (let sy = Math.max(0, i - top); sy < Math.min(h, h + i - top); sy++) for (let sx = Math.max(0, j - left); sx < Math.min(w, w + j - left); sx++) window += g[sy * w + sx];
      total += (k[i * w + j] / norm) * window;
    }
  }
  return total / (h * w);
}

describe("CF-CAM, the authors' definition: DBSCAN on the low-norm channels' ACTIVATION maps", () => {
  // A_k = u_k x (1x1 conv, no activation): channel norms rank as u_k, and the distance between
  // two activation maps is |u_i - u_j| |x|, so the scales alone fix the split. G_k is the flatten
  // head's block for channel k, chosen freely.
  const K = 12;
  const n = 16;
  const u = [3.0, 0.6, 1.0, 0.61, 0.2, 2.5, 1.01, 0.62, 1.4, 2.8, 0.63, 1.02];
  // 75th percentile of the scales: position 8.25 of the sorted 12, between 1.4 and 2.5 -> 1.675
  const high = [0, 5, 9];
  // among the 9 others: A = 0.60..0.63 and B = 1.00..1.02 (within-cluster distances <= 0.03 |x|),
  // 0.2 and 1.4 at >= 0.37 |x| from anything. eps = 25th percentile of the 72 off-diagonal
  // distances (36 pairs, each twice): position 17.75, past the 18 within-cluster entries:
  // 0.03 + 0.75 (0.37 - 0.03) = 0.285 (times |x|). A-B (0.37) and the two loners (>= 0.38) are
  // further than eps; min_samples = max(2, floor(0.45)) = 2.
  const clusterA = [1, 3, 7, 10];
  const clusterB = [2, 6, 11];
  const noise = [4, 8];
  const pm = (f: (p: number) => boolean): number[] => [...Array(n).keys()].map((p) => (f(p) ? 1 : -1));
  const D1 = pm((p) => p % 2 === 1);
  const D2 = pm((p) => Math.floor(p / 4) % 2 === 1);
  const D3 = pm((p) => p < 8);
  const cA = 0.3;
  const cB = -0.2;
  const grads: number[][] = [];
  grads[0] = D1.map((d) => 0.5 + 0.2 * d);
  grads[5] = D2.map((d) => -0.4 + 0.3 * d);
  grads[9] = D3.map((d) => 0.05 + 0.1 * d);
  // the clusters' gradients differ a lot (so clustering GRADIENTS would split them otherwise)
  // but average to the constants cA and cB
  [D1, D1.map((d) => -d), D2, D2.map((d) => -d)].forEach((d, i) => (grads[clusterA[i]] = d.map((v) => cA + v)));
  [D3, D3.map((d) => -d), D3.map(() => 0)].forEach((d, i) => (grads[clusterB[i]] = d.map((v) => cB + v)));
  grads[4] = D2.map((d) => 1.5 + d);
  grads[8] = D1.map((d) => -1.5 - d);
  const head = new Float32Array(K * n);
  for (let k = 0; k < K; k++) for (let p = 0; p < n; p++) head[k * n + p] = grads[k][p];
  const { model, layer } = keep(flattenHeadModel({ inputDims: [1, 4, 4], convW: { dims: [K, 1, 1, 1], data: u }, conv: { kernel_shape: [1, 1] }, relu: false, head: { dims: [K * n, 1], data: head } }));
  const x = uniform([2, 1, 4, 4], 8, 0.2, 1);
  const request = { model, feeds: { x }, target: classTarget({ output: 'logits', classes: 0 }), layers: [{ name: layer }] };

  it('3 high-norm channels, clusters A and B, 2 noise channels; weights = softmax over the kept raw weights', async () => {
    const m = new RecCFCAM();
    const r = await m.explain(request);
    const report = { kept: 3, clusters: 2, clustered: 7, noise: 2, weighting: 'softmax' };
    expect(m.lastReport).toEqual([report, report]);
    expect(r.warnings).toEqual([]);
    const meanOf = (k: number): number => grads[k].reduce((a, v) => a + v, 0) / n;
    // a cluster's raw weight: the mean of the authors' smoothing of its mean gradient (a
    // constant map, which their zero-padded whole-map kernel does NOT keep constant)
    const raw = new Map<number, number>();
    for (const k of high) raw.set(k, meanOf(k));
    for (const k of clusterA) raw.set(k, authorsSmoothedMean(Array(n).fill(cA), 4, 4));
    for (const k of clusterB) raw.set(k, authorsSmoothedMean(Array(n).fill(cB), 4, 4));
    expect(raw.get(1)!).toBeLessThan(cA * 0.9); // the border zeros pull it down: a real difference from a Gaussian
    const ids = [...raw.keys()];
    const sm = softmax(ids.map((k) => raw.get(k)!));
    const expected = new Float64Array(K);
    ids.forEach((k, i) => (expected[k] = sm[i]));
    for (const k of noise) expect(expected[k]).toBe(0);
    for (let b = 0; b < 2; b++) expect(maxAbsDiff(m.seen[0].subarray(b * K, (b + 1) * K), expected)).toBeLessThan(1e-6);
    // all weights >= 0 and A_k = u_k x > 0, so the map is x divided by its max (CF-CAM's
    // scaling; a min-max would send the smallest pixel to 0)
    for (let b = 0; b < 2; b++) {
      const xb = itemOf(x, b);
      const top = Math.max(...xb);
      expect(maxAbsDiff(plane(r, b), Array.from(xb, (v) => v / top))).toBeLessThan(1e-6);
    }
  });
});

describe("CF-CAM with cluster: 'gradients' (gradloc's earlier reading)", () => {
  // A_k = s_k x as above; now the GRADIENT maps decide the clusters: A = cA +- 0.01 D1, cA +-
  // 0.01 D2; B = cB +- 0.01 D3, cB; two far-off loners. Within-cluster distances <= 0.08,
  // A-B ~2: eps (25th percentile of the doubled 36 distances: position 17.75, between the 18
  // within-cluster entries and the first A-B one) ~1.45 separates them.
  const K = 12;
  const n = 16;
  const scales = [3.0, 0.6, 0.7, 0.8, 0.9, 2.5, 1.0, 1.1, 1.2, 2.8, 1.3, 1.4];
  const high = [0, 5, 9];
  const pm = (f: (p: number) => boolean): number[] => [...Array(n).keys()].map((p) => (f(p) ? 1 : -1));
  const D1 = pm((p) => p % 2 === 1);
  const D2 = pm((p) => Math.floor(p / 4) % 2 === 1);
  const D3 = pm((p) => p < 8);
  const D4 = [...Array(n).keys()].map((p) => ((p * 5) % 3) - 1);
  const cA = 0.3;
  const cB = -0.2;
  const maps: number[][] = [];
  maps[0] = D1.map((d) => 0.5 + 0.2 * d);
  maps[5] = D2.map((d) => -0.4 + 0.3 * d);
  maps[9] = D3.map((d) => 0.05 + 0.1 * d);
  const clusterA = [1, 3, 7, 10];
  const clusterB = [2, 6, 11];
  [D1, D1.map((d) => -d), D2, D2.map((d) => -d)].forEach((d, i) => (maps[clusterA[i]] = d.map((v) => cA + 0.01 * v)));
  [D3, D3.map((d) => -d), D3.map(() => 0)].forEach((d, i) => (maps[clusterB[i]] = d.map((v) => cB + 0.01 * v)));
  maps[4] = D4.map((d) => 1.5 + d);
  maps[8] = D4.map((d) => -1.5 - d);
  const head = new Float32Array(K * n);
  for (let k = 0; k < K; k++) for (let p = 0; p < n; p++) head[k * n + p] = maps[k][p];
  const { model, layer } = keep(flattenHeadModel({ inputDims: [1, 4, 4], convW: { dims: [K, 1, 1, 1], data: scales }, conv: { kernel_shape: [1, 1] }, relu: false, head: { dims: [K * n, 1], data: head } }));
  const x = uniform([2, 1, 4, 4], 8, 0.2, 1);
  const request = { model, feeds: { x }, target: classTarget({ output: 'logits', classes: 0 }), layers: [{ name: layer }] };

  it("with filter: 'gaussian' (edges replicated, so a constant mean gradient stays constant): raw weights cA and cB", async () => {
    const m = new RecCFCAM({ cluster: 'gradients', filter: 'gaussian', sigma: 1 });
    await m.explain(request);
    const report = { kept: 3, clusters: 2, clustered: 7, noise: 2, weighting: 'softmax' };
    expect(m.lastReport).toEqual([report, report]);
    const meanOf = (k: number): number => maps[k].reduce((a, v) => a + v, 0) / n;
    const raw = new Map<number, number>();
    for (const k of high) raw.set(k, meanOf(k));
    for (const k of clusterA) raw.set(k, cA);
    for (const k of clusterB) raw.set(k, cB);
    const ids = [...raw.keys()];
    const sm = softmax(ids.map((k) => raw.get(k)!));
    const expected = new Float64Array(K);
    ids.forEach((k, i) => (expected[k] = sm[i]));
    for (let b = 0; b < 2; b++) expect(maxAbsDiff(m.seen[0].subarray(b * K, (b + 1) * K), expected)).toBeLessThan(1e-6);
  });

  it('the default (activation clustering) splits the same channels otherwise: evenly spaced scales make one cluster', async () => {
    // the 9 low scales 0.6..1.4 step 0.1: 8 pairs at 0.1 |x|, 7 at 0.2 |x| ...; the doubled
    // list's 25th percentile (position 17.75) falls among the 0.2's: every channel has a
    // neighbour, all 9 join one cluster
    const m = new RecCFCAM();
    await m.explain(request);
    expect(m.lastReport[0]).toEqual({ kept: 3, clusters: 1, clustered: 9, noise: 0, weighting: 'softmax' });
  });
});

describe("CF-CAM's channel step on hand-made maps (cfcamChannels)", () => {
  const one = (values: number[]): ((k: number) => Float32Array) => (k) => Float32Array.of(values[k]);

  it("eps is the 25th percentile of the off-diagonal distance matrix (each pair twice), as the authors' numpy call", () => {
    // 1x1 maps: norms |A|, distances |A_i - A_j|. K = 4: 75th percentile at position 2.25 of
    // the sorted norms (4 + 0.25 * 6 = 5.5): only channel 0 keeps its own gradient. The other
    // three have distances 1, 2, 3. Doubled [1, 1, 2, 2, 3, 3], position 0.25 * 5 = 1.25:
    // 1 + 0.25 * (2 - 1) = 1.25 (the distinct pairs alone would give position 0.5: 1.5).
    const ch = cfcamChannels(4, 1, 1, one([10, 1, 2, 4]), one([0.5, 0.1, 0.3, 7]));
    expect(ch.eps).toBeCloseTo(1.25, 12);
    expect(ch.minSamples).toBe(2);
    // 1 and 2 are neighbours (1 <= 1.25): a cluster; 4 is 2 away from both: noise
    expect([ch.kept, ch.clusters, ch.clustered, ch.noise]).toEqual([1, 1, 2, 1]);
    expect(Array.from(ch.valid)).toEqual([1, 1, 1, 0]);
    expect(ch.raw[0]).toBeCloseTo(0.5, 7);
    // the cluster's mean gradient 0.2 on a 1x1 map: one tap, k = exp(-(0.5^2 + 0.5^2) / 50)
    // (the centre is at (h/2, w/2) = (0.5, 0.5)), normalised by k + 1e-6
    const k = Math.exp(-0.5 / 50);
    expect(ch.raw[1]).toBeCloseTo((0.2 * k) / (k + 1e-6), 7);
    expect(ch.raw[2]).toBeCloseTo((0.2 * k) / (k + 1e-6), 7);
  });

  it('a single low-norm channel has no pair to measure: it is noise (the authors\' code fails there)', () => {
    const ch = cfcamChannels(2, 1, 1, one([3, 1]), one([0.4, 9]));
    expect([ch.kept, ch.clusters, ch.clustered, ch.noise]).toEqual([1, 0, 0, 1]);
    expect(Array.from(ch.valid)).toEqual([1, 0]);
  });
});

describe('CF-CAM when DBSCAN leaves no low-norm channel', () => {
  // K = 2, A_0 = -x (norm |x|), A_1 = 0.5 x: the 75th percentile (0.875 |x|) keeps channel 0
  // only; channel 1 alone is noise. The softmax over one channel is 1: map = ReLU(-x) = 0 for
  // x > 0. Its gradient is -0.5 everywhere, so the signed map is ReLU(0.5 x): x / max x.
  const n = 16;
  const head = new Float32Array(2 * n);
  head.fill(-0.5, 0, n);
  head.fill(3, n);
  const { model, layer } = keep(flattenHeadModel({ inputDims: [1, 4, 4], convW: { dims: [2, 1, 1, 1], data: [-1, 0.5] }, conv: { kernel_shape: [1, 1] }, relu: false, head: { dims: [2 * n, 1], data: head } }));
  const x = uniform([1, 1, 4, 4], 9, 0.2, 1);
  const request = { model, feeds: { x }, target: classTarget({ output: 'logits', classes: 0 }), layers: [{ name: layer }] };

  it("the warning says DBSCAN marked every low-norm channel as noise; the fallback's signed weight -0.5 gives x / max x", async () => {
    const none = await new CFCAM({ fallback: 'none' }).explain(request);
    expect(Math.max(...none.maps)).toBe(0);
    expect(none.warnings).toEqual([
      `cfcam: item 0: the map is all zeros: layer '${layer}': DBSCAN marked every one of the 1 low-norm channel as noise, so only the 1 high-norm channel remains; the softmax-weighted map (the authors' CF-CAM) is <= 0 everywhere (max ${Number((-Math.min(...itemOf(x, 0))).toPrecision(3))}): the one kept channel gets softmax weight 1, so the map is its activation map`,
    ]);
    const m = new RecCFCAM();
    const r = await m.explain(request);
    expect(m.lastReport).toEqual([{ kept: 1, clusters: 0, clustered: 0, noise: 1, weighting: 'signed' }]);
    const top = Math.max(...itemOf(x, 0));
    expect(maxAbsDiff(r.maps, Array.from(itemOf(x, 0), (v) => v / top))).toBeLessThan(1e-6);
    expect(r.warnings).toHaveLength(1);
  });
});

describe("the authors' smoothing (cfcamFilter)", () => {
  it('an impulse on a 4x6 map (even sizes: one row / column more padding below / right) gives the flipped kernel', () => {
    const h = 4;
    const w = 6;
    const y0 = 1;
    const x0 = 4;
    const g = new Float64Array(h * w);
    g[y0 * w + x0] = 1;
    const out = cfcamFilter(g, h, w, 5, 0.1);
    // kernel by hand: spatial Gaussian around (2, 3), range factor exp(-(g - 1/24)^2 / 0.02)
    const mean = 1 / 24;
    const k = (i: number, j: number): number => Math.exp(-((i - 2) ** 2 + (j - 3) ** 2) / 50) * Math.exp(-((g[i * w + j] - mean) ** 2) / 0.02);
    let norm = 1e-6;
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) norm += k(i, j);
    // out(y, x) = sum_ij k(i, j) g(y + i - 1, x + j - 2): only i = y0 - y + 1, j = x0 - x + 2 hits the impulse
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        const i = y0 - y + 1;
        const j = x0 - xx + 2;
        const expected = i >= 0 && i < h && j >= 0 && j < w ? k(i, j) / norm : 0;
        expect(out[y * w + xx]).toBeCloseTo(expected, 7);
      }
    }
  });

  it('a constant map: the range factor is 1, the output at (y, x) is c times the kernel mass that stays inside', () => {
    const out = cfcamFilter(new Float64Array(9).fill(2), 3, 3, 5, 0.1);
    const k = (i: number, j: number): number => Math.exp(-((i - 1.5) ** 2 + (j - 1.5) ** 2) / 50);
    let norm = 1e-6;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) norm += k(i, j);
    // centre pixel: every tap lands inside; corner (0, 0): taps i >= 1, j >= 1 only
    expect(out[4]).toBeCloseTo((2 * (norm - 1e-6)) / norm, 7);
    let corner = 0;
    for (let i = 1; i < 3; i++) for (let j = 1; j < 3; j++) corner += k(i, j);
    expect(out[0]).toBeCloseTo((2 * corner) / norm, 7);
  });
});

describe('CF-CAM on a token layer whose channel mean is negative (LayerNorm-like): the fallback', () => {
  // 4 channels over a 4x4 token grid, A_d(p) = x[d, p]:
  //   d = 0: +1.5 on tokens 0..7, -3 on 8..15 (norm 9.49: the only high-norm channel)
  //   d = 1, 2: -1 +- 0.01 (alternating): norms ~4, 0.08 apart: a cluster
  //   d = 3: +0.5 (norm 2), ~6 from both: noise (eps = 0.08 + 0.25 * (5.96 - 0.08) ~ 1.55)
  // gradients: d = 0: 0.01 everywhere; d = 1, 2: 0 (cluster weight 0); d = 3: 5 (dropped).
  // Softmax over the raw weights (0.01, 0, 0): w0 = e^0.01 / (e^0.01 + 2) = 0.3356, w1 = w2 =
  // 0.3322, so tokens 0..7 get 0.3356 * 1.5 - 2 * 0.3322 = -0.161 and tokens 8..15 less: the
  // authors' map is <= 0 everywhere and cfcam.py returns zeros. The signed weights give
  // 0.01 * A_0: positive on tokens 0..7 (rows 0-1), negative elsewhere.
  const D = 4;
  const s = 4;
  const N = s * s;
  const xs = new Float32Array(D * N);
  for (let p = 0; p < N; p++) {
    const alt = p % 2 === 0 ? 1 : -1;
    xs[0 * N + p] = p < 8 ? 1.5 : -3;
    xs[1 * N + p] = -1 + 0.01 * alt;
    xs[2 * N + p] = -1 - 0.01 * alt;
    xs[3 * N + p] = 0.5;
  }
  const head = new Float32Array(N * D);
  for (let p = 0; p < N; p++) {
    head[p * D + 0] = 0.01;
    head[p * D + 3] = 5;
  }
  const { model, layer } = keep(tokenModel(D, s, head));
  const request = { model, feeds: { x: tensor('float32', [1, D, s, s], xs) }, target: classTarget({ output: 'logits', classes: 0 }), layers: [{ name: layer }] };
  const rowsZeroOne = Array.from({ length: N }, (_, p) => (p < 8 ? 1 : 0));
  const run = async (o: CfCamOptions): Promise<{ r: CamResult; m: RecCFCAM }> => {
    const m = new RecCFCAM(o);
    return { r: await m.explain(request), m };
  };

  it('by default the zero map is recomputed with the signed raw weights, and a warning says so', async () => {
    const { r, m } = await run({});
    expect(m.lastReport).toEqual([{ kept: 1, clusters: 1, clustered: 2, noise: 1, weighting: 'signed' }]);
    expect(maxAbsDiff(r.maps, rowsZeroOne)).toBeLessThan(1e-6);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/^cfcam: item 0: layer '.+': the softmax-weighted map .* <= 0 everywhere \(max -0\.161\).*fallback 'signed'/);
  });

  it("fallback: 'none' keeps the authors' all-zero map, with a warning that gives the reason", async () => {
    const { r, m } = await run({ fallback: 'none' });
    // the softmax weights the authors use, by hand
    const e = Math.exp(0.01);
    expect(maxAbsDiff(m.seen[0], [e / (e + 2), 1 / (e + 2), 1 / (e + 2), 0])).toBeLessThan(1e-9);
    expect(Math.max(...r.maps)).toBe(0);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/^cfcam: item 0: the map is all zeros: layer '.+': the softmax-weighted map .* <= 0 everywhere \(max -0\.161\): the 3 kept channels' raw weights lie in \[0, 0\.01\]/);
  });

  it("weighting: 'signed' uses the raw weights for every item, without a warning", async () => {
    const { r, m } = await run({ weighting: 'signed' });
    expect(maxAbsDiff(m.seen[0], [0.01, 0, 0, 0])).toBeLessThan(1e-9);
    expect(maxAbsDiff(r.maps, rowsZeroOne)).toBeLessThan(1e-6);
    expect(r.warnings).toEqual([]);
  });
});
