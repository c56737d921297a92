/**
 * Known-by-construction tests: tiny hand-built ONNX models (test/tiny-models.ts) and point
 * sets whose right answer follows from their construction, so each check says more than
 * "returns a map of the right shape". Internals (channel weights, raw layer maps, signed
 * attributions) are read through subclasses that record what the protected hooks return.
 */
import { describe, expect, it } from 'vitest';
import { tensor, type OnnxModel, type Tensor } from '@gradloc/tensor-backend';
import {
  AblationCAM,
  capture,
  classTarget,
  createMethod,
  dbscan,
  EigenCAM,
  GradCAM,
  GradCAMElementWise,
  GradCAMPlusPlus,
  GuidedBackprop,
  HiResCAM,
  IntegratedGradients,
  LayerCAM,
  percentile,
  Saliency,
  ScoreCAM,
  toSpatial,
  XGradCAM,
  type CamResult,
  type ItemContext,
  type LayerContext,
  type MethodName,
} from '../src/index.js';
import { flattenHeadModel, guidedModel, quadrantModel, quadrantOf, rankOneModel, scoreModel, smoothModel, uniform } from './tiny-models.js';
import { modelKeeper, plane } from './helpers.js';

// ------------------------------------------------------------------------------------------
// Recorders: the same methods, keeping what their protected hooks computed
// ------------------------------------------------------------------------------------------
class RecGradCAM extends GradCAM {
  readonly seen: Float64Array[] = [];
  protected override weights(ctx: LayerContext): Float64Array {
    const w = super.weights(ctx);
    this.seen.push(w);
    return w;
  }
}
class RecGradCAMPlusPlus extends GradCAMPlusPlus {
  readonly seen: Float64Array[] = [];
  protected override weights(ctx: LayerContext): Float64Array {
    const w = super.weights(ctx);
    this.seen.push(w);
    return w;
  }
}
class RecXGradCAM extends XGradCAM {
  readonly seen: Float64Array[] = [];
  protected override weights(ctx: LayerContext): Float64Array {
    const w = super.weights(ctx);
    this.seen.push(w);
    return w;
  }
}
class RecScoreCAM extends ScoreCAM {
  readonly seen: Float64Array[] = [];
  protected override async weights(ctx: LayerContext): Promise<Float64Array> {
    const w = await super.weights(ctx);
    this.seen.push(w);
    return w;
  }
}
class RecAblationCAM extends AblationCAM {
  readonly seen: Float64Array[] = [];
  protected override async weights(ctx: LayerContext): Promise<Float64Array> {
    const w = await super.weights(ctx);
    this.seen.push(w);
    return w;
  }
}
class RecHiResCAM extends HiResCAM {
  readonly seen: Float32Array[] = [];
  protected override layerMap(ctx: LayerContext): Float32Array {
    const m = super.layerMap(ctx);
    this.seen.push(Float32Array.from(m)); // the pipeline ReLUs the returned array in place
    return m;
  }
}
class RecLayerCAM extends LayerCAM {
  readonly seen: Float32Array[] = [];
  protected override layerMap(ctx: LayerContext): Float32Array {
    const m = super.layerMap(ctx);
    this.seen.push(Float32Array.from(m));
    return m;
  }
}
class RecElementWise extends GradCAMElementWise {
  readonly seen: Float32Array[] = [];
  protected override layerMap(ctx: LayerContext): Float32Array {
    const m = super.layerMap(ctx);
    this.seen.push(Float32Array.from(m));
    return m;
  }
}
class RecIntegratedGradients extends IntegratedGradients {
  readonly seen: Float32Array[] = [];
  protected override async attribute(ctx: ItemContext): Promise<Float32Array> {
    const a = await super.attribute(ctx);
    this.seen.push(Float32Array.from(a));
    return a;
  }
}
class RecSaliency extends Saliency {
  readonly seen: Float32Array[] = [];
  protected override async attribute(ctx: ItemContext): Promise<Float32Array> {
    const a = await super.attribute(ctx);
    this.seen.push(Float32Array.from(a));
    return a;
  }
}
class RecGuidedBackprop extends GuidedBackprop {
  readonly seen: Float32Array[] = [];
  protected override async attribute(ctx: ItemContext): Promise<Float32Array> {
    const a = await super.attribute(ctx);
    this.seen.push(Float32Array.from(a));
    return a;
  }
}

