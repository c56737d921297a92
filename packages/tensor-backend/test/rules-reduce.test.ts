import { describe, expect, it } from 'vitest';
import { Graph, GraphBuilder, float64, inferTypes, int64, sizeOf, toNumbers, type Tensor } from '../src/index.js';
import { REDUCE_OPS, axesAsInput } from '../src/ops/reduce/spec.js';
import { gradCheck, opModel, rng } from '../src/testing/index.js';

/**
 * Values with |x| in [0.2, 1): away from the kinks of ReduceL1 and, being continuous
 * random draws, free of ties for ReduceMax/ReduceMin. ReduceLogSum needs positive sums.
 */
function rand(dims: number[], seed: number, positive = false): Tensor {
  const r = rng(seed);
  return float64(
    dims,
    Array.from({ length: sizeOf(dims) }, () => {
      const m = 0.2 + 0.8 * r();
      return positive || r() < 0.5 ? m : -m;
    }),
  );
}

/** One reduction node, with axes as an attribute or an initializer input as the opset requires. */
function reduceModel(op: string, opset: number, x: Tensor, axes: number[] | undefined, attrs: Record<string, number> = {}) {
  const inputForm = axesAsInput(op, opset);
  return opModel(
    op,
    inputForm && axes ? [{ name: 'x', value: x }, { name: 'axes', value: int64([axes.length], axes), constant: true }] : [{ name: 'x', value: x }],
    { ...attrs, axes: !inputForm && axes ? axes : undefined },
    { opset },
  );
}

// float64 has kernels for all of these; h = 1e-6 central differences are accurate to ~1e-9
const TOL = 1e-7;

describe('Reduce* gradients', () => {
  const variants: [string, number, number[] | undefined, Record<string, number>][] = [
    ['opset 11, axes=[1], keepdims default', 11, [1], {}],
    ['opset 13, negative axes [-1, 0], keepdims=0', 13, [-1, 0], { keepdims: 0 }],
    ['opset 18, axes input [0, 2], keepdims=0', 18, [0, 2], { keepdims: 0 }],
    ['opset 18, axes input [-2], keepdims=1', 18, [-2], { keepdims: 1 }],
    ['opset 12, axes omitted = all, keepdims=0', 12, undefined, { keepdims: 0 }],
    ['opset 18, axes omitted = all, keepdims=1', 18, undefined, {}],
    ['opset 18, noop_with_empty_axes=1', 18, undefined, { noop_with_empty_axes: 1 }],
  ];
  for (const op of REDUCE_OPS) {
    for (const [name, opset, axes, attrs] of variants) {
      it(`${op}: ${name}`, async () => {
        const x = rand([2, 3, 4], 1, op === 'ReduceLogSum');
        const { model, feeds } = reduceModel(op, opset, x, axes, attrs);
        const r = await gradCheck(model, feeds, { of: 'y0', wrt: ['x'] });
        expect(r.entries.length).toBe(24);
        expect(r.maxScaledError).toBeLessThan(TOL);
      });
    }
  }

  it('ReduceMax routes the whole gradient to the maximum', async () => {
    const { model, feeds } = reduceModel('ReduceMax', 17, float64([2, 3], [0.1, 0.9, -0.4, 2, -1, 1.5]), [1], { keepdims: 0 });
    const { grads } = await model.vjp({ feeds, of: { output: 'y0', seed: float64([2], [1, 10]) }, wrt: ['x'] });
    expect(toNumbers(grads.x)).toEqual([0, 1, 0, 10, 0, 0]);
  });

  it('ReduceMin splits the gradient evenly between tied minima', async () => {
    const { model, feeds } = reduceModel('ReduceMin', 17, float64([4], [0.5, -1, 2, -1]), undefined, { keepdims: 0 });
    const { grads } = await model.vjp({ feeds, of: { output: 'y0', seed: float64([], [1]) }, wrt: ['x'] });
    expect(toNumbers(grads.x)).toEqual([0, 0.5, 0, 0.5]);
  });

  it('ReduceProd handles slices with one and with two zeros', async () => {
    // rows: no zero, one zero, two zeros
    const x = float64([3, 3], [0.5, -2, 1.5, 0.7, 0, -1.2, 0, 0.9, 0]);
    const { model, feeds } = reduceModel('ReduceProd', 13, x, [1], { keepdims: 0 });
    const r = await gradCheck(model, feeds, { of: 'y0', wrt: ['x'] });
    expect(r.maxScaledError).toBeLessThan(TOL);
    const { grads } = await model.vjp({ feeds, of: { output: 'y0', seed: float64([3], [1, 1, 1]) }, wrt: ['x'] });
    expect(toNumbers(grads.x).map((v) => Math.round(v * 1e9) / 1e9 + 0)).toEqual([-3, 0.75, -1, 0, -0.84, 0, 0, 0, 0]);
  });

  it('ReduceL2 of an all-zero slice has gradient 0, not NaN', async () => {
    const { model, feeds } = reduceModel('ReduceL2', 13, float64([2, 2], [0, 0, 3, 4]), [1]);
    const { grads } = await model.vjp({ feeds, of: { output: 'y0', seed: float64([2, 1], [1, 1]) }, wrt: ['x'] });
    const g = toNumbers(grads.x);
    expect(g.slice(0, 2)).toEqual([0, 0]);
    expect(g[2]).toBeCloseTo(0.6, 12);
    expect(g[3]).toBeCloseTo(0.8, 12);
  });
});

describe('Reduce* shapes and folds', () => {
  /** Infers a one-node graph over a constant int64 input; returns the output's type and folded value. */
  function infer(op: string, opset: number, x: Tensor, attrs: Record<string, number | number[]>, axes?: number[]) {
    const g = Graph.create(opset);
    const b = new GraphBuilder(g);
    const xi = b.constant(x, 'x');
    const ins = axes ? [xi, b.ints(axes)] : [xi];
    b.op(op, ins, attrs, { outputs: ['y'] });
    const t = inferTypes(g, {});
    return { dims: t.types.get('y')!.dims, value: t.value('y') };
  }
  const x = int64([2, 3], [1, 2, 3, 4, 5, 6]);

  it('folds ReduceProd of a shape vector (element count)', () => {
    const r = infer('ReduceProd', 11, int64([3], [2, 3, 4]), { keepdims: 0 });
    expect(r.dims).toEqual([]);
    expect(toNumbers(r.value!)).toEqual([24]);
  });
  it('folds ReduceSum (axes input, opset 13), ReduceMax and ReduceMin (attribute, negative axis)', () => {
    expect(toNumbers(infer('ReduceSum', 13, x, { keepdims: 1 }, [1]).value!)).toEqual([6, 15]);
    const mx = infer('ReduceMax', 11, x, { axes: [-2], keepdims: 0 });
    expect(mx.dims).toEqual([3]);
    expect(toNumbers(mx.value!)).toEqual([4, 5, 6]);
    expect(toNumbers(infer('ReduceMin', 18, x, { keepdims: 0 }).value!)).toEqual([1]);
  });
  it('does not fold float reductions but still infers their dims', () => {
    const r = infer('ReduceMean', 18, float64([2, 3], [1, 2, 3, 4, 5, 6]), { keepdims: 0 }, [0]);
    expect(r.dims).toEqual([3]);
    expect(r.value).toBeUndefined();
  });
  it('keeps the input for noop_with_empty_axes and reduces everything for omitted axes', () => {
    expect(infer('ReduceSum', 13, x, { noop_with_empty_axes: 1 }).dims).toEqual([2, 3]);
    expect(infer('ReduceSum', 13, x, {}).dims).toEqual([1, 1]);
  });
});
