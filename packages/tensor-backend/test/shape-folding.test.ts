/**
 * Constant folding of shape subgraphs. The exporter chain Shape -> Gather -> Unsqueeze ->
 * Concat -> Reshape must fold to a static shape at opsets 11 (attribute axes) and 13
 * (input axes); every fold is also compared with what onnxruntime computes for the same
 * all-constant node.
 */
import { describe, expect, it } from 'vitest';
import {
  Graph,
  GraphBuilder,
  OnnxModel,
  decodeModel,
  encodeModel,
  float64,
  inferTypes,
  int64,
  sizeOf,
  tensor,
  toNumbers,
  type AttrMap,
  type Tensor,
  type TensorProto,
} from '../src/index.js';
import { gradCheck, opModel, rng, type OpInput } from '../src/testing/index.js';

function rand(dims: readonly number[], seed = 1): Tensor {
  const r = rng(seed);
  return float64(dims, Array.from({ length: sizeOf(dims) }, () => r() * 2 - 1));
}

/** x -> Shape -> Gather(0) -> Unsqueeze -> Concat([-1]) -> Reshape(x, .) -> Mul(w), as torch.onnx writes it. */
function exporterGraph(opset: number, dims: readonly number[]): Graph {
  const g = Graph.create(opset);
  const b = new GraphBuilder(g);
  const x = b.input('x', 'float64', [...dims]);
  const shape = b.op('Shape', [x], {}, { outputs: ['shape'] });
  // exporters emit the index as a Constant node holding a scalar int64
  const zero = b.op('Constant', [], { value: int64([], [0]) });
  const n = b.op('Gather', [shape, zero], { axis: 0 }, { outputs: ['n'] });
  const n1 = opset >= 13 ? b.op('Unsqueeze', [n, b.ints([0])], {}, { outputs: ['n1'] }) : b.op('Unsqueeze', [n], { axes: [0] }, { outputs: ['n1'] });
  const minus1 = b.op('Constant', [], { value: int64([1], [-1]) });
  const target = b.op('Concat', [n1, minus1], { axis: 0 }, { outputs: ['target'] });
  const flat = b.op('Reshape', [x, target], {}, { outputs: ['flat'] });
  const w = b.initializer(rand([dims.slice(1).reduce((a, d) => a * d, 1)], 9), 'w');
  b.op('Mul', [flat, w], {}, { outputs: ['y'] });
  b.output('y', 'float64', null);
  return g;
}

describe('exporter shape subgraph', () => {
  for (const opset of [11, 13]) {
    it(`folds to static dims and differentiates end to end, opset ${opset}`, async () => {
      const g = exporterGraph(opset, [2, 3, 4]);
      const t = inferTypes(g, { x: [2, 3, 4] });
      expect(toNumbers(t.value('shape')!)).toEqual([2, 3, 4]);
      expect(t.value('n')!.dims).toEqual([]);
      expect(toNumbers(t.value('target')!)).toEqual([2, -1]);
      expect(t.types.get('flat')!.dims).toEqual([2, 12]);
      expect(t.types.get('y')!.dims).toEqual([2, 12]);
      const model = OnnxModel.fromGraph(g);
      const r = await gradCheck(model, { x: rand([2, 3, 4]) }, { of: 'y', wrt: ['x', 'w'] });
      expect(r.entries.length).toBe(36);
      expect(r.maxScaledError).toBeLessThan(1e-8);
      await model.release();
    });
  }

  it('folds the Shape of a tensor larger than the fold limit (only its dims are read)', () => {
    const g = exporterGraph(13, [2, 3, 128, 128]);
    const t = inferTypes(g, { x: [2, 3, 128, 128] });
    expect(toNumbers(t.value('target')!)).toEqual([2, -1]);
    expect(t.types.get('y')!.dims).toEqual([2, 3 * 128 * 128]);
  });

  it('Reshape allowzero: 0 copies a dim by default, is a real 0 with allowzero=1', () => {
    const shapeOf = (allowzero: number, dims: number[], target: number[]): readonly number[] => {
      const g = Graph.create(14);
      const b = new GraphBuilder(g);
      b.op('Reshape', [b.input('x', 'float64', dims), b.ints(target)], { allowzero }, { outputs: ['y'] });
      return inferTypes(g, { x: dims }).types.get('y')!.dims;
    };
    expect(() => shapeOf(0, [3, 0], [0, 5])).toThrow(/cannot reshape/);
    expect(shapeOf(1, [3, 0], [0, 5])).toEqual([0, 5]);
    expect(shapeOf(0, [2, 6], [0, -1, 2])).toEqual([2, 3, 2]);
  });
});