// ------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------
const keep = modelKeeper();


function argmax(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return Number.isNaN(m) ? Infinity : m;
}

function minMax(a: ArrayLike<number>): Float64Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    lo = Math.min(lo, a[i]);
    hi = Math.max(hi, a[i]);
  }
  return Float64Array.from(a, (v) => (v - lo) / (hi - lo + 1e-7));
}

function softmax(xs: readonly number[]): number[] {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

const itemOf = (t: Tensor, b: number): Float32Array => {
  const per = t.data.length / t.dims[0];
  return (t.data as Float32Array).subarray(b * per, (b + 1) * per);
};

// ------------------------------------------------------------------------------------------
// A logit that depends on one quadrant only
// ------------------------------------------------------------------------------------------
describe('quadrant model: logit k reads only channel k, which only sees input quadrant k', () => {
  const { model, layer } = keep(quadrantModel());
  const x = uniform([4, 3, 16, 16], 1, 0.2, 1);
  const feeds = { x };
  // item b explains class b, so one batch covers the four quadrants
  const target = classTarget({ output: 'logits', classes: [0, 1, 2, 3] });
  const request = { model, feeds, target, layers: [{ name: layer }] };

  /** Share of the map's mass that lies in quadrant b, per item, and whether the argmax is there. */
  function quadrantStats(r: CamResult): { share: number; peakInside: boolean }[] {
    return [0, 1, 2, 3].map((b) => {
      const p = plane(r, b);
      let inside = 0;
      let total = 0;
      for (let i = 0; i < p.length; i++) {
        total += p[i];
        if (quadrantOf(Math.floor(i / 16), i % 16, 16) === b) inside += p[i];
      }
      const top = argmax(p);
      return { share: inside / total, peakInside: quadrantOf(Math.floor(top / 16), top % 16, 16) === b };
    });
  }

  // CAMs upsample an 8x8 layer: bilinear interpolation leaks about a quarter of the border
  // row into the neighbouring quadrant, so they keep >= 90% of the mass, not all of it.
  // CF-CAM is not listed: with K = 4 the 75th-percentile rule keeps one channel (the
  // loudest, not the class's), DBSCAN sorts the others by their activations, and its softmax
  // over tiny raw weights gives every kept channel about the same weight; on this model it is
  // not class-discriminative by design (tested by hand in cf-cam.test.ts). EigenCAM has no class.
  const camMethods: MethodName[] = ['gradcam', 'hirescam', 'gradcam-elementwise', 'gradcam++', 'xgradcam', 'layercam', 'eigengradcam', 'scorecam', 'ablationcam', 'fullgrad'];
  for (const name of camMethods) {
    it(`${name}: the class-k map peaks in quadrant k and keeps >= 90% of its mass there`, async () => {
      const r = await createMethod(name).explain(request);
      expect([r.batch, r.height, r.width]).toEqual([4, 16, 16]);
      for (const s of quadrantStats(r)) {
        expect(s.peakInside).toBe(true);
        expect(s.share).toBeGreaterThan(0.9);
      }
    });
  }

  // Input gradients: pixels outside quadrant k have exactly zero gradient.
  const inputMethods: MethodName[] = ['saliency', 'inputxgradient', 'integratedgradients', 'smoothgrad', 'guidedbackprop'];
  for (const name of inputMethods) {
    it(`${name}: the class-k map is zero outside quadrant k`, async () => {
      const r = await createMethod(name, { steps: 8, samples: 8 }).explain(request);
      for (const s of quadrantStats(r)) {
        expect(s.peakInside).toBe(true);
        expect(s.share).toBeGreaterThan(1 - 1e-6);
      }
    });
  }

  it('augSmooth: flipped copies explain the mirrored quadrant, mapped back; scores are the original image\'s', async () => {
    // The model is not flip-invariant: in the flipped image, class k still reads quadrant k,
    // which is the mirror (k xor 1) of the original. Undoing the flip puts those maps on the
    // mirror quadrant, so the average splits between quadrant k (brightness 0.9, 1, 1.1) and
    // its mirror (the same, flipped).
    const plain = await createMethod('gradcam').explain(request);
    const r = await createMethod('gradcam', { augSmooth: true }).explain(request);
    expect(Array.from(r.scores)).toEqual(Array.from(plain.scores));
    for (let b = 0; b < 4; b++) {
      const p = plane(r, b);
      const mass = [0, 0, 0, 0];
      for (let i = 0; i < p.length; i++) mass[quadrantOf(Math.floor(i / 16), i % 16, 16)] += p[i];
      const total = mass.reduce((a, v) => a + v, 0);
      expect((mass[b] + mass[b ^ 1]) / total).toBeGreaterThan(0.9);
      expect(mass[b] / total).toBeGreaterThan(0.3);
      expect(mass[b ^ 1] / total).toBeGreaterThan(0.3);
    }
  });

  it("classes 'auto' = each item's top class (forward first for Grad-CAM, frozen for Score-CAM and IG)", async () => {
    // item b's quadrant 3 - b is made 4x brighter, so the items' top classes differ
    const bright = uniform([4, 3, 16, 16], 1, 0.2, 1);
    for (let b = 0; b < 4; b++) {
      for (let i = 0; i < 3 * 256; i++) if (quadrantOf(Math.floor((i % 256) / 16), i % 16, 16) === 3 - b) (bright.data as Float32Array)[b * 768 + i] *= 4;
    }
    const logits = (await model.run({ x: bright }, ['logits'])).logits;
    const top = [0, 1, 2, 3].map((b) => argmax(Array.from(logits.data as Float32Array).slice(b * 4, b * 4 + 4)));
    expect(top).toEqual([3, 2, 1, 0]);
    const auto = { ...request, feeds: { x: bright }, target: classTarget({ output: 'logits', classes: 'auto' }) };
    const fixed = { ...request, feeds: { x: bright }, target: classTarget({ output: 'logits', classes: top }) };
    for (const name of ['gradcam', 'scorecam', 'integratedgradients'] as const) {
      const a = await createMethod(name, { steps: 4 }).explain(auto);
      const f = await createMethod(name, { steps: 4 }).explain(fixed);
      expect(maxAbsDiff(a.maps, f.maps), name).toBe(0);
      expect(Array.from(a.scores), name).toEqual(Array.from(f.scores));
    }
  });

  it('Grad-CAM weights: 16/64 for channel k (the head weight over the pooled 8x8 grid), 0 for the others', async () => {
    const m = new RecGradCAM();
    await m.explain(request);
    const expected = Array.from({ length: 16 }, (_, i) => (Math.floor(i / 4) === i % 4 ? 16 / 64 : 0));
    expect(maxAbsDiff(m.seen[0], expected)).toBeLessThan(1e-7);
  });

  it('Ablation-CAM weights: positive for the relevant channel only (exact zeros elsewhere)', async () => {
    const m = new RecAblationCAM();
    await m.explain(request);
    for (let b = 0; b < 4; b++) {
      for (let k = 0; k < 4; k++) {
        if (k === b) expect(m.seen[0][b * 4 + k]).toBeGreaterThan(0.5);
        else expect(m.seen[0][b * 4 + k]).toBe(0);
      }
    }
  });

  it('Score-CAM weights (a softmax, so all positive): the relevant channel takes > 0.95', async () => {
    const m = new RecScoreCAM();
    await m.explain(request);
    for (let b = 0; b < 4; b++) {
      const w = Array.from(m.seen[0].subarray(b * 4, b * 4 + 4));
      expect(w.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
      expect(argmax(w)).toBe(b);
      expect(w[b]).toBeGreaterThan(0.95);
    }
  });
});

// ------------------------------------------------------------------------------------------
// Score-CAM and Ablation-CAM against hand computations
// ------------------------------------------------------------------------------------------
describe('Score-CAM and Ablation-CAM weights by hand (1x1 conv, quadrant-masked channels at input resolution)', () => {
  const u = [0.5, 1, 1.5, 2];
  const s = 4;
  const bias = 0.2;
  const { model, layer } = keep(scoreModel(u, s, bias));
  const x = uniform([4, 1, 8, 8], 2, 0.2, 1);
  const request = { model, feeds: { x }, target: classTarget({ output: 'logits', classes: [0, 1, 2, 3] }), layers: [{ name: layer }] };

  /** A_k on quadrant k for item b = u_k x (float32 products, as the model computes them). */
  const activation = (b: number, k: number): number[] => {
    const xb = itemOf(x, b);
    const out: number[] = [];
    for (let p = 0; p < 64; p++) if (quadrantOf(Math.floor(p / 8), p % 8, 8) === k) out.push(Math.fround(u[k] * xb[p]));
    return out;
  };

  it('Score-CAM: mask_k = A_k / (max A_k + 1e-7); masked by j != k the logit is the bias; weights = softmax', async () => {
    const m = new RecScoreCAM();
    await m.explain(request);
    for (let b = 0; b < 4; b++) {
      const a = activation(b, b);
      const top = Math.max(...a);
      // channel b of the masked image x * M_b is u_b x M_b = A_b^2 / max, only on quadrant b
      const own = bias + (s * a.reduce((acc, v) => acc + (v * v) / (top + 1e-7), 0)) / 64;
      const scores = [0, 1, 2, 3].map((j) => (j === b ? own : bias));
      const expected = softmax(scores);
      expect(maxAbsDiff(m.seen[0].subarray(b * 4, b * 4 + 4), expected)).toBeLessThan(1e-5);
    }
  });

  it('Score-CAM in chunks of 3 copies (4 channels: a full chunk and a partial one) gives the same weights', async () => {
    const whole = new RecScoreCAM();
    const chunked = new RecScoreCAM({ batchSize: 3 });
    await whole.explain(request);
    await chunked.explain(request);
    expect(maxAbsDiff(chunked.seen[0], whole.seen[0])).toBeLessThan(1e-7);
  });

  it('Ablation-CAM: w_k = (y - y_k) / y with y_k = the bias; 0 for the other channels (also in chunks of 3)', async () => {
    const m = new RecAblationCAM({ batchSize: 3 });
    await m.explain(request);
    for (let b = 0; b < 4; b++) {
      const y = bias + (s * activation(b, b).reduce((acc, v) => acc + v, 0)) / 64;
      const expected = [0, 1, 2, 3].map((k) => (k === b ? (y - bias) / y : 0));
      expect(maxAbsDiff(m.seen[0].subarray(b * 4, b * 4 + 4), expected)).toBeLessThan(1e-6);
    }
  });
});

// ------------------------------------------------------------------------------------------
// Gradient-weighted CAMs against a linear head (d logit_c / d feat = column c of the head)
// ------------------------------------------------------------------------------------------
describe('a flatten + linear head: the gradient at the layer is the head column, so every formula can be done by hand', () => {
  const K = 3;
  const n = 9; // the conv gives 3x3 from 6x6 (stride 2, pad 1)
  const C = 5;
  const convW = uniform([K, 2, 3, 3], 3, -0.6, 0.6);
  const head = uniform([K * n, C], 4, -1, 1);
  const { model, layer } = keep(flattenHeadModel({ inputDims: [2, 6, 6], convW: { dims: [K, 2, 3, 3], data: convW.data as Float32Array }, conv: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, relu: true, head: { dims: [K * n, C], data: head.data as Float32Array } }));
  const x = uniform([2, 2, 6, 6], 5, -1, 1);
  const classes = [3, 1];
  const target = classTarget({ output: 'logits', classes });
  const request = { model, feeds: { x }, target, layers: [{ name: layer }] };
  const H = (b: number, k: number, p: number): number => (head.data as Float32Array)[(k * n + p) * C + classes[b]];

  async function activations(): Promise<Float32Array> {
    const cap = await capture(model, { x }, target, { layers: [{ name: layer }] });
    const g = cap.layers[0].gradients!;
    // the captured gradient is exactly the head column (the capture itself is right)
    for (let b = 0; b < 2; b++) for (let k = 0; k < K; k++) for (let p = 0; p < n; p++) expect(g.data[(b * K + k) * n + p]).toBe(H(b, k, p));
    return cap.layers[0].activations.data;
  }

  it('Grad-CAM weights = spatial means of the head weights of each channel', async () => {
    const m = new RecGradCAM();
    await m.explain(request);
    const expected = [0, 1].flatMap((b) => [0, 1, 2].map((k) => [...Array(n).keys()].reduce((s, p) => s + H(b, k, p), 0) / n));
    expect(maxAbsDiff(m.seen[0], expected)).toBeLessThan(1e-7);
  });

  it('XGrad-CAM weights = sum_p H A / (sum_p A + 1e-7)', async () => {
    const A = await activations();
    const m = new RecXGradCAM();
    await m.explain(request);
    const expected = [0, 1].flatMap((b) =>
      [0, 1, 2].map((k) => {
        let num = 0;
        let den = 0;
        for (let p = 0; p < n; p++) {
          num += H(b, k, p) * A[(b * K + k) * n + p];
          den += A[(b * K + k) * n + p];
        }
        return num / (den + 1e-7);
      }),
    );
    expect(maxAbsDiff(m.seen[0], expected)).toBeLessThan(1e-6);
  });

  it("Grad-CAM++ weights = sum_p ReLU(g) g^2 / (2 g^2 + sum A g^3 + 1e-6), alpha = 0 where g = 0", async () => {
    const A = await activations();
    const m = new RecGradCAMPlusPlus();
    await m.explain(request);
    const expected = [0, 1].flatMap((b) =>
      [0, 1, 2].map((k) => {
        let sumA = 0;
        for (let p = 0; p < n; p++) sumA += A[(b * K + k) * n + p];
        let w = 0;
        for (let p = 0; p < n; p++) {
          const g = H(b, k, p);
          if (g > 0) w += (g * g * g) / (2 * g * g + sumA * g * g * g + 1e-6);
        }
        return w;
      }),
    );
    expect(maxAbsDiff(m.seen[0], expected)).toBeLessThan(1e-6);
  });

  it('HiResCAM, LayerCAM and element-wise Grad-CAM raw maps = sum_k of H A, ReLU(H) A, ReLU(H A)', async () => {
    const A = await activations();
    const cases = [
      { m: new RecHiResCAM(), f: (h: number, a: number) => h * a },
      { m: new RecLayerCAM(), f: (h: number, a: number) => Math.max(0, h) * a },
      { m: new RecElementWise(), f: (h: number, a: number) => Math.max(0, h * a) },
    ];
    for (const { m, f } of cases) {
      await m.explain(request);
      const expected = [0, 1].flatMap((b) => [...Array(n).keys()].map((p) => [0, 1, 2].reduce((s, k) => s + f(H(b, k, p), A[(b * K + k) * n + p]), 0)));
      expect(maxAbsDiff(m.seen[0], expected), m.name).toBeLessThan(1e-6);
    }
  });
});

// ------------------------------------------------------------------------------------------
// EigenCAM: rank-1 activations
// ------------------------------------------------------------------------------------------
describe('EigenCAM on rank-1 activations A_k(p) = u_k m(p) recovers m', () => {
  // centred, X = (m - mean m) u^T is rank 1: the projection is +-|u| (m - mean m). The sign is
  // fixed to agree with the summed activations sum_k u_k m(p), so the map is
  // min-max(ReLU(m - mean m)) when sum u > 0 and min-max(ReLU(mean m - m)) when sum u < 0.
  const cases = [
    { what: 'K = 3 < 25 positions (K x K Gram matrix)', u: [1, 2, 0.5], s: 5 },
    { what: 'K = 3 with sum u < 0 (the sign follows the summed activations)', u: [1, -3, 0.5], s: 5 },
    { what: 'K = 8 > 4 positions (n x n Gram matrix)', u: [0.3, 1, -0.2, 0.7, 0.1, 0.9, 0.4, 0.2], s: 2 },
  ];
  for (const c of cases) {
    it(c.what, async () => {
      const { model, layer } = keep(rankOneModel(c.u, c.s));
      const m = uniform([2, 1, c.s, c.s], 6, 0, 1);
      const r = await new EigenCAM().explain({ model, feeds: { x: m }, target: classTarget({ output: 'logits', classes: 0 }), layers: [{ name: layer }] });
      const sign = Math.sign(c.u.reduce((a, b) => a + b, 0));
      for (let b = 0; b < 2; b++) {
        const mb = itemOf(m, b);
        const mean = mb.reduce((a, v) => a + v, 0) / mb.length;
        const expected = minMax(Array.from(mb, (v) => Math.max(0, sign * (v - mean))));
        expect(maxAbsDiff(plane(r, b), expected)).toBeLessThan(1e-5);
      }
    });
  }
});

// ------------------------------------------------------------------------------------------
// Input attributions
// ------------------------------------------------------------------------------------------
describe('input attributions', () => {
  it('Integrated Gradients is complete: attributions sum to score(x) - score(0) on a smooth model', async () => {
    const { model, layer } = keep(smoothModel());
    const x = uniform([2, 3, 6, 6], 9, -1, 1);
    const classes = [0, 2];
    const m = new RecIntegratedGradients({ steps: 64 });
    await m.explain({ model, feeds: { x }, target: classTarget({ output: 'logits', classes }), layers: [{ name: layer }] });
    const fx = (await model.run({ x }, ['logits'])).logits;
    const f0 = (await model.run({ x: tensor('float32', x.dims) }, ['logits'])).logits;
    for (let b = 0; b < 2; b++) {
      const delta = Number(fx.data[b * 3 + classes[b]]) - Number(f0.data[b * 3 + classes[b]]);
      const sum = m.seen[b].reduce((a, v) => a + v, 0);
      expect(Math.abs(delta)).toBeGreaterThan(0.05); // a non-trivial check
      expect(Math.abs(sum - delta)).toBeLessThan(1e-3 * Math.abs(delta));
    }
  });

  it('guided backprop equals the plain gradient on a ReLU-free model', async () => {
    const { model, layer } = keep(smoothModel());
    const x = uniform([2, 3, 6, 6], 10, -1, 1);
    const request = { model, feeds: { x }, target: classTarget({ output: 'logits', classes: [1, 2] }), layers: [{ name: layer }] };
    const plain = new RecSaliency();
    const guided = new RecGuidedBackprop();
    await plain.explain(request);
    await guided.explain(request);
    for (let b = 0; b < 2; b++) {
      expect(Math.max(...plain.seen[b].map(Math.abs))).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(guided.seen[b], plain.seen[b])).toBeLessThan(1e-7);
    }
  });

  it('guided backprop drops the negative gradient a ReLU passes; plain backprop keeps it', async () => {
    const { model, layer } = keep(guidedModel());
    // z0 = x, z1 = 0.5 x - 0.1; logit = mean(ReLU(z0) - ReLU(z1)) over the 16 pixels
    const xs = [-0.5, -0.1, 0.05, 0.1, 0.15, 0.3, 0.5, 0.8, 1, -1, 0.25, 0.19, 0.21, 0.6, -0.3, 0.9];
    const x = tensor('float32', [1, 1, 4, 4], Float32Array.from(xs));
    const request = { model, feeds: { x }, target: classTarget({ output: 'logits', classes: 0 }), layers: [{ name: layer }] };
    const plain = new RecSaliency();
    const guided = new RecGuidedBackprop();
    await plain.explain(request);
    await guided.explain(request);
    const xf = Float32Array.from(xs);
    const open0 = (v: number): boolean => v > 0;
    const open1 = (v: number): boolean => Math.fround(0.5 * v) - Math.fround(0.1) > 0;
    const expectedPlain = Array.from(xf, (v) => (open0(v) ? 1 / 16 : 0) - (open1(v) ? 0.5 / 16 : 0));
    const expectedGuided = Array.from(xf, (v) => (open0(v) ? 1 / 16 : 0));
    expect(maxAbsDiff(plain.seen[0], expectedPlain)).toBeLessThan(1e-7);
    expect(maxAbsDiff(guided.seen[0], expectedGuided)).toBeLessThan(1e-7);
    // they differ exactly where the second ReLU is open
    const differs = Array.from(xf, (_, i) => Math.abs(plain.seen[0][i] - guided.seen[0][i]) > 1e-6);
    expect(differs).toEqual(Array.from(xf, open1));
    expect(differs.filter(Boolean).length).toBeGreaterThan(4);
  });
});

// ------------------------------------------------------------------------------------------
// Building blocks
// ------------------------------------------------------------------------------------------
describe('DBSCAN (scikit-learn conventions) on hand-labelled point sets', () => {
  const line = (pts: number[]) => (i: number, j: number) => Math.abs(pts[i] - pts[j]);

  it('two clusters, a border point reachable from both (taken by the cluster seeded first), and noise', () => {
    // eps 1, min_samples 4 (the point itself counts); values exact in binary, so distances
    // of exactly 1 are exactly 1.
    // 0-3: cluster Y (3 .. 3.75), each core
    // 4: 2, within eps of Y's core 3 and X's core 1 only: 3 neighbours -> a border point,
    //    reached first from cluster 0 (seeded at index 0) -> label 0
    // 5-8: cluster X (0 .. 1), each core
    // 9: isolated; 10, 11: a close pair, but 2 < 4 neighbours and no core nearby -> noise
    const pts = [3, 3.25, 3.5, 3.75, 2, 0, 0.25, 0.5, 1, 10, 7, 7.5];
    const r = dbscan(pts.length, line(pts), 1, 4);
    expect(r.clusters).toBe(2);
    expect(Array.from(r.labels)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, -1, -1, -1]);
  });

  it('the same points with cluster X listed first: the border point now goes to X', () => {
    const pts = [0, 0.25, 0.5, 1, 2, 3, 3.25, 3.5, 3.75];
    expect(Array.from(dbscan(pts.length, line(pts), 1, 4).labels)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1]);
  });

  it('clusters grow through core points only: a point next to a border point only is noise', () => {
    // 2 is a border point of {0, 0.25, 0.5, 1} (neighbours 1, 2, 3: 3 < 4);
    // 3 is within eps of 2 only, which is not core -> noise
    const pts = [0, 0.25, 0.5, 1, 2, 3];
    expect(Array.from(dbscan(pts.length, line(pts), 1, 4).labels)).toEqual([0, 0, 0, 0, 0, -1]);
  });

  it('distance exactly eps counts as a neighbour; 2-D Euclidean points', () => {
    // three corners of a unit square are mutual neighbours at eps = 1 (the diagonal, sqrt 2,
    // is not): with min_samples 3 the corner (0,0) with neighbours (1,0), (0,1) is core
    const pts: [number, number][] = [[0, 0], [1, 0], [0, 1], [5, 5], [5, 6], [9, 0]];
    const d = (i: number, j: number): number => Math.hypot(pts[i][0] - pts[j][0], pts[i][1] - pts[j][1]);
    const r = dbscan(pts.length, d, 1, 3);
    expect(Array.from(r.labels)).toEqual([0, 0, 0, -1, -1, -1]);
    expect(Array.from(dbscan(pts.length, d, 1, 2).labels)).toEqual([0, 0, 0, 1, 1, -1]);
    // a hair below 1, every pair is too far apart
    expect(Array.from(dbscan(pts.length, d, 1 - 1e-9, 2).labels)).toEqual([-1, -1, -1, -1, -1, -1]);
  });
});

