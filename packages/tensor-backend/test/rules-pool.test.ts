import { describe, expect, it } from 'vitest';
import type { AttrMap } from '../src/index.js';
import { gradOf } from '../src/ops/registry.js';
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
