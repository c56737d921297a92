import { describe, expect, it } from 'vitest';
import { Graph, GraphBuilder, OnnxModel, float32, pruneToOutputs } from '../src/index.js';

/** Two heads over one shared trunk: y = tanh(x) * 2 + a, z = tanh(x) - b (a, b initializers). */
function twoHeads(): Graph {
  const g = Graph.create(17);
  const b = new GraphBuilder(g);
  b.input('x', 'float32', ['batch', 3]);
  const a = b.initializer(float32([3], [1, 2, 3]), 'a');
  const c = b.initializer(float32([3], [0.5, 0.25, 0.125]), 'b');
  const two = b.initializer(float32([], [2]), 'two');
  b.op('Tanh', ['x'], {}, { outputs: ['t'] });
  b.op('Mul', ['t', two], {}, { outputs: ['t2'] });
  b.op('Add', ['t2', a], {}, { outputs: ['y'] });
  b.op('Sub', ['t', c], {}, { outputs: ['z'] });
  b.output('y', 'float32', ['batch', 3]);
  b.output('z', 'float32', ['batch', 3]);
  return g;
}

describe('pruneToOutputs', () => {
  it('keeps only what the chosen outputs need, computes them as the whole graph does, and leaves the source intact', async () => {
    const g = twoHeads();
    const z = pruneToOutputs(g, ['z']);
    expect(z.outputs.map((o) => o.name)).toEqual(['z']);
    expect(z.nodes.map((n) => n.op)).toEqual(['Tanh', 'Sub']);
    expect([...z.initializers.keys()].length).toBe(1);
    expect(z.inputs.map((i) => i.name)).toEqual(['x']);
    expect(g.nodes.length).toBe(4);
    expect(g.outputs.length).toBe(2);
    const x = float32([2, 3], [0.1, -0.2, 0.3, 1, -2, 3]);
    const [whole, pruned] = [OnnxModel.fromGraph(g), OnnxModel.fromGraph(z)];
    try {
      const full = await whole.run({ x });
      const only = await pruned.run({ x });
      expect(Object.keys(only)).toEqual(['z']);
      expect(Array.from(only.z.data)).toEqual(Array.from(full.z.data));
      // and the values themselves, computed independently (onnxruntime's tanh is MLAS's approximation)
      const expected = [0.1, -0.2, 0.3, 1, -2, 3].map((v, i) => Math.tanh(v) - [0.5, 0.25, 0.125][i % 3]);
      only.z.data.forEach((v, i) => expect(Number(v)).toBeCloseTo(expected[i], 6));
    } finally {
      await Promise.all([whole.release(), pruned.release()]);
    }
  });

  it('refuses names that are not outputs of the graph', () => {
    expect(() => pruneToOutputs(twoHeads(), ['z', 't'])).toThrow(/not an output of the graph: t \(outputs: y, z\)/);
  });
});
