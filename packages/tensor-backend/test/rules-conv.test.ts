import { describe, expect, it } from 'vitest';
import type { AttrMap } from '../src/index.js';
import { buildGradGraph, Graph, GraphBuilder, inferTypes } from '../src/index.js';
import { opModel } from '../src/testing/index.js';
import { checkOp, uniform } from './window-helpers.js';

/**
 * Conv and ConvTranspose have no float64 kernels on onnxruntime's CPU, so these checks run
 * in float32. Both ops are linear in X and in W (bilinear overall), so central differences
 * have no truncation error: what remains is float32 rounding of the outputs (~6e-8
 * relative, times sqrt(#terms)), divided by the step 2h = 0.1: at most ~1.3e-5 observed.
 * A wrong pad split, stride phase or group mapping moves whole entries of the gradient
 * (errors of order 0.1-1), so 2e-4 separates right from wrong with margin on both sides.
 */
const TOL = 2e-4;
const H = 0.05;

interface ConvCase {
  readonly name: string;
  readonly x: number[];
  readonly w: number[];
  readonly bias?: boolean;
  readonly attrs: AttrMap;
  readonly opset?: number;
  /** Store W as an initializer (as exported models do): enables the folded flipped-kernel path. */
  readonly constWeight?: boolean;
}

async function checkConv(op: 'Conv' | 'ConvTranspose', c: ConvCase, seed = 1): Promise<void> {
  const group = typeof c.attrs.group === 'number' ? c.attrs.group : 1;
  const outChannels = op === 'Conv' ? c.w[0] : c.w[1] * group;
  const inputs = [
    { name: 'x', value: uniform(c.x, seed) },
    { name: 'w', value: uniform(c.w, seed + 1), constant: c.constWeight },
    c.bias ? { name: 'b', value: uniform([outChannels], seed + 2) } : null,
  ];
  const wrt = ['x', 'w', ...(c.bias ? ['b'] : [])];
  const r = await checkOp({ op, inputs, attrs: c.attrs, opset: c.opset, h: H, wrt });
  expect(r.maxScaledError, c.name).toBeLessThan(TOL);
}