/** An int64 tensor holding exactly INT64_MAX / INT64_MIN (exporters' "to the end" sentinels). */
const big = (v: bigint): Tensor => tensor('int64', [1], new BigInt64Array([v]));

describe('Slice sentinels', () => {
  const x = { name: 'x', value: rand([4, 5]) };
  const c = (name: string, value: Tensor): OpInput => ({ name, value, constant: true });

  it('INT64_MAX end as an int64 initializer (raw_data)', async () => {
    const { model, feeds } = opModel('Slice', [x, c('s', int64([1], [1])), c('e', big(9223372036854775807n)), c('a', int64([1], [1]))], {}, { opset: 13 });
    expect(model.graph.outputs[0].dims).toEqual([4, 4]);
    const r = await gradCheck(model, feeds, { of: 'y0', wrt: ['x'] });
    expect(r.maxScaledError).toBeLessThan(1e-8);
  });

  it('INT64_MAX end stored in int64_data (decoded as an inexact number)', async () => {
    const { model } = opModel('Slice', [x, c('s', int64([1], [1])), c('e', big(9223372036854775807n)), c('a', int64([1], [1]))], {}, { opset: 13 });
    // rewrite the initializer the way onnx.helper.make_tensor does: int64_data, no raw_data
    const proto = decodeModel(model.bytes);
    const e = proto.graph!.initializer.find((t: TensorProto) => t.name === 'e')!;
    e.raw_data = undefined;
    e.int64_data = [9223372036854775807];
    const m2 = OnnxModel.fromBytes(encodeModel(proto));
    const t = inferTypes(m2.graph, { x: [4, 5] });
    expect(t.types.get('y0')!.dims).toEqual([4, 4]);
    const r = await gradCheck(m2, { x: x.value }, { of: 'y0', wrt: ['x'] });
    expect(r.maxScaledError).toBeLessThan(1e-8);
    await m2.release();
  });

  it('INT64_MAX in opset-9 Slice attributes', async () => {
    const { model, feeds } = opModel('Slice', [x], { starts: [2], ends: [9223372036854775807], axes: [0] }, { opset: 9 });
    expect(model.graph.outputs[0].dims).toEqual([2, 5]);
    const r = await gradCheck(model, feeds, { of: 'y0', wrt: ['x'] });
    expect(r.maxScaledError).toBeLessThan(1e-8);
  });

  it('INT64_MIN end with step -1 reverses the whole axis', async () => {
    const { model, feeds } = opModel(
      'Slice',
      [x, c('s', big(-1n)), c('e', big(-9223372036854775808n)), c('a', int64([1], [0])), c('st', int64([1], [-1]))],
      {},
    );
    expect(toNumbers((await model.run(feeds)).y0).slice(0, 5)).toEqual(toNumbers(x.value).slice(15, 20));
  });
});

/**
 * Folds op on all-constant inputs and compares value and dims with onnxruntime's result.
 * Returns the folded outputs.
 */
async function foldMatchesOrt(op: string, inputs: readonly (Tensor | null)[], attrs: AttrMap = {}, opset = 17, numOutputs = 1): Promise<Tensor[]> {
  const { model, outputs } = opModel(
    op,
    inputs.map((v, i) => (v ? { name: `in${i}`, value: v, constant: true } : null)),
    attrs,
    { opset, numOutputs },
  );
  const t = inferTypes(model.graph, {});
  const folded = outputs.map((o) => t.value(o));
  const ort = await model.run({});
  outputs.forEach((o, i) => {
    expect(folded[i], `${op} output ${i} folded`).toBeDefined();
    expect(folded[i]!.dtype).toBe(ort[o].dtype);
    expect(folded[i]!.dims).toEqual(ort[o].dims);
    expect(toNumbers(folded[i]!)).toEqual(toNumbers(ort[o]));
  });
  await model.release();
  return folded as Tensor[];
}

