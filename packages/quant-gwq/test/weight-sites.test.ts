/**
 * canonicalWeights on hand-built graphs: which products become sites, their K/N, that each
 * site's weight is read by its node alone, that the rewritten graph computes the same thing
 * in onnxruntime, and that the caller's graph is untouched.
 */
import { asFloat, encodeModel, Graph, GraphBuilder, GradlocError, normal, OnnxModel, rng, tensor, tensorFromProto, type Feeds, type NodeProto, type Tensor } from '@gradloc/tensor-backend';
import { describe, expect, it } from 'vitest';
import { canonicalWeights, type SiteFilter } from '../src/graph/weight-sites.js';

const RUNTIME = { threads: 1, spinning: false } as const;

const randT = (seed: number, dims: number[]): Tensor<'float32'> => {
  const r = rng(seed);
  return tensor('float32', dims, Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => normal(r)));
};

async function run(g: Graph, feeds: Feeds): Promise<Record<string, Tensor>> {
  const m = OnnxModel.fromGraph(g, RUNTIME);
  try {
    return await m.run(feeds);
  } finally {
    await m.release();
  }
}

/** Every name read by nodes, counting reads inside If/Loop bodies too (one entry per read). */
function reads(nodes: readonly NodeProto[]): string[] {
  return nodes.flatMap((n) => [...n.input, ...n.attribute.flatMap((a) => [...(a.g ? [a.g] : []), ...a.graphs]).flatMap((g) => reads(g.node))]);
}

const weightData = (g: Graph, name: string): number[] => Array.from(tensorFromProto(g.initializers.get(name)!).data as Float32Array);

/**
 * Runs both graphs and compares every output. Tolerance: each output here is a few float32
 * sums of <= 8 products of O(1) values through <= 3 layers, i.e. some tens of roundings of
 * 2^-24 relative each, in whatever order onnxruntime's kernels (Gemm vs MatMul, fused
 * Transpose+MatMul) choose; 2^-16 * (1 + max |y|) leaves a factor ~10 for that, while a wrong
 * rewrite (lost alpha/beta, untransposed weight, dropped bias) changes outputs by O(1).
 */
async function expectSameOutputs(a: Graph, b: Graph, feeds: Feeds): Promise<void> {
  const [ya, yb] = [await run(a, feeds), await run(b, feeds)];
  expect(Object.keys(yb).sort()).toEqual(Object.keys(ya).sort());
  for (const name of Object.keys(ya)) {
    const p = ya[name].data as Float32Array;
    const q = yb[name].data as Float32Array;
    expect(yb[name].dims).toEqual(ya[name].dims);
    const tol = 2 ** -16 * (1 + Math.max(...Array.from(p, Math.abs)));
    for (let i = 0; i < p.length; i++) expect(Math.abs(p[i] - q[i]), `${name}[${i}]`).toBeLessThanOrEqual(tol);
  }
}

/** Canonicalizes, checks the structural promises, the untouched source and the outputs. */
async function checkCanonical(source: Graph, feeds: Feeds, filter?: SiteFilter) {
  const before = encodeModel(source.toModel());
  const res = canonicalWeights(source, filter);
  expect(encodeModel(source.toModel())).toEqual(before);
  const { graph, sites } = res;
  const readList = reads(graph.nodes.map((n) => n.proto));
  for (const s of sites) {
    expect(graph.nodes).toContain(s.node);
    expect(s.node.op).toBe('MatMul');
    expect(s.node.inputs).toEqual([s.input, s.weight]);
    expect(s.node.outputs[0]).toBe(s.output);
    const init = graph.initializers.get(s.weight);
    expect(init?.dims.map(Number)).toEqual([s.K, s.N]);
    expect(readList.filter((n) => n === s.weight), `${s.weight} readers`).toHaveLength(1);
  }
  expect(new Set(sites.map((s) => s.weight)).size).toBe(sites.length);
  await expectSameOutputs(source, graph, feeds);
  return res;
}