describe('percentile = numpy.percentile (linear interpolation)', () => {
  // expected values from numpy 1.24: np.percentile(values, q)
  const cases: [number[], number, number][] = [
    [[1, 2, 3, 4], 25, 1.75],
    [[1, 2, 3, 4], 50, 2.5],
    [[1, 2, 3, 4], 75, 3.25],
    [[10, 0, 5], 50, 5],
    [[3.5, -1, 2, 8, 0.25], 10, -0.5],
    [[3.5, -1, 2, 8, 0.25], 75, 3.5],
    [[3.5, -1, 2, 8, 0.25], 100, 8],
    [[3.5, -1, 2, 8, 0.25], 0, -1],
    [[7], 30, 7],
    [[2, 2, 2, 9], 62.5, 2],
  ];
  for (const [values, q, expected] of cases) {
    it(`[${values.join(', ')}] at ${q} -> ${expected}`, () => {
      expect(percentile(Float64Array.from(values), q)).toBeCloseTo(expected, 12);
    });
  }
});

describe('token layers -> grids (toSpatial)', () => {
  // value = 100 b + 10 n + d, so every element says where it came from
  const tokens = (B: number, N: number, D: number): Tensor<'float32'> =>
    tensor('float32', [B, N, D], Float32Array.from({ length: B * N * D }, (_, i) => 100 * Math.floor(i / (N * D)) + 10 * (Math.floor(i / D) % N) + (i % D)));

  it('1 prefix token and a 2x3 grid: the class token is dropped, patches row-major, channels first', () => {
    const m = toSpatial('t', tokens(2, 7, 3), { prefixTokens: 1, grid: [2, 3] });
    expect([m.batch, m.channels, m.height, m.width, m.source]).toEqual([2, 3, 2, 3, 'tokens']);
    for (let b = 0; b < 2; b++) {
      for (let d = 0; d < 3; d++) {
        for (let p = 0; p < 6; p++) expect(m.data[(b * 3 + d) * 6 + p]).toBe(100 * b + 10 * (p + 1) + d);
      }
    }
  });

  it('the default layout: 17 tokens = class token + 4x4, 16 tokens = 4x4, 7 tokens = an error', () => {
    const withCls = toSpatial('t', tokens(1, 17, 2));
    expect([withCls.height, withCls.width]).toEqual([4, 4]);
    expect(withCls.data[0]).toBe(10); // token 1 (the first patch), channel 0
    expect(withCls.data[16 + 15]).toBe(10 * 16 + 1); // channel 1 of the last patch
    const plain = toSpatial('t', tokens(1, 16, 2));
    expect(plain.data[0]).toBe(0);
    expect(() => toSpatial('t', tokens(1, 7, 2))).toThrow(/prefixTokens/);
  });

  it('feature maps [B, C, H, W] pass through unchanged', () => {
    const t = tensor('float32', [1, 2, 2, 3], Float32Array.from({ length: 12 }, (_, i) => i));
    const m = toSpatial('t', t);
    expect([m.batch, m.channels, m.height, m.width, m.source]).toEqual([1, 2, 2, 3, 'map']);
    expect(Array.from(m.data)).toEqual(Array.from(t.data as Float32Array));
  });
});
