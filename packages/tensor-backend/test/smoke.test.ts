import { describe, expect, it } from 'vitest';
import { Graph, GraphBuilder, OnnxModel, float64 } from '../src/index.js';
import { gradCheck, opModel } from '../src/testing/index.js';

describe('smoke', () => {
  it('differentiates relu(x*w+b) with broadcasting', async () => {
    const g = Graph.create(17);
    const b = new GraphBuilder(g);
    const x = b.input('x', 'float64', [2, 3]);
    const w = b.initializer(float64([3], [0.5, -1.5, 2]), 'w');
    const bias = b.initializer(float64([2, 1], [0.1, -0.2]), 'bias');
    const y = b.op('Relu', [b.op('Add', [b.op('Mul', [x, w]), bias])], {}, { outputs: ['y'] });
    b.output(y, 'float64', [2, 3]);
    const model = OnnxModel.fromGraph(g);
    const feeds = { x: float64([2, 3], [0.3, -0.7, 1.1, -0.4, 0.9, 0.25]) };
    const r = await gradCheck(model, feeds, { of: 'y', wrt: ['x', 'w', 'bias'] });
    expect(r.maxScaledError).toBeLessThan(1e-7);
    expect(r.entries.length).toBe(11);
  });

  it('opModel builds a one-op model whose Sub gradient matches finite differences', async () => {
    const { model, feeds } = opModel('Sub', [
      { name: 'a', value: float64([2, 3], [1, 2, 3, 4, 5, 6]) },
      { name: 'b', value: float64([3], [0.5, 0.25, -1]) },
    ]);
    const r = await gradCheck(model, feeds, { of: 'y0', wrt: ['a', 'b'] });
    expect(r.maxScaledError).toBeLessThan(1e-7);
  });
});