const i64 = (dims: readonly number[], v: readonly number[]): Tensor => int64(dims, v);
const seq = (dims: readonly number[]): Tensor => i64(dims, Array.from({ length: sizeOf(dims) }, (_, k) => k * 3 - 7));

describe('folds agree with onnxruntime', () => {
  const x = seq([2, 3, 4]);
  it('Shape, with opset-15 start/end', async () => {
    await foldMatchesOrt('Shape', [x]);
    await foldMatchesOrt('Shape', [x], { start: 1 }, 15);
    await foldMatchesOrt('Shape', [x], { start: -2, end: -1 }, 15);
    await foldMatchesOrt('Shape', [x], { start: 2, end: 1 }, 15);
  });
  it('Size', () => foldMatchesOrt('Size', [x]));
  it('Constant value / value_float(s) / value_int(s)', async () => {
    await foldMatchesOrt('Constant', [], { value: i64([2], [4, -1]) });
    await foldMatchesOrt('Constant', [], { value_int: 7 });
    await foldMatchesOrt('Constant', [], { value_ints: [1, 2, 3] });
    const [f] = await foldMatchesOrt('Constant', [], { value_float: 0.5 });
    expect(f.dtype).toBe('float32');
    await foldMatchesOrt('Constant', [], { value_floats: [0.5, 1.5] });
  });
  it('ConstantOfShape, default float 0 and an int64 fill', async () => {
    await foldMatchesOrt('ConstantOfShape', [i64([2], [2, 3])]);
    await foldMatchesOrt('ConstantOfShape', [i64([1], [3])], { value: i64([1], [5]) });
  });
  it('Range, int64 and float, positive and negative delta', async () => {
    await foldMatchesOrt('Range', [i64([], [0]), i64([], [7]), i64([], [2])]);
    await foldMatchesOrt('Range', [i64([], [5]), i64([], [-2]), i64([], [-3])]);
    await foldMatchesOrt('Range', [float64([], [0.5]), float64([], [2]), float64([], [0.25])]);
    const [empty] = await foldMatchesOrt('Range', [i64([], [3]), i64([], [1]), i64([], [1])]);
    expect(empty.dims).toEqual([0]);
  });
  it('Gather: scalar and 2-D indices, negative, any axis', async () => {
    await foldMatchesOrt('Gather', [i64([3], [2, 3, 4]), i64([], [0])]);
    await foldMatchesOrt('Gather', [x, i64([2, 2], [0, -1, 2, 1])], { axis: 1 });
    await foldMatchesOrt('Gather', [x, i64([3], [-1, 0, 3])], { axis: -1 });
  });
  it('GatherElements', () => foldMatchesOrt('GatherElements', [x, i64([2, 2, 4], [0, 1, 2, -1, 2, 2, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0])], { axis: 1 }));
  it('Unsqueeze / Squeeze in both forms', async () => {
    await foldMatchesOrt('Unsqueeze', [i64([], [5])], { axes: [0] }, 11);
    await foldMatchesOrt('Unsqueeze', [x, i64([2], [0, -1])], {}, 13);
    await foldMatchesOrt('Squeeze', [i64([1, 2, 1], [3, 4])], { axes: [0] }, 11);
    await foldMatchesOrt('Squeeze', [i64([1, 2, 1], [3, 4])], {}, 13);
  });
  it('Concat on a negative axis', () => foldMatchesOrt('Concat', [seq([2, 1]), seq([2, 3])], { axis: -1 }));
  it('Reshape and Flatten', async () => {
    await foldMatchesOrt('Reshape', [x, i64([2], [0, -1])]);
    await foldMatchesOrt('Flatten', [x], { axis: -1 });
  });
  it('Transpose (default and explicit perm)', async () => {
    await foldMatchesOrt('Transpose', [x]);
    await foldMatchesOrt('Transpose', [x], { perm: [1, 2, 0] });
  });
  it('Split: attribute, input, num_outputs', async () => {
    await foldMatchesOrt('Split', [x], { axis: 2, split: [1, 3] }, 11, 2);
    await foldMatchesOrt('Split', [x, i64([2], [2, 1])], { axis: 1 }, 13, 2);
    await foldMatchesOrt('Split', [seq([7])], { num_outputs: 3 }, 18, 3);
    await foldMatchesOrt('Split', [x], { axis: -1 }, 13, 2);
  });
  it('Slice: steps, negative steps, sentinels', async () => {
    await foldMatchesOrt('Slice', [x, i64([2], [1, -1]), i64([2], [3, 0]), i64([2], [2, 1]), i64([2], [1, -1])]);
    await foldMatchesOrt('Slice', [x, i64([1], [0]), big(9223372036854775807n), i64([1], [2]), i64([1], [3])]);
    await foldMatchesOrt('Slice', [seq([6]), big(-1n), big(-9223372036854775808n), null, i64([1], [-2])]);
    await foldMatchesOrt('Slice', [x], { starts: [1], ends: [9223372036854775807] }, 9);
  });
  it('Expand and Tile', async () => {
    await foldMatchesOrt('Expand', [seq([3, 1]), i64([3], [2, 1, 4])]);
    await foldMatchesOrt('Tile', [seq([2, 3]), i64([2], [2, 3])]);
  });
  it('ArgMax / ArgMin with keepdims and select_last_index', async () => {
    const ties = i64([2, 4], [1, 5, 5, 0, 3, 3, -1, 3]);
    await foldMatchesOrt('ArgMax', [ties], { axis: 1 });
    await foldMatchesOrt('ArgMax', [ties], { axis: -1, keepdims: 0, select_last_index: 1 });
    await foldMatchesOrt('ArgMin', [ties], { axis: 0, keepdims: 0 });
    await foldMatchesOrt('ArgMin', [ties], { axis: 1, select_last_index: 1 });
  });
  it('NonZero', async () => {
    const [nz] = await foldMatchesOrt('NonZero', [i64([2, 3], [0, 4, 0, -1, 0, 2])]);
    expect(toNumbers(nz)).toEqual([0, 1, 1, 1, 0, 2]);
  });
  it('OneHot, default and explicit axis, negative indices', async () => {
    // onnxruntime has OneHot kernels for (int64 indices, int64 depth) with float32 or int64 values, not float64
    await foldMatchesOrt('OneHot', [i64([3], [0, 2, -1]), i64([], [3]), tensor('float32', [2], Float32Array.from([0, 1]))]);
    await foldMatchesOrt('OneHot', [i64([2, 2], [1, 0, 3, -4]), i64([1], [4]), i64([2], [-1, 5])], { axis: 1 });
  });
});

describe('ops whose shape depends on run-time data', () => {
  it('NonZero on a run-time input fails naming the node', () => {
    const g = Graph.create(17);
    const b = new GraphBuilder(g);
    b.op('NonZero', [b.input('x', 'float64', [4])], {}, { outputs: ['nz'], name: 'mask_nz' });
    expect(() => inferTypes(g, { x: [4] })).toThrow(/NonZero node 'mask_nz'.*run time/);
  });

  it('an out-of-range constant Gather index fails while folding, naming the node', () => {
    const g = Graph.create(17);
    const b = new GraphBuilder(g);
    b.op('Gather', [b.ints([2, 3, 4]), b.ints([3])], {}, { outputs: ['y'], name: 'pick' });
    expect(() => inferTypes(g, {})).toThrow(/Gather node 'pick': index 3 is out of range/);
  });

  it('Reshape to a run-time shape fails naming the input', () => {
    const g = Graph.create(17);
    const b = new GraphBuilder(g);
    b.op('Reshape', [b.input('x', 'float64', [4]), b.input('s', 'int64', [2])], {}, { outputs: ['y'] });
    expect(() => inferTypes(g, { x: [4], s: [2] })).toThrow(/target shape \('s'\)/);
  });
});