const convCases: ConvCase[] = [
  { name: '1-D, stride 2, asymmetric pads', x: [2, 3, 9], w: [4, 3, 3], bias: true, attrs: { strides: [2], pads: [1, 2] } },
  { name: '2-D 7x9, 3x3, pads 1', x: [1, 3, 7, 9], w: [4, 3, 3, 3], bias: true, attrs: { pads: [1, 1, 1, 1] } },
  { name: 'stride 2 on odd 7x9, asymmetric pads', x: [1, 2, 7, 9], w: [3, 2, 3, 3], bias: true, attrs: { strides: [2, 2], pads: [0, 1, 1, 0] } },
  { name: 'stride 2 leaving unused trailing input', x: [1, 2, 8, 9], w: [3, 2, 3, 2], attrs: { strides: [2, 3] } },
  { name: 'SAME_UPPER stride 2, even kernel (odd total pad)', x: [1, 2, 8, 7], w: [3, 2, 4, 3], bias: true, attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] } },
  { name: 'SAME_LOWER stride 2, even kernel (odd total pad)', x: [1, 2, 8, 7], w: [3, 2, 4, 3], bias: true, attrs: { auto_pad: 'SAME_LOWER', strides: [2, 2] } },
  { name: 'SAME_UPPER stride 1, odd input', x: [1, 2, 7, 9], w: [2, 2, 2, 3], attrs: { auto_pad: 'SAME_UPPER' } },
  { name: 'VALID stride 2', x: [1, 2, 7, 9], w: [3, 2, 3, 2], attrs: { auto_pad: 'VALID', strides: [2, 2] } },
  { name: 'dilation 2 with pads', x: [1, 2, 7, 9], w: [3, 2, 3, 3], bias: true, attrs: { dilations: [2, 2], pads: [2, 1, 2, 1] } },
  { name: 'dilation 2 and stride 2', x: [1, 2, 9, 8], w: [2, 2, 2, 3], attrs: { dilations: [2, 2], strides: [2, 2], pads: [1, 1, 0, 1] } },
  { name: 'group 2, stride 2', x: [1, 4, 7, 9], w: [6, 2, 3, 3], bias: true, attrs: { group: 2, strides: [2, 2], pads: [1, 1, 1, 1] } },
  { name: 'depthwise (group = C), multiplier 1', x: [1, 3, 7, 9], w: [3, 1, 3, 3], bias: true, attrs: { group: 3, pads: [1, 1, 1, 1] } },
  { name: 'depthwise, multiplier 2, stride 2', x: [2, 3, 7, 9], w: [6, 1, 3, 3], attrs: { group: 3, strides: [2, 2], pads: [1, 1, 1, 1] } },
  { name: 'depthwise stride 1, multiplier 2, dilation 2 (flipped-kernel Conv)', x: [2, 3, 7, 9], w: [6, 1, 3, 2], bias: true, attrs: { group: 3, dilations: [2, 2], pads: [2, 1, 1, 0] } },
  { name: 'depthwise stride 1, pads beyond the kernel (ConvTranspose fallback)', x: [1, 2, 5, 6], w: [2, 1, 2, 3], attrs: { group: 2, pads: [2, 0, 1, 3] } },
  { name: 'batch 2, kernel_shape given, no bias', x: [2, 3, 6, 5], w: [4, 3, 2, 3], attrs: { kernel_shape: [2, 3], pads: [0, 1, 1, 1] } },
  { name: '1x1, batch 2 (no unfold needed)', x: [2, 3, 5, 7], w: [4, 3, 1, 1], bias: true, attrs: {} },
  { name: '1x1 stride 2 (ResNet downsample)', x: [1, 3, 7, 9], w: [4, 3, 1, 1], attrs: { strides: [2, 2] } },
  { name: '3-D, stride and pads', x: [1, 2, 4, 5, 3], w: [3, 2, 2, 3, 2], bias: true, attrs: { strides: [1, 2, 1], pads: [1, 0, 1, 0, 1, 0] } },
  { name: 'opset 11 model', x: [1, 2, 7, 9], w: [3, 2, 3, 3], bias: true, attrs: { strides: [2, 2], pads: [1, 1, 1, 1] }, opset: 11 },
  // before opset 11 Gemm requires C: the weight gradient's Gemm gets a zero one
  { name: 'opset 9 model', x: [1, 2, 5, 5], w: [3, 2, 3, 3], bias: true, attrs: { pads: [1, 1, 1, 1] }, opset: 9 },
  { name: 'opset 10 model, stride 2', x: [1, 2, 7, 9], w: [3, 2, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] }, opset: 10 },
  { name: 'W initializer, stride 1 (flipped, transposed kernel)', x: [2, 3, 7, 9], w: [4, 3, 3, 3], bias: true, attrs: { pads: [1, 1, 1, 1] }, constWeight: true },
  { name: 'W initializer, stride 1, group 2, dilation, asymmetric pads', x: [1, 4, 8, 9], w: [6, 2, 3, 2], attrs: { group: 2, dilations: [2, 1], pads: [2, 0, 1, 1] }, constWeight: true },
  { name: 'W initializer, stride 1, pads beyond the kernel (ConvTranspose fallback)', x: [1, 2, 5, 6], w: [3, 2, 2, 3], attrs: { pads: [2, 0, 1, 3] }, constWeight: true },
  { name: 'W initializer, 1-D and 3-D at stride 1', x: [1, 2, 4, 5, 3], w: [3, 2, 2, 3, 2], attrs: { pads: [1, 1, 0, 0, 1, 1] }, constWeight: true },
  { name: 'W initializer, stride 2, 8 input channels (ConvTranspose)', x: [1, 8, 7, 9], w: [3, 8, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] }, constWeight: true },
  { name: 'opset 13 model, group 2 + dilation', x: [1, 4, 9, 9], w: [4, 2, 3, 3], bias: true, attrs: { group: 2, dilations: [2, 1], pads: [1, 1, 1, 1] }, opset: 13 },
];

describe('Conv gradients (X, W, B) against finite differences', () => {
  for (const c of convCases) it(c.name, () => checkConv('Conv', c));
});

/**
 * Strided Conv with a constant weight and fewer than 8 input channels (an image stem): dX in
 * sub-pixel form, one stride-1 Conv computing every stride phase, then a ConvTranspose with
 * kernel = stride and a Slice (conv/sub-pixel.ts). Odd sizes, pads larger on one side, SAME,
 * stride 3, kernels the stride does not divide and phase channels padded up to 16 exercise
 * the phase offsets; each case also checks that the form was used.
 */
