/**
 * Gradients of data-movement ops against central finite differences in float64, plus a
 * forward run checking that the inferred output dims are what onnxruntime produces.
 */
import { describe, expect, it } from 'vitest';
import { Graph, GraphBuilder, OnnxModel, float64, int64, sizeOf, tensor, type AttrMap, type Tensor } from '../src/index.js';
import { gradCheck, opModel, rng, type OpInput } from '../src/testing/index.js';

// Every op here has double kernels; these rules are exact linear maps, so h = 1e-6
// central differences agree to rounding (~1e-10).
const TOL = 1e-8;

/** Distinct values in (-1, 1): movement ops have no kinks, distinctness catches misrouting. */
function rand(dims: readonly number[], seed = 1): Tensor {
  const r = rng(seed);
  return float64(dims, Array.from({ length: sizeOf(dims) }, () => r() * 2 - 1));
}

const ints = (name: string, values: readonly number[], dims: readonly number[] = [values.length]): OpInput => ({
  name,
  value: int64(dims, values),
  constant: true,
});

interface Case {
  readonly inputs: readonly (OpInput | null)[];
  readonly attrs?: AttrMap;
  readonly opset?: number;
  readonly numOutputs?: number;
  /** Output checked (default y0). */
  readonly of?: string;
  /** Expected dims of each output. */
  readonly dims: readonly (readonly number[])[];
}

/** Builds the one-op model, checks output dims against onnxruntime, and gradient-checks every float input. */
async function check(op: string, c: Case): Promise<void> {
  const { model, feeds, outputs } = opModel(op, c.inputs, c.attrs ?? {}, { opset: c.opset, numOutputs: c.numOutputs });
  const fwd = await model.run(feeds);
  outputs.forEach((o, i) => {
    expect(model.graph.outputs[i].dims).toEqual(c.dims[i]);
    expect(fwd[o].dims).toEqual(c.dims[i]);
  });
  const wrt = c.inputs.filter((i): i is OpInput => !!i && !i.constant && i.value.dtype === 'float64').map((i) => i.name);
  const r = await gradCheck(model, feeds, { of: c.of ?? 'y0', wrt });
  expect(r.entries.length).toBe(wrt.reduce((a, w) => a + Math.min(64, sizeOf(feeds[w].dims)), 0));
  expect(r.maxScaledError).toBeLessThan(TOL);
  await model.release();
}

const x234 = { name: 'x', value: rand([2, 3, 4]) };

describe('Reshape / Flatten / Squeeze / Unsqueeze', () => {
  it('Reshape with 0 (copy) and -1 (infer), opset 13', () => check('Reshape', { inputs: [x234, ints('s', [0, -1])], opset: 13, dims: [[2, 12]] }));
  it('Reshape opset 11', () => check('Reshape', { inputs: [x234, ints('s', [4, -1, 2])], opset: 11, dims: [[4, 3, 2]] }));
  it('Reshape allowzero=1 without zeros, opset 14', () =>
    check('Reshape', { inputs: [x234, ints('s', [3, 8])], attrs: { allowzero: 1 }, opset: 14, dims: [[3, 8]] }));
  it('Flatten default axis 1', () => check('Flatten', { inputs: [x234], dims: [[2, 12]] }));
  it('Flatten axis 0', () => check('Flatten', { inputs: [x234], attrs: { axis: 0 }, dims: [[1, 24]] }));
  it('Flatten axis -1, opset 11', () => check('Flatten', { inputs: [x234], attrs: { axis: -1 }, opset: 11, dims: [[6, 4]] }));
  it('Flatten axis = rank', () => check('Flatten', { inputs: [x234], attrs: { axis: 3 }, dims: [[24, 1]] }));

  const x1 = { name: 'x', value: rand([1, 3, 1, 2]) };
  it('Squeeze attribute axes [-2], opset 11', () => check('Squeeze', { inputs: [x1], attrs: { axes: [-2] }, opset: 11, dims: [[1, 3, 2]] }));
  it('Squeeze input axes [0, -2], opset 13', () => check('Squeeze', { inputs: [x1, ints('a', [0, -2])], opset: 13, dims: [[3, 2]] }));
  it('Squeeze without axes drops every 1, opsets 11 and 13', async () => {
    await check('Squeeze', { inputs: [x1], opset: 11, dims: [[3, 2]] });
    await check('Squeeze', { inputs: [x1], opset: 13, dims: [[3, 2]] });
  });
  it('Unsqueeze attribute axes [0, -1], opset 11', () =>
    check('Unsqueeze', { inputs: [x234], attrs: { axes: [0, -1] }, opset: 11, dims: [[1, 2, 3, 4, 1]] }));
  it('Unsqueeze input axes [-1, 1], opset 13', () =>
    check('Unsqueeze', { inputs: [x234, ints('a', [-1, 1])], opset: 13, dims: [[2, 1, 3, 4, 1]] }));
});

