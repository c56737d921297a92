/** registerOps: a user's own op family, added at run time and removed again. */
import { describe, expect, it } from 'vitest';
import { buildGradGraph, float32, Graph, GraphBuilder, gradOf, OnnxModel, registerOps, shapeOps, shapeRule, unaryGrad, type OpFamily } from '../src/index.js';
import { gradCheck, opModel } from '../src/testing/index.js';

// Shrink (y = x - bias above lambd, x + bias below -lambd, 0 between) has no built-in rule.
const shrinkOps: OpFamily = {
  shape: { Shrink: { infer: (ctx) => [ctx.input(0)] } },
  grad: {
    Shrink: unaryGrad((ctx, dy) => ctx.mul(dy, ctx.mask(ctx.greater(ctx.abs(ctx.x[0]), ctx.scalar(ctx.attrs.float('lambd', 0.5)))))),
  },
};

const shrinkGraph = (): Graph => {
  const g = Graph.create(17);
  const b = new GraphBuilder(g);
  b.op('Shrink', [b.input('x', 'float32', [6])], { lambd: 0.5 }, { outputs: ['y'] });
  b.output('y', 'float32', [6]);
  return g;
};
const gradOfShrink = () => buildGradGraph(shrinkGraph(), { x: [6] }, { of: 'y', wrt: ['x'] });

describe('registerOps', () => {
  it('adds a custom op for this process until the returned function removes it', async () => {
    expect(gradOfShrink).toThrow(/no shape rule for op Shrink/);
    const unregister = registerOps(shrinkOps);
    try {
      expect(gradOf('Shrink')?.kind).toBe('rule');
      expect(shapeOps()).toContain('Shrink');
      const { model, feeds } = opModel('Shrink', [{ name: 'x', value: float32([6], [-2, -0.7, -0.2, 0.3, 0.9, 1.5]) }], { lambd: 0.5 });
      const r = await gradCheck(model, feeds, { of: 'y0', wrt: ['x'] });
      expect(r.maxScaledError).toBeLessThan(1e-2);
      await model.release();
    } finally {
      unregister();
    }
    expect(gradOf('Shrink')).toBeUndefined();
    expect(shapeRule('Shrink')).toBeUndefined();
    expect(gradOfShrink).toThrow(/no shape rule for op Shrink/);
  });

  it('refuses ops that already have a rule, changing nothing', () => {
    const relu = shapeRule('Relu');
    expect(() => registerOps({ shape: { Relu: { infer: (ctx) => [ctx.input(0)] } } })).toThrow(/already registered: the shape rule of Relu/);
    expect(shapeRule('Relu')).toBe(relu);
    const unregister = registerOps(shrinkOps);
    try {
      expect(() => registerOps({ shape: {}, nondifferentiable: ['Shrink'] })).toThrow(/already registered: the gradient of Shrink/);
      expect(gradOf('Shrink')?.kind).toBe('rule');
    } finally {
      unregister();
    }
  });

  it('takes a family without shape rules when onnxruntime can type the op', async () => {
    const unregister = registerOps({ shape: {}, grad: shrinkOps.grad });
    const model = OnnxModel.fromGraph(shrinkGraph());
    try {
      const x = float32([6], [-2, -0.7, -0.2, 0.3, 0.9, 1.5]);
      const r = await model.vjp({ feeds: { x }, of: { output: 'y', seed: float32([6], [1, 1, 1, 1, 1, 1]) }, wrt: ['x'] });
      expect(Array.from(r.grads.x.data)).toEqual([1, 1, 0, 0, 1, 1]);
    } finally {
      await model.release();
      unregister();
    }
  });
});