const subPixelCases: ConvCase[] = [
  { name: 'ResNet stem: 7x7 stride 2 pads 3, 3 channels, even input', x: [1, 3, 16, 16], w: [8, 3, 7, 7], bias: true, attrs: { strides: [2, 2], pads: [3, 3, 3, 3] }, constWeight: true },
  { name: '7x7 stride 2 pads 3 on odd 15x13, batch 2', x: [2, 3, 15, 13], w: [4, 3, 7, 7], attrs: { strides: [2, 2], pads: [3, 3, 3, 3] }, constWeight: true },
  { name: '3x3 stride 2, asymmetric pads, 1 channel', x: [1, 1, 9, 8], w: [5, 1, 3, 3], bias: true, attrs: { strides: [2, 2], pads: [0, 1, 2, 0] }, constWeight: true },
  { name: '4x3 stride 3, trailing input unused', x: [1, 2, 11, 10], w: [3, 2, 4, 3], attrs: { strides: [3, 3], pads: [1, 0, 0, 1] }, constWeight: true },
  { name: 'SAME_UPPER stride 2, even kernel', x: [1, 3, 8, 7], w: [3, 3, 4, 2], attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] }, constWeight: true },
  { name: '2x2 stride 2 (windows do not overlap), 5 channels', x: [1, 5, 6, 8], w: [4, 5, 2, 2], attrs: { strides: [2, 2] }, constWeight: true },
  { name: 'opset 11 model', x: [1, 3, 9, 9], w: [4, 3, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] }, constWeight: true, opset: 11 },
];

describe('strided Conv with few input channels: dX in sub-pixel form, against finite differences', () => {
  for (const c of subPixelCases) {
    it(c.name, async () => {
      const om = opModel('Conv', [{ name: 'x', value: uniform(c.x, 1) }, { name: 'w', value: uniform(c.w, 2), constant: true }], c.attrs, { opset: c.opset });
      const gg = buildGradGraph(om.model.graph, { x: c.x }, { of: 'y0', wrt: ['x'] });
      expect([...gg.graph.initializers.keys()].some((k) => k.includes('subpixel_weight'))).toBe(true);
      await om.model.release();
      await checkConv('Conv', c);
    });
  }
});

const convTransposeCases: ConvCase[] = [
  { name: '1-D, stride 2', x: [2, 3, 5], w: [3, 2, 3], bias: true, attrs: { strides: [2] } },
  { name: 'stride 2, pads 1, output_padding 1, 4x5', x: [1, 3, 4, 5], w: [3, 2, 3, 3], bias: true, attrs: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] } },
  { name: 'asymmetric pads', x: [1, 2, 4, 5], w: [2, 3, 3, 2], attrs: { strides: [2, 1], pads: [0, 1, 2, 0] } },
  { name: 'output_shape (odd total padding)', x: [1, 2, 4, 5], w: [2, 2, 3, 3], bias: true, attrs: { strides: [2, 2], output_shape: [8, 10] } },
  { name: 'SAME_UPPER stride 2', x: [1, 2, 4, 5], w: [2, 2, 3, 4], attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] } },
  { name: 'SAME_LOWER stride 2', x: [1, 2, 4, 5], w: [2, 2, 3, 4], attrs: { auto_pad: 'SAME_LOWER', strides: [2, 2] } },
  { name: 'dilation 2', x: [1, 2, 4, 5], w: [2, 3, 3, 2], bias: true, attrs: { dilations: [2, 2], pads: [1, 0, 1, 2] } },
  { name: 'group 2, stride 2, batch 2', x: [2, 4, 3, 4], w: [4, 3, 3, 3], bias: true, attrs: { group: 2, strides: [2, 2], pads: [1, 1, 1, 1] } },
  { name: 'depthwise (group = C)', x: [1, 3, 4, 5], w: [3, 1, 3, 3], attrs: { group: 3, strides: [2, 2] } },
  { name: 'opset 11 model', x: [1, 2, 4, 5], w: [2, 2, 3, 3], bias: true, attrs: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 0] }, opset: 11 },
];

describe('ConvTranspose gradients (X, W, B) against finite differences', () => {
  for (const c of convTransposeCases) it(c.name, () => checkConv('ConvTranspose', c));
});

describe('Conv / ConvTranspose shape errors name the node and the mismatch', () => {
  const infer = (op: string, x: number[], w: number[], attrs: AttrMap): (() => unknown) => {
    const g = Graph.create(17);
    const b = new GraphBuilder(g);
    b.node(op, [b.input('x', 'float32', x), b.input('w', 'float32', w)], attrs, { outputs: ['y'], name: 'layer1' });
    return () => inferTypes(g, { x, w });
  };
  it('channels that do not match the weight', () => {
    expect(infer('Conv', [1, 3, 5, 5], [4, 2, 3, 3], {})).toThrow(/Conv node 'layer1'.*3 channels, weight expects 2 x group 1/);
  });
  it('SAME padding with dilation (onnxruntime rejects it)', () => {
    expect(infer('Conv', [1, 2, 5, 5], [4, 2, 3, 3], { auto_pad: 'SAME_UPPER', dilations: [2, 2] })).toThrow(/dilations is not supported/);
  });
  it('a ConvTranspose output_shape beyond the covered positions', () => {
    expect(infer('ConvTranspose', [1, 2, 3, 3], [2, 1, 3, 3], { strides: [2, 2], output_shape: [9, 9] })).toThrow(/output_shape 9 is larger than the 7/);
  });
});