describe('Transpose', () => {
  it('default perm reverses the axes', () => check('Transpose', { inputs: [x234], dims: [[4, 3, 2]] }));
  it('perm [1, 2, 0]', () => check('Transpose', { inputs: [x234], attrs: { perm: [1, 2, 0] }, dims: [[3, 4, 2]] }));
  it('perm [0, 2, 1, 3] on rank 4', () =>
    check('Transpose', { inputs: [{ name: 'x', value: rand([2, 2, 3, 2]) }], attrs: { perm: [0, 2, 1, 3] }, dims: [[2, 3, 2, 2]] }));
});

describe('Concat / Split', () => {
  const parts = [
    { name: 'a', value: rand([2, 3, 1], 1) },
    { name: 'b', value: rand([2, 3, 4], 2) },
    { name: 'c', value: rand([2, 3, 2], 3) },
  ];
  it('Concat axis -1, every input differentiated (Split path)', () => check('Concat', { inputs: parts, attrs: { axis: -1 }, dims: [[2, 3, 7]] }));
  it('Concat axis 1, opset 11', () =>
    check('Concat', { inputs: [{ name: 'a', value: rand([2, 1, 2]) }, { name: 'b', value: rand([2, 3, 2], 5) }], attrs: { axis: 1 }, opset: 11, dims: [[2, 4, 2]] }));
  it('Concat with one differentiated input (Slice path)', () =>
    check('Concat', {
      inputs: [{ name: 'a', value: rand([2, 2], 1), constant: true }, { name: 'b', value: rand([2, 3], 2) }, { name: 'c', value: rand([2, 1], 3), constant: true }],
      attrs: { axis: 1 },
      dims: [[2, 6]],
    }));

  const x = { name: 'x', value: rand([2, 7]) };
  for (const of of ['y0', 'y1']) {
    it(`Split opset 11 split attribute [2, 5], gradient of ${of} only (zeros for the other)`, () =>
      check('Split', { inputs: [x], attrs: { axis: 1, split: [2, 5] }, opset: 11, numOutputs: 2, of, dims: [[2, 2], [2, 5]] }));
  }
  it('Split opset 13 split input [3, 1, 3] on axis -1', () =>
    check('Split', { inputs: [x, ints('s', [3, 1, 3])], attrs: { axis: -1 }, opset: 13, numOutputs: 3, of: 'y2', dims: [[2, 3], [2, 1], [2, 3]] }));
  it('Split opset 18 num_outputs=3 over 7: chunks 3, 3, 1', () =>
    check('Split', { inputs: [x], attrs: { axis: 1, num_outputs: 3 }, opset: 18, numOutputs: 3, of: 'y2', dims: [[2, 3], [2, 3], [2, 1]] }));
  it('Split into equal parts when neither split nor num_outputs is given', () =>
    check('Split', { inputs: [{ name: 'x', value: rand([4, 3]) }], attrs: { axis: 0 }, opset: 13, numOutputs: 2, of: 'y1', dims: [[2, 3], [2, 3]] }));

  it('Split with a gradient on every output (Split -> Concat in another order)', async () => {
    for (const opset of [11, 13, 18]) {
      const g = Graph.create(opset);
      const b = new GraphBuilder(g);
      const xin = b.input('x', 'float64', [3, 5]);
      // sizes [2, 2, 1]: an attribute before 13, an input from 13, num_outputs (ceil chunks) at 18
      const ys =
        opset === 18
          ? b.node('Split', [xin], { axis: 1, num_outputs: 3 }, { numOutputs: 3 })
          : opset >= 13
            ? b.node('Split', [xin, b.ints([2, 2, 1])], { axis: 1 }, { numOutputs: 3 })
            : b.node('Split', [xin], { axis: 1, split: [2, 2, 1] }, { numOutputs: 3 });
      b.op('Concat', [ys[2], ys[0], ys[1]], { axis: 1 }, { outputs: ['y'] });
      b.output('y', 'float64', [3, 5]);
      const model = OnnxModel.fromGraph(g);
      const r = await gradCheck(model, { x: rand([3, 5]) }, { of: 'y', wrt: ['x'] });
      expect(r.maxScaledError).toBeLessThan(TOL);
      await model.release();
    }
  });
});

