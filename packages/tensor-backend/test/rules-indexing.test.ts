/**
 * Gradients of indexing ops against central finite differences in float64 (onnxruntime
 * has double kernels for Gather*, Scatter*, MatMul, Equal/Cast). Index sets repeat on
 * purpose: repeated indices must sum their gradients.
 */
import { describe, expect, it } from 'vitest';
import { float64, int64, sizeOf, tensor, toNumbers, type AttrMap, type Tensor } from '../src/index.js';
import { gradCheck, opModel, rng, type OpInput } from '../src/testing/index.js';

// exact linear maps: h = 1e-6 central differences agree to rounding
const TOL = 1e-8;

function rand(dims: readonly number[], seed = 1): Tensor {
  const r = rng(seed);
  return float64(dims, Array.from({ length: sizeOf(dims) }, () => r() * 2 - 1));
}

/** Indices as an initializer (constant) or a fed int64/int32 input (run-time path). */
const idx = (values: readonly number[], dims: readonly number[], mode: 'constant' | 'int64' | 'int32' = 'constant'): OpInput => ({
  name: 'i',
  value: mode === 'int32' ? tensor('int32', dims, Int32Array.from(values)) : int64(dims, values),
  constant: mode === 'constant',
});

async function check(op: string, inputs: readonly OpInput[], attrs: AttrMap, opset: number, dims: readonly number[]): Promise<void> {
  const { model, feeds } = opModel(op, inputs, attrs, { opset });
  expect(model.graph.outputs[0].dims).toEqual(dims);
  expect((await model.run(feeds)).y0.dims).toEqual(dims);
  const wrt = inputs.filter((i) => i.value.dtype === 'float64' && !i.constant).map((i) => i.name);
  const r = await gradCheck(model, feeds, { of: 'y0', wrt });
  expect(r.entries.length).toBe(wrt.reduce((a, w) => a + Math.min(64, sizeOf(feeds[w].dims)), 0));
  expect(r.maxScaledError).toBeLessThan(TOL);
  await model.release();
}

const data = { name: 'x', value: rand([5, 3, 4]) };

describe('Gather', () => {
  // opset 17: ScatterND (axis 0) / ScatterElements (other axes) with reduction add; 11, 12: one-hot MatMul
  for (const opset of [11, 12, 17]) {
    it(`axis 0, repeated and negative constant indices, opset ${opset}`, () =>
      check('Gather', [data, idx([1, -1, 4, 1, 0, 1], [2, 3])], {}, opset, [2, 3, 3, 4]));
    it(`axis 1, scalar index, opset ${opset}`, () => check('Gather', [data, idx([-2], [])], { axis: 1 }, opset, [5, 4]));
    it(`axis -1, 2-D run-time int64 indices with repeats and negatives, opset ${opset}`, () =>
      check('Gather', [data, idx([3, -4, 0, 3, -1, 2], [3, 2], 'int64')], { axis: -1 }, opset, [5, 3, 3, 2]));
    it(`axis 0, run-time int32 indices, opset ${opset}`, () => check('Gather', [data, idx([2, -5, 2], [3], 'int32')], {}, opset, [3, 3, 4]));
  }

  it('embedding: sums the rows of repeated ids', async () => {
    const { model, feeds } = opModel('Gather', [{ name: 'w', value: rand([6, 2]) }, idx([2, 5, 2, 2], [4], 'int64')], {});
    const seed = float64([4, 2], [1, 2, 10, 20, 100, 200, 1000, 2000]);
    const { grads } = await model.vjp({ feeds, of: { output: 'y0', seed }, wrt: ['w'] });
    expect(toNumbers(grads.w)).toEqual([0, 0, 0, 0, 1101, 2202, 0, 0, 0, 0, 10, 20]);
  });
});

describe('GatherElements', () => {
  const x = { name: 'x', value: rand([3, 4]) };
  for (const opset of [11, 12, 17]) {
    it(`axis 0, repeated and negative indices, opset ${opset}`, () =>
      check('GatherElements', [x, idx([0, 2, -1, 1, 0, 0, 2, -3], [2, 4])], {}, opset, [2, 4]));
    it(`axis -1, indices narrower than data off the axis, run-time indices, opset ${opset}`, () =>
      check('GatherElements', [x, idx([3, 3, -1, 0, 1, 1], [2, 3], 'int64')], { axis: -1 }, opset, [2, 3]));
    it(`rank 3, axis 1, opset ${opset}`, () =>
      check('GatherElements', [data, idx([0, 2, 1, 1, 2, 0, 0, 0, 1, 2, 2, 2].concat([1, 0, 1, 0, 1, 0, 2, 2, 1, 1, 0, 0]), [2, 3, 4])], { axis: 1 }, opset, [2, 3, 4]));
  }
});

describe('ScatterElements / ScatterND', () => {
  const x = { name: 'x', value: rand([3, 4]) };
  const u = { name: 'u', value: rand([2, 4], 7) };
  it('ScatterElements (overwrite): data keeps dy where nothing was written; updates gather dy', () =>
    check('ScatterElements', [x, idx([0, 2, 1, 0, 2, 0, 2, -1], [2, 4]), u], { axis: 0 }, 17, [3, 4]));
  it('ScatterElements reduction add with duplicate targets, axis -1', () =>
    check('ScatterElements', [x, idx([1, 1, 3, 0, 2, 2, 2, 0], [2, 4]), u], { axis: -1, reduction: 'add' }, 17, [3, 4]));
  it('ScatterElements opset 11 (no reduction attribute)', () =>
    check('ScatterElements', [x, idx([0, 2, 1, 0, 2, 0, 2, 1], [2, 4]), u], { axis: 0 }, 11, [3, 4]));
  it('ScatterND (overwrite) of rows', () => check('ScatterND', [x, idx([2, 0], [2, 1]), u], {}, 17, [3, 4]));
  it('ScatterND of elements, reduction add with duplicates', () =>
    check('ScatterND', [x, idx([1, 1, 1, 1, 0, 3], [3, 2]), { name: 'u', value: rand([3], 4) }], { reduction: 'add' }, 17, [3, 4]));
  it('ScatterND reduction mul has no gradient rule and says so', async () => {
    const { model, feeds } = opModel('ScatterND', [x, idx([2, 0], [2, 1]), u], { reduction: 'mul' });
    await expect(model.vjp({ feeds, of: 'y0[0,0]', wrt: ['x'] })).rejects.toThrow(/reduction 'mul'/);
  });
});

describe('TopK', () => {
  it.each([
    [17, -1, 1],
    [11, 0, 0],
    [10, 1, 1],
  ])('opset %i axis %i largest %i matches finite differences', async (opset, axis, largest) => {
    const x = float64([3, 4], [0.3, -1.2, 2.5, 0.7, 1.1, -0.4, 0.05, 1.9, -2.2, 0.6, 1.45, -0.9]);
    const { model, feeds } = opModel(
      'TopK',
      [{ name: 'x', value: x }, { name: 'k', value: tensor('int64', [1], [2]), constant: true }],
      opset >= 11 ? { axis, largest } : { axis }, // `largest` exists from opset 11
      { opset, numOutputs: 2 },
    );
    const r = await gradCheck(model, feeds, { of: 'y0', wrt: ['x'] });
    expect(r.maxScaledError).toBeLessThan(1e-7);
    // exactly k entries per slice receive gradient
    expect(r.entries.filter((e) => e.analytic !== 0).length).toBe(axis === 0 ? 8 : 6);
  });
});
