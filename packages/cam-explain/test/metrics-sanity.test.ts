/**
 * Cascading model randomisation: the layer grouping, the randomised weights' statistics, and
 * the check itself on models whose maps depend on the weights by construction.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Graph, GraphBuilder, Net, OnnxModel, conv2d, float32, linear, randn, rng, tensor } from '@gradloc/tensor-backend';
import { cascadingRandomization, createMethod, elementTarget, classTarget, randomLike, randomizationGroups, spearman } from '../src/index.js';

describe('randomisation groups and draws', () => {
  it('groups weight initializers by their last consumer, output end first, skipping scalars and structural inputs', () => {
    const g = Graph.create(17);
    const b = new GraphBuilder(g);
    b.input('x', 'float32', ['batch', 2, 4, 4]);
    const r = rng(1);
    const w = (name: string, dims: number[]): string => b.initializer(randn('float32', dims, r), name);
    const conv = b.op('Conv', ['x', w('conv.w', [2, 2, 1, 1]), w('conv.b', [2])], { kernel_shape: [1, 1] });
    const bn = b.op('BatchNormalization', [conv, w('bn.scale', [2]), w('bn.bias', [2]), w('bn.mean', [2]), w('bn.var', [2])]);
    const up = b.op('Resize', [bn, '', b.initializer(tensor('float32', [4], [1, 1, 2, 2]), 'scales')], { mode: 'nearest' });
    const scaled = b.op('Mul', [up, b.initializer(tensor('float32', [], [0.5]), 'half')]);
    const shared = w('shared', [8, 8]);
    const flat = b.op('Reshape', [scaled, b.ints([-1, 8])]);
    const m1 = b.op('MatMul', [flat, shared]);
    b.op('MatMul', [m1, shared], {}, { outputs: ['y'], name: 'last' });
    const groups = randomizationGroups(g);
    expect(groups.map((x) => [x.op, x.initializers])).toEqual([
      ['MatMul', ['shared']], // the last consumer takes the shared weight
      ['BatchNormalization', ['bn.scale', 'bn.bias', 'bn.mean', 'bn.var']],
      ['Conv', ['conv.w', 'conv.b']],
    ]);
    expect(groups[0].node).toBe('last');
  });

  it('draws N(mean, std^2) with the tensor\'s own statistics; variances positive', () => {
    const t = randn('float32', [4000], rng(2), 0.3, 1.5);
    const stats = (d: ArrayLike<number>): [number, number] => {
      const a = Array.from(d);
      const m = a.reduce((s, x) => s + x, 0) / a.length;
      return [m, Math.sqrt(a.reduce((s, x) => s + (x - m) ** 2, 0) / a.length)];
    };
    const [m0, s0] = stats(t.data as Float32Array);
    const r = randomLike(t, rng(3));
    const [m1, s1] = stats(r.data as Float32Array);
    expect(m1).toBeCloseTo(m0, 1);
    expect(s1 / s0).toBeGreaterThan(0.95);
    expect(s1 / s0).toBeLessThan(1.05);
    expect(spearman(t.data as Float32Array, r.data as Float32Array)).toBeLessThan(0.1);
    const v = randomLike(float32([1000], Array.from({ length: 1000 }, (_, i) => (i % 10) / 10)), rng(4), true);
    expect(Math.min(...(v.data as Float32Array))).toBeGreaterThanOrEqual(0);
  });
});

describe('cascading randomisation', () => {
  const models: OnnxModel[] = [];
  afterAll(async () => {
    for (const m of models) await m.release();
  });

  it('linear model: saliency = |w| exactly at step 0 (rho 1), uncorrelated once w is re-drawn', async () => {
    const H = 8;
    const W = 8;
    const g = Graph.create(17);
    const b = new GraphBuilder(g);
    b.input('x', 'float32', ['batch', 1, H, W]);
    // class 0's weight: a smooth bump, so its |w| ranking is far from any random draw's
    const w0 = Array.from({ length: H * W }, (_, p) => Math.exp(-(((p % W) - 2) ** 2 + (Math.floor(p / W) - 5) ** 2) / 8) - 0.2);
    const wData = new Float32Array(H * W * 2);
    w0.forEach((v, p) => {
      wData[p * 2] = v;
      wData[p * 2 + 1] = -v;
    });
    const flat = b.op('Flatten', ['x'], { axis: 1 });
    b.op('MatMul', [flat, b.initializer(float32([H * W, 2], wData), 'w')], {}, { outputs: ['y'] });
    b.output('y', 'float32', ['batch', 2]);
    const model = OnnxModel.fromGraph(g, { threads: 1 });
    models.push(model);
    const x = float32([1, 1, H, W], Array.from({ length: H * W }, (_, i) => ((i * 29) % 31) / 31));
    const r = await cascadingRandomization(createMethod('saliency'), { model, feeds: { x }, target: elementTarget('y', [0]), layers: [] }, { seed: 11 });
    expect(r.groups.map((gr) => gr.initializers)).toEqual([['w']]);
    expect(r.steps.map((s) => s.step)).toEqual([0, 1]);
    // saliency of a linear score is |w| (min-max scaled): rank-identical to |w0|
    expect(spearman(r.original.maps, w0.map(Math.abs))).toBeCloseTo(1, 9);
    expect(r.steps[0].spearman[0]).toBeCloseTo(1, 9);
    expect(Math.abs(r.steps[1].spearman[0])).toBeLessThan(0.4);
    // the caller's model is untouched
    expect(Array.from(model.initializer('w').data as Float32Array)).toEqual(Array.from(wData));
  });

  it('CNN + Grad-CAM: layers randomised from the output end, rho 1 at step 0 and falling once weights that shape the map change', async () => {
    const net = new Net({ seed: 5 }, 'tiny-cnn');
    const x = net.b.input('x', 'float32', ['batch', 3, 12, 12]);
    const r1 = net.op('Relu', [conv2d(net, x, 'conv1', { cin: 3, cout: 6, k: 3, pad: 1 })], {}, 'relu1');
    const r2 = net.op('Relu', [conv2d(net, r1, 'conv2', { cin: 6, cout: 6, k: 3, pad: 1 })], {}, 'relu2');
    const pooled = net.op('Flatten', [net.op('GlobalAveragePool', [r2])], { axis: 1 });
    const logits = linear(net, pooled, 'fc', { din: 6, dout: 3 });
    net.b.output(logits, 'float32', ['batch', 3]);
    const model = OnnxModel.fromGraph(net.graph, { threads: 1 });
    models.push(model);
    const feeds = { x: randn('float32', [2, 3, 12, 12], rng(9)) };
    const before = await model.run(feeds);
    const r = await cascadingRandomization(
      createMethod('gradcam'),
      { model, feeds, target: classTarget({ output: logits, classes: 'auto' }), layers: [{ name: r1 }] },
      { seed: 1 },
    );
    expect(r.groups.map((gr) => gr.initializers)).toEqual([['fc.bias'], ['fc.weight'], ['conv2.weight', 'conv2.bias'], ['conv1.weight', 'conv1.bias']]);
    expect(r.steps.length).toBe(5);
    expect(Array.from(r.steps[0].spearman)).toEqual([expect.closeTo(1, 9), expect.closeTo(1, 9)]);
    const means = r.steps.map((s) => s.meanSpearman);
    // the last bias does not enter the logit's gradient: Grad-CAM cannot change (the class is frozen)
    expect(means[1]).toBeCloseTo(1, 9);
    // the classifier's weights and then the convolutions do
    expect(means[2]).toBeLessThan(0.9);
    expect(means[3]).toBeLessThan(0.5);
    expect(means[4]).toBeLessThan(0.5);
    // the caller's model still computes what it did
    const after = await model.run(feeds);
    expect(Array.from(after[logits].data as Float32Array)).toEqual(Array.from(before[logits].data as Float32Array));

    const limited = await cascadingRandomization(createMethod('gradcam'), { model, feeds, target: classTarget({ output: logits, classes: 'auto' }), layers: [{ name: r1 }] }, { seed: 1, maxSteps: 2 });
    expect(limited.steps.length).toBe(3);
    // same seed, same draws: the first steps agree with the full cascade
    expect(limited.steps[2].meanSpearman).toBeCloseTo(means[2], 9);
  });
});