describe('Slice', () => {
  const x = { name: 'x', value: rand([4, 5, 6]) };
  const slice = (starts: number[], ends: number[], axes?: number[], steps?: number[]): (OpInput | null)[] => [
    x,
    ints('starts', starts),
    ints('ends', ends),
    axes ? ints('axes', axes) : null,
    steps ? ints('steps', steps) : null,
  ];
  it('opset 9 attributes', () => check('Slice', { inputs: [x], attrs: { starts: [1, -4], ends: [3, 100], axes: [0, 2] }, opset: 9, dims: [[2, 5, 4]] }));
  it('opset 9 attributes without axes', () => check('Slice', { inputs: [x], attrs: { starts: [1, 0], ends: [4, 2] }, opset: 9, dims: [[3, 2, 6]] }));
  it('step 1 with negative starts/ends and axes', () => check('Slice', { inputs: slice([-3, 1], [-1, 1000], [-1, 0]), dims: [[3, 5, 2]] }));
  it('axes and steps omitted (opset 10)', () => check('Slice', { inputs: slice([1, 2], [3, 4]), opset: 10, dims: [[2, 2, 6]] }));
  it('step 2 and step 3', () => check('Slice', { inputs: slice([1, 0], [6, 5], [2, 1], [2, 3]), dims: [[4, 2, 3]] }));
  it('step 4 leaving a short last group (opset 11)', () => check('Slice', { inputs: slice([0], [6], [2], [4]), opset: 11, dims: [[4, 5, 2]] }));
  it('step -1 reverses an axis (INT64_MIN end as exporters write flips)', async () => {
    const min = tensor('int64', [1], new BigInt64Array([-9223372036854775808n]));
    await check('Slice', { inputs: [x, ints('s', [-1]), { name: 'e', value: min, constant: true }, ints('a', [1]), ints('st', [-1])], dims: [[4, 5, 6]] });
  });
  it('step -2 from an inner start, together with a step 1 axis', () => check('Slice', { inputs: slice([4, 1], [0, 3], [2, 0], [-2, 1]), dims: [[2, 5, 2]] }));
  it('step -3 over a whole axis with clamped start', () => check('Slice', { inputs: slice([100], [-100], [1], [-3]), dims: [[4, 2, 6]] }));
  it('empty result gives a zero gradient', async () => {
    const { model, feeds } = opModel('Slice', slice([3], [1], [0]), {});
    expect(model.graph.outputs[0].dims).toEqual([0, 5, 6]);
    const { grads } = await model.vjp({ feeds, of: { output: 'y0', seed: float64([0, 5, 6]) }, wrt: ['x'] });
    expect([...grads.x.data].every((v) => v === 0)).toBe(true);
    expect(grads.x.dims).toEqual([4, 5, 6]);
  });
});

describe('Expand / Tile', () => {
  it('Expand [3, 1] to [2, 3, 4]', () => check('Expand', { inputs: [{ name: 'x', value: rand([3, 1]) }, ints('s', [2, 1, 4])], dims: [[2, 3, 4]] }));
  it('Expand with a shorter shape (opset 11)', () =>
    check('Expand', { inputs: [{ name: 'x', value: rand([2, 1, 3]) }, ints('s', [4, 1])], opset: 11, dims: [[2, 4, 3]] }));
  it('Tile repeats [2, 1, 3]', () => check('Tile', { inputs: [{ name: 'x', value: rand([2, 3, 2]) }, ints('r', [2, 1, 3])], dims: [[4, 3, 6]] }));
  it('Tile repeats all 1', () => check('Tile', { inputs: [{ name: 'x', value: rand([2, 3]) }, ints('r', [1, 1])], dims: [[2, 3]] }));
});

describe('CumSum / Trilu', () => {
  const x = { name: 'x', value: rand([3, 4]) };
  for (const [exclusive, reverse] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
    it(`CumSum axis -1, exclusive=${exclusive} reverse=${reverse}`, () =>
      check('CumSum', { inputs: [x, ints('axis', [-1], [])], attrs: { exclusive, reverse }, dims: [[3, 4]] }));
  }
  it('CumSum with a runtime axis input, opset 11', () =>
    check('CumSum', { inputs: [x, { name: 'axis', value: int64([], [0]) }], opset: 11, dims: [[3, 4]] }));
  it('Trilu upper (default) with k = 1', () => check('Trilu', { inputs: [{ name: 'x', value: rand([2, 3, 4]) }, ints('k', [1], [])], opset: 14, dims: [[2, 3, 4]] }));
  it('Trilu lower without k', () => check('Trilu', { inputs: [x], attrs: { upper: 0 }, opset: 14, dims: [[3, 4]] }));
});
