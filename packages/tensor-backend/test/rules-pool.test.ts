import { describe, expect, it } from 'vitest';
import { Graph, GraphBuilder, inferTypes, OnnxModel, rng, tensor, type AttrMap } from '../src/index.js';
import { gradOf } from '../src/ops/registry.js';
import { poolWindow } from '../src/ops/window/geometry.js';
import { opModel } from '../src/testing/index.js';
import { checkOp, expectInferredDims, uniform } from './window-helpers.js';

/** MaxPool runs in float64: h = 1e-6 central differences are good to ~1e-9. */
const TOL64 = 1e-7;
/**
 * AveragePool and GlobalAveragePool have no float64 kernel. They are linear in X, so
 * central differences are exact up to float32 rounding of outputs below 1 in magnitude
 * (~1e-7), divided by the step 2h = 0.1: about 1e-6. A wrong divisor or a window shifted by
 * one position errs by 1/k or more, far above 2e-4.
 */
const TOL32 = 2e-4;

interface PoolCase {
  readonly name: string;
  readonly x: number[];
  readonly attrs: AttrMap;
  readonly opset?: number;
  /** Also output Indices (MaxPool). */
  readonly indices?: boolean;
}

const maxCases: PoolCase[] = [
  { name: '3x3 stride 2 pads 1 on 7x9 (overlapping windows)', x: [2, 3, 7, 9], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } },
  { name: 'same at opset 13 (gradient graph raised to 17)', x: [1, 2, 7, 9], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, opset: 13 },
  { name: 'opset 12: stride-phase scatter without reduction', x: [2, 2, 7, 9], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, opset: 12 },
  { name: 'opset 11: stride 1 (9 phase classes)', x: [1, 2, 6, 5], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, opset: 11 },
  { name: 'opset 10: Scatter, ceil_mode', x: [1, 2, 7, 8], attrs: { kernel_shape: [3, 2], strides: [2, 2], ceil_mode: 1 }, opset: 10 },
  { name: 'opset 12: dilation 2', x: [1, 2, 9, 8], attrs: { kernel_shape: [2, 3], dilations: [2, 2], strides: [1, 2], pads: [1, 1, 1, 1] }, opset: 12 },
  { name: 'Indices output requested (reused)', x: [1, 3, 7, 9], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, indices: true },
  { name: 'storage_order 1 Indices (recomputed row-major)', x: [1, 2, 7, 9], attrs: { kernel_shape: [3, 3], strides: [2, 2], storage_order: 1 }, indices: true },
  { name: 'dilation 2', x: [1, 2, 9, 8], attrs: { kernel_shape: [3, 2], dilations: [2, 2], pads: [1, 0, 1, 1] } },
  { name: 'ceil_mode with pads', x: [1, 2, 7, 8], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 } },
  { name: 'ceil_mode dropping a window that starts in the padding', x: [1, 2, 5, 5], attrs: { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 } },
  { name: 'SAME_UPPER stride 2', x: [1, 2, 8, 7], attrs: { kernel_shape: [2, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' } },
  { name: 'SAME_LOWER stride 2', x: [1, 2, 8, 7], attrs: { kernel_shape: [2, 3], strides: [2, 2], auto_pad: 'SAME_LOWER' } },
  { name: 'VALID, non-overlapping 2x2', x: [1, 2, 6, 7], attrs: { kernel_shape: [2, 2], strides: [2, 2], auto_pad: 'VALID' } },
  { name: '1-D', x: [2, 3, 11], attrs: { kernel_shape: [3], strides: [2], pads: [1, 1] } },
  { name: '3-D', x: [1, 2, 5, 4, 6], attrs: { kernel_shape: [2, 3, 2], strides: [2, 1, 2], pads: [0, 1, 1, 1, 1, 0] } },
];

describe('MaxPool gradient against finite differences (float64)', () => {
  for (const c of maxCases) {
    it(c.name, async () => {
      const r = await checkOp({ op: 'MaxPool', inputs: [{ name: 'x', value: uniform(c.x, 3, 'float64') }], attrs: c.attrs, opset: c.opset, numOutputs: c.indices ? 2 : 1 });
      expect(r.maxScaledError).toBeLessThan(TOL64);
    });
  }

  it('Indices output is int64 with the pooled dims, and not differentiable', async () => {
    const om = opModel('MaxPool', [{ name: 'x', value: uniform([1, 2, 7, 9], 4, 'float64') }], { kernel_shape: [3, 3], strides: [2, 2] }, { numOutputs: 2 });
    expect(om.model.graph.outputs[1]).toMatchObject({ dtype: 'int64', dims: [1, 2, 3, 4] });
    await expectInferredDims(om);
    await om.model.release();
  });
});

const avgCases: PoolCase[] = [
  { name: '3x3 stride 2 pads 1, count_include_pad=0', x: [2, 3, 7, 9], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } },
  { name: '3x3 stride 2 pads 1, count_include_pad=1', x: [2, 3, 7, 9], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 } },
  { name: 'stride 1, 3x3 pads 1, count_include_pad=0 (AveragePool adjoint)', x: [2, 3, 7, 9], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
  { name: 'stride 1, 3x3 pads 1, count_include_pad=1 (uniform divisor)', x: [1, 3, 7, 9], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], count_include_pad: 1 } },
  { name: 'stride 1, asymmetric pads, ceil_mode, 1-D', x: [2, 2, 9], attrs: { kernel_shape: [4], pads: [2, 0], ceil_mode: 1, count_include_pad: 1 } },
  { name: 'stride 1 SAME_LOWER, even kernel', x: [1, 2, 6, 7], attrs: { kernel_shape: [2, 4], auto_pad: 'SAME_LOWER' } },
  { name: '2x2 stride 2, uniform divisor', x: [1, 2, 6, 8], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
  { name: 'unused trailing input (floor)', x: [1, 2, 7, 8], attrs: { kernel_shape: [2, 3], strides: [2, 2] } },
  { name: 'ceil_mode, count_include_pad=0', x: [1, 2, 7, 8], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 0, 1, 0], ceil_mode: 1 } },
  { name: 'ceil_mode, count_include_pad=1 (partial last window)', x: [1, 2, 6, 7], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [0, 1, 1, 0], ceil_mode: 1, count_include_pad: 1 } },
  { name: 'SAME_UPPER stride 2', x: [1, 2, 8, 7], attrs: { kernel_shape: [2, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' } },
  { name: 'SAME_LOWER stride 2, count_include_pad=1', x: [1, 2, 8, 7], attrs: { kernel_shape: [2, 3], strides: [2, 2], auto_pad: 'SAME_LOWER', count_include_pad: 1 } },
  { name: '1-D', x: [2, 3, 11], attrs: { kernel_shape: [3], strides: [2], pads: [1, 1] } },
  { name: '3-D, count_include_pad=1', x: [1, 2, 5, 4, 6], attrs: { kernel_shape: [2, 3, 2], strides: [2, 1, 2], pads: [1, 1, 0, 0, 1, 1], count_include_pad: 1 } },
  { name: 'opset 19 dilations, count_include_pad=0', x: [1, 2, 9, 8], attrs: { kernel_shape: [2, 3], dilations: [2, 2], pads: [1, 1, 1, 1] }, opset: 19 },
  { name: 'opset 19 dilations, count_include_pad=1, ceil_mode', x: [1, 2, 9, 8], attrs: { kernel_shape: [2, 2], dilations: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1, ceil_mode: 1 }, opset: 19 },
  { name: 'opset 11 model', x: [1, 2, 7, 9], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 }, opset: 11 },
];

describe('AveragePool gradient against finite differences (float32)', () => {
  for (const c of avgCases) {
    it(c.name, async () => {
      const r = await checkOp({ op: 'AveragePool', inputs: [{ name: 'x', value: uniform(c.x, 5) }], attrs: c.attrs, opset: c.opset, h: 0.05 });
      expect(r.maxScaledError).toBeLessThan(TOL32);
    });
  }
});

describe('global pools', () => {
  for (const dims of [
    [2, 3, 5, 7],
    [2, 3, 9],
  ]) {
    it(`GlobalAveragePool ${dims.length - 2}-D (float32)`, async () => {
      const r = await checkOp({ op: 'GlobalAveragePool', inputs: [{ name: 'x', value: uniform(dims, 6) }], h: 0.05 });
      expect(r.maxScaledError).toBeLessThan(TOL32);
    });
    // GlobalMaxPool has no float64 kernel either; its output is an input element, exact in
    // float32, so with a step small enough not to change the arg-max the check is exact.
    it(`GlobalMaxPool ${dims.length - 2}-D (float32)`, async () => {
      const r = await checkOp({ op: 'GlobalMaxPool', inputs: [{ name: 'x', value: uniform(dims, 7) }], h: 1e-3 });
      expect(r.maxScaledError).toBeLessThan(TOL32);
    });
  }

  it('LpPool has a shape rule but no gradient rule (a clear error, not a wrong answer)', () => {
    expect(gradOf('LpPool')).toBeUndefined();
  });
});

/**
 * Ties: after a ReLU whole windows are zero, and finite differences cannot tell where dY
 * should go. onnxruntime's Indices (and PyTorch) name the FIRST max in row-major window order;
 * the gradient must send dY there and nowhere else. The expectation is computed here by
 * scanning each window in that order (padding skipped), independently of the rule.
 */
describe('MaxPool gradient with ties goes to the first max of each window', () => {
  const tieCases: { name: string; x: number[]; attrs: AttrMap }[] = [
    { name: '3x3 stride 2 pads 1 (ResNet stem)', x: [2, 3, 9, 11], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } },
    { name: '2x2 stride 2', x: [1, 2, 8, 6], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
    { name: '3x3 stride 1 pads 1', x: [1, 2, 6, 7], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
    { name: '3x3 stride 2 ceil_mode', x: [1, 2, 8, 9], attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 } },
    { name: '2x3 stride 3 (windows leave gaps)', x: [1, 1, 8, 10], attrs: { kernel_shape: [2, 3], strides: [3, 3] } },
  ];
  for (const c of tieCases) {
    it(c.name, async () => {
      const [n, ch, h, w] = c.x;
      const r = rng(11);
      const x = Float64Array.from({ length: n * ch * h * w }, () => Math.floor(r() * 3)); // 0, 1, 2: ties everywhere
      const g = Graph.create(17);
      const b = new GraphBuilder(g);
      b.input('x', 'float64', c.x);
      b.op('MaxPool', ['x'], c.attrs, { outputs: ['y'] });
      const yDims = inferTypes(g, { x: c.x }).types.get('y')!.dims as number[];
      b.output('y', 'float64', yDims);
      const model = OnnxModel.fromGraph(g, { threads: 1 });
      const seed = tensor('float64', yDims, Float64Array.from({ length: yDims.reduce((a, v) => a * v, 1) }, () => r() - 0.5));
      const got = (await model.vjp({ feeds: { x: tensor('float64', c.x, x) }, of: { output: 'y', seed }, wrt: ['x'] })).grads.x.data as Float64Array;
      await model.release();
      // the window scan, as onnxruntime's MaxPool kernel does it
      const [kh, kw] = c.attrs.kernel_shape as number[];
      const [sh, sw] = (c.attrs.strides as number[] | undefined) ?? [1, 1];
      const pads = (c.attrs.pads as number[] | undefined) ?? [0, 0, 0, 0];
      const want = new Float64Array(x.length);
      const [ho, wo] = [yDims[2], yDims[3]];
      for (let p = 0; p < n * ch; p++) {
        for (let oy = 0; oy < ho; oy++) {
          for (let ox = 0; ox < wo; ox++) {
            let best = -Infinity;
            let at = -1;
            for (let i = 0; i < kh; i++) {
              for (let j = 0; j < kw; j++) {
                const [yy, xx] = [oy * sh - pads[0] + i, ox * sw - pads[1] + j];
                if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                const v = x[p * h * w + yy * w + xx];
                if (v > best) [best, at] = [v, p * h * w + yy * w + xx];
              }
            }
            want[at] += Number(seed.data[p * ho * wo + oy * wo + ox]);
          }
        }
      }
      // +0 and -0 are the same gradient
      expect(Array.from(got, (v) => v + 0)).toEqual(Array.from(want, (v) => v + 0));
    });
  }
});

/**
 * The same in float32 (the dtype of every Conv net: the checks above run in float64), over
 * every configuration of maxCases at opset >= 16, 1-D to 3-D: each window's dY must reach
 * exactly the element onnxruntime's MaxPool picks, the first maximum in row-major window
 * order, padding excluded. The expectation scans every window with the geometry the shape
 * rules resolve (auto_pad, ceil_mode); inputs from {0, 1, 2} (ties everywhere) and from
 * U(-1, 1). Sums of at most a few float32 seeds: compared to 1e-6.
 */
describe('MaxPool gradient in float32 routes dY to the first max of each window', () => {
  /** Expected dX by scanning each window in row-major order. */
  function firstMaxGrad(x: Float32Array, xd: readonly number[], attrs: AttrMap, seed: Float32Array): Float64Array {
    const spatial = xd.slice(2);
    const node = opModel('MaxPool', [{ name: 'x', value: tensor('float32', xd) }], attrs).model.graph.nodes[0];
    const win = poolWindow(node.attrs, spatial, (m) => {
      throw new Error(m);
    });
    const plane = spatial.reduce((a, v) => a * v, 1);
    const outPlane = win.out.reduce((a, v) => a * v, 1);
    const kernelSize = win.kernel.reduce((a, v) => a * v, 1);
    const want = new Float64Array(x.length);
    const unflat = (i: number, dims: readonly number[]): number[] => dims.map((_, a) => Math.floor(i / dims.slice(a + 1).reduce((p, v) => p * v, 1)) % dims[a]);
    for (let p = 0; p < xd[0] * xd[1]; p++) {
      for (let o = 0; o < outPlane; o++) {
        const oi = unflat(o, win.out);
        let best = -Infinity;
        let at = -1;
        for (let t = 0; t < kernelSize; t++) {
          const ti = unflat(t, win.kernel);
          const pos = oi.map((v, a) => v * win.strides[a] - win.padBegin[a] + ti[a] * win.dilations[a]);
          if (pos.some((v, a) => v < 0 || v >= spatial[a])) continue;
          const flat = pos.reduce((acc, v, a) => acc * spatial[a] + v, 0);
          if (x[p * plane + flat] > best) [best, at] = [x[p * plane + flat], p * plane + flat];
        }
        want[at] += seed[p * outPlane + o];
      }
    }
    return want;
  }

  const cases = maxCases.filter((c) => (c.opset ?? 17) >= 16 && !c.indices);
  for (const c of cases) {
    for (const values of ['ties', 'continuous'] as const) {
      it(`${c.name}, ${values}`, async () => {
        const r = rng(13);
        const n = c.x.reduce((a, v) => a * v, 1);
        const x = Float32Array.from({ length: n }, () => (values === 'ties' ? Math.floor(r() * 3) : r() * 2 - 1));
        const om = opModel('MaxPool', [{ name: 'x', value: tensor('float32', c.x, x) }], c.attrs, { opset: c.opset });
        const yDims = om.model.graph.outputs[0].dims as number[];
        const seed = Float32Array.from({ length: yDims.reduce((a, v) => a * v, 1) }, () => r() - 0.5);
        const got = (await om.model.vjp({ feeds: om.feeds, of: { output: 'y0', seed: tensor('float32', yDims, seed) }, wrt: ['x'] })).grads.x.data as Float32Array;
        await om.model.release();
        const want = firstMaxGrad(x, c.x, c.attrs, seed);
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
        expect(worst).toBeLessThan(1e-6);
      });
    }
  }
});
