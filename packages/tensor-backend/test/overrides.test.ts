/** Rule overrides per call (guided backprop replaces Relu's rule without copying the engine). */
import { describe, expect, it } from 'vitest';
import { Graph, GraphBuilder, OnnxModel, float32, type GradRule } from '../src/index.js';

// Guided backprop (Springenberg et al. 2015): pass gradient only where input AND gradient are positive.
const guidedRelu: GradRule = (ctx) => {
  const { b } = ctx;
  const pos = (t: string): string => b.op('Cast', [b.op('Greater', [t, ctx.scalar(0)])], { to: 1 });
  return [b.op('Mul', [b.op('Mul', [ctx.dy[0]!, pos(ctx.x[0])]), pos(ctx.dy[0]!)])];
};

/** Values with -0 as 0 (a masked product of a negative is -0). */
const vals = (d: ArrayLike<number | bigint>): number[] => Array.from(d, (v) => Number(v) || 0);

describe('rule overrides', () => {
  it('uses the override for this call only, and caches overridden and plain graphs apart', async () => {
    const g = Graph.create(17);
    const b = new GraphBuilder(g);
    b.input('x', 'float32', [4]);
    const w = b.initializer(float32([4], [1, -1, 1, -1]), 'w');
    b.op('Mul', [b.op('Relu', ['x']), w], {}, { outputs: ['y'] });
    b.output('y', 'float32', [4]);
    const m = OnnxModel.fromGraph(g);
    const feeds = { x: float32([4], [0.5, 0.5, -0.5, 2]) };
    const seed = { output: 'y', seed: float32([4], [1, 1, 1, 1]) };
    const plain = await m.vjp({ feeds, of: seed, wrt: ['x'] });
    const guided = await m.vjp({ feeds, of: seed, wrt: ['x'], overrides: { Relu: guidedRelu }, overridesKey: 'guided' });
    const again = await m.vjp({ feeds, of: seed, wrt: ['x'] });
    // dy at the Relu output is w = [1, -1, 1, -1]; relu'(x) = [1, 1, 0, 1]
    expect(vals(plain.grads.x.data)).toEqual([1, -1, 0, -1]);
    expect(vals(guided.grads.x.data)).toEqual([1, 0, 0, 0]);
    expect(vals(again.grads.x.data)).toEqual([1, -1, 0, -1]);
    await m.release();
  });
});