describe('canonicalWeights', () => {
  it('Gemm(transB=1, alpha 0.5, beta 2, C) -> MatMul(x, 0.5 B^T) + 2 C', async () => {
    const g = Graph.create(17, 'gemm');
    const b = new GraphBuilder(g);
    b.input('x', 'float32', ['batch', 4]);
    const B = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]; // [N=3, K=4]
    b.initializer(tensor('float32', [3, 4], B), 'B');
    b.initializer(tensor('float32', [3], [0.5, -1, 2]), 'C');
    b.op('Gemm', ['x', 'B', 'C'], { transB: 1, alpha: asFloat(0.5), beta: asFloat(2) }, { outputs: ['y'], name: 'fc' });
    b.output('y', 'float32', ['batch', 3]);
    const { graph, sites } = await checkCanonical(g, { x: randT(1, [5, 4]) });
    expect(sites.map((s) => [s.weight, s.K, s.N])).toEqual([['B.copy', 4, 3]]);
    // 0.5 * B^T, row-major [K=4, N=3]: row k = 0.5 * (B[0][k], B[1][k], B[2][k])
    expect(weightData(graph, 'B.copy')).toEqual([0.5, 2.5, 4.5, 1, 3, 5, 1.5, 3.5, 5.5, 2, 4, 6]);
    expect(graph.initializers.has('B')).toBe(false);
    expect(graph.nodes.map((n) => n.op)).toEqual(['MatMul', 'Mul', 'Add']);
    expect(graph.nodes.at(-1)?.outputs).toEqual(['y']);
    // a hand check of one output on top of the onnxruntime comparison: x = e_0 -> 0.5 B[:,0] + 2C
    const y = (await run(graph, { x: tensor('float32', [1, 4], [1, 0, 0, 0]) })).y.data as Float32Array;
    expect(Array.from(y)).toEqual([0.5 + 1, 2.5 - 2, 4.5 + 4]);
  });

  it('Gemm without C and beta 1 with C: no Mul node', async () => {
    const g = Graph.create(17, 'gemm2');
    const b = new GraphBuilder(g);
    b.input('x', 'float32', ['batch', 4]);
    b.initializer(randT(2, [4, 3]), 'B1');
    b.initializer(randT(3, [3, 2]), 'B2');
    b.initializer(randT(4, [2]), 'C2');
    const h = b.op('Gemm', ['x', 'B1'], {}, { outputs: ['h'] });
    b.op('Gemm', [h, 'B2', 'C2'], {}, { outputs: ['y'] });
    b.output('y', 'float32', ['batch', 2]);
    const { graph, sites } = await checkCanonical(g, { x: randT(5, [3, 4]) });
    expect(sites.map((s) => [s.weight, s.K, s.N, s.output])).toEqual([
      ['B1.copy', 4, 3, 'h'],
      ['B2.copy', 3, 2, sites[1].output],
    ]);
    expect(graph.nodes.map((n) => n.op)).toEqual(['MatMul', 'MatMul', 'Add']);
  });

  /** ids [2, 3] -> Gather(E [6, 4]) -> MatMul W1 [4, 4] -> Tanh -> MatMul(., Transpose(E)) -> logits [2, 3, 6] */
  function tiedLm(): Graph {
    const g = Graph.create(17, 'tied');
    const b = new GraphBuilder(g);
    b.input('ids', 'int64', [2, 3]);
    b.initializer(randT(6, [6, 4]), 'E');
    b.initializer(randT(7, [4, 4]), 'W1');
    const h = b.op('Gather', ['E', 'ids'], { axis: 0 });
    const t = b.op('Tanh', [b.op('MatMul', [h, 'W1'])]);
    const et = b.op('Transpose', ['E'], {}, { outputs: ['E_t'] });
    b.op('MatMul', [t, et], {}, { outputs: ['logits'] });
    b.output('logits', 'float32', [2, 3, 6]);
    return g;
  }
  const ids = tensor('int64', [2, 3], [0, 5, 2, 3, 3, 1]);

  it('tied embedding: the head gets a pre-transposed copy, the Gather keeps E', async () => {
    const g = tiedLm();
    const { graph, sites } = await checkCanonical(g, { ids });
    expect(sites.map((s) => [s.weight, s.K, s.N])).toEqual([
      ['W1', 4, 4],
      ['E.T', 4, 6],
    ]);
    expect(graph.nodes.some((n) => n.op === 'Transpose')).toBe(false);
    const E = weightData(g, 'E');
    const ET = weightData(graph, 'E.T');
    for (let k = 0; k < 4; k++) for (let v = 0; v < 6; v++) expect(ET[k * 6 + v]).toBe(E[v * 4 + k]);
    expect(weightData(graph, 'E')).toEqual(E);
    expect(graph.nodes.find((n) => n.op === 'Gather')?.inputs[0]).toBe('E');
  });

  it('one initializer read by two MatMuls: one copy each, the shared one dropped', async () => {
    const g = Graph.create(17, 'shared');
    const b = new GraphBuilder(g);
    b.input('x', 'float32', ['batch', 4]);
    b.initializer(randT(8, [4, 4]), 'W');
    const a = b.op('Relu', [b.op('MatMul', ['x', 'W'])]);
    b.op('MatMul', [a, 'W'], {}, { outputs: ['y'] });
    b.output('y', 'float32', ['batch', 4]);
    const { graph, sites } = await checkCanonical(g, { x: randT(9, [3, 4]) });
    expect(sites).toHaveLength(2);
    expect(sites[0].weight).toBe('W.copy');
    expect(sites[1].weight).toMatch(/^W\.copy_\d+$/);
    expect(sites.map((s) => [s.K, s.N])).toEqual([
      [4, 4],
      [4, 4],
    ]);
    expect(graph.initializers.has('W')).toBe(false);
    for (const s of sites) expect(weightData(graph, s.weight)).toEqual(weightData(g, 'W'));
  });

  it('a MatMul of two activations is not a site', async () => {
    const g = Graph.create(17, 'act');
    const b = new GraphBuilder(g);
    b.input('x', 'float32', [3, 4]);
    b.initializer(randT(10, [4, 2]), 'W');
    const gramm = b.op('MatMul', ['x', b.op('Transpose', ['x'])]); // [3, 3], both activations
    b.op('MatMul', [gramm, b.op('MatMul', ['x', 'W'])], {}, { outputs: ['y'] });
    b.output('y', 'float32', [3, 2]);
    const { graph, sites } = await checkCanonical(g, { x: randT(11, [3, 4]) });
    expect(sites.map((s) => [s.weight, s.K, s.N])).toEqual([['W', 4, 2]]);
    expect(graph.nodes.filter((n) => n.op === 'MatMul')).toHaveLength(3);
    expect(graph.nodes.some((n) => n.op === 'Transpose')).toBe(true);
  });

  it('filters: include, exclude, minElements', async () => {
    const g = tiedLm();
    const names = (f: SiteFilter): string[] => canonicalWeights(g, f).sites.map((s) => s.weight);
    expect(names({ include: /W1/ })).toEqual(['W1']);
    expect(names({ exclude: /\.T$/ })).toEqual(['W1']);
    expect(names({ include: /^E/ })).toEqual(['E.T']);
    expect(names({ minElements: 17 })).toEqual(['E.T']); // W1 has 16, E^T 24
    expect(names({ minElements: 16 })).toEqual(['W1', 'E.T']);
    // a skipped tied head stays a Transpose + MatMul, and the graph still computes the same
    const { graph } = await checkCanonical(g, { ids }, { include: /W1/ });
    expect(graph.nodes.some((n) => n.op === 'Transpose')).toBe(true);
    expect(graph.initializers.has('E.T')).toBe(false);
  });

  it('nothing quantizable: BAD_MODEL', () => {
    const g = Graph.create(17, 'none');
    const b = new GraphBuilder(g);
    b.input('x', 'float32', [3, 4]);
    b.initializer(randT(12, [4, 4]), 'W');
    b.op('Add', [b.op('MatMul', ['x', b.op('Transpose', ['x'])]), b.op('Gemm', ['x', 'W'], { transA: 1 })], {}, { outputs: ['y'] });
    b.output('y', 'float32', [3, 4]);
    const err = (f?: SiteFilter): unknown => {
      try {
        canonicalWeights(g, f);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    expect(err()).toBeInstanceOf(GradlocError);
    expect((err() as GradlocError).code).toBe('BAD_MODEL');
    expect((err({ include: /nothing/ }) as GradlocError).code).toBe('BAD_MODEL');
    expect(() => canonicalWeights(tiedLm(), { minElements: 1000 })).toThrow(/no MatMul\/Gemm/);
  });

  it('keeps initializers read only inside an If branch, and copies a weight a branch also reads', async () => {
    const g = Graph.create(17, 'if');
    const b = new GraphBuilder(g);
    b.input('x', 'float32', [2, 3]);
    b.input('c', 'bool', []);
    b.initializer(randT(13, [3, 2]), 'W');
    b.initializer(tensor('float32', [2], [10, 20]), 'outer_bias');
    const y = b.op('MatMul', ['x', 'W'], {}, { outputs: ['y'] });
    const branch = (name: string, then: boolean) => {
      const sg = Graph.create(17, name);
      const sb = new GraphBuilder(sg);
      // then: y + outer_bias + x W (W read again inside the branch); else: y
      if (then) sb.op('Add', [sb.op('Add', [y, 'outer_bias']), sb.op('MatMul', ['x', 'W'])], {}, { outputs: [`${name}_out`] });
      else sb.op('Identity', [y], {}, { outputs: [`${name}_out`] });
      sb.output(`${name}_out`, 'float32', [2, 2]);
      return sg.toModel().graph!;
    };
    b.op('If', ['c'], { then_branch: branch('then', true), else_branch: branch('else', false) }, { outputs: ['z'] });
    b.output('z', 'float32', [2, 2]);
    const x = randT(14, [2, 3]);
    for (const c of [0, 1]) {
      const { graph, sites } = await checkCanonical(g, { x, c: tensor('bool', [], [c]) });
      expect(graph.initializers.has('outer_bias')).toBe(true);
      expect(graph.initializers.has('W')).toBe(true); // the branch's MatMul still reads it
      expect(sites.map((s) => [s.weight, s.K, s.N])).toEqual([['W.copy', 3, 2]]);
    }
  });
});
