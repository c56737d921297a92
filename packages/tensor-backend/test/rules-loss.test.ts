import { describe, expect, it } from 'vitest';
import { Graph, GraphBuilder, OnnxModel, float64, sizeOf, tensor, toNumbers, type Tensor } from '../src/index.js';
import { gradCheck, opModel, rng } from '../src/testing/index.js';

function rand(dims: number[], seed: number, lo = -2, hi = 2): Tensor {
  const r = rng(seed);
  return float64(dims, Array.from({ length: sizeOf(dims) }, () => lo + (hi - lo) * r()));
}

/** Labels in [0, C), with `ignored` positions set to `ignore`. */
function labels(dims: number[], c: number, seed: number, dtype: 'int64' | 'int32' = 'int64', ignore?: { value: number; at: number[] }): Tensor {
  const r = rng(seed);
  const v = Array.from({ length: sizeOf(dims) }, () => Math.floor(r() * c));
  for (const i of ignore?.at ?? []) v[i] = ignore!.value;
  return tensor(dtype, dims, v);
}

// SoftmaxCrossEntropyLoss and NegativeLogLikelihoodLoss have double kernels; the losses
// are smooth in the scores, so h = 1e-6 central differences are accurate to ~1e-9.
const TOL = 1e-7;

describe('SoftmaxCrossEntropyLoss / NegativeLogLikelihoodLoss gradients', () => {
  const shapes: [string, number[]][] = [
    ['rank 2 [N, C]', [3, 4]],
    ['rank 4 [N, C, d1, d2]', [2, 3, 2, 2]],
  ];
  for (const op of ['SoftmaxCrossEntropyLoss', 'NegativeLogLikelihoodLoss']) {
    for (const opset of [12, 13]) {
      for (const [sname, dims] of shapes) {
        for (const reduction of ['mean', 'sum', 'none']) {
          for (const weighted of [false, true]) {
            for (const ignore of [undefined, 1, -100]) {
              const name = `${op} opset ${opset}, ${sname}, reduction=${reduction}${weighted ? ', weights' : ''}${ignore !== undefined ? `, ignore_index=${ignore}` : ''}`;
              it(name, async () => {
                const c = dims[1];
                const labelDims = dims.filter((_, i) => i !== 1);
                // an in-range ignore_index may or may not occur; -100 is placed at two positions
                const lab = labels(labelDims, c, 3, 'int64', ignore === -100 ? { value: -100, at: [0, 2] } : undefined);
                const { model, feeds } = opModel(
                  op,
                  [{ name: 'scores', value: rand(dims, 1) }, { name: 'labels', value: lab }, weighted ? { name: 'w', value: rand([c], 2, 0.3, 1.5) } : null].filter(
                    (x) => x !== null,
                  ),
                  { reduction, ignore_index: ignore },
                  { opset },
                );
                const r = await gradCheck(model, feeds, { of: 'y0', wrt: weighted ? ['scores', 'w'] : ['scores'] });
                expect(r.maxScaledError).toBeLessThan(TOL);
              });
            }
          }
        }
      }
    }
  }

  it('int32 labels and an ignore_index that occurs', async () => {
    const lab = labels([6], 3, 4, 'int32', { value: 2, at: [1, 4] });
    const { model, feeds } = opModel(
      'SoftmaxCrossEntropyLoss',
      [{ name: 'scores', value: rand([6, 3], 5) }, { name: 'labels', value: lab }, { name: 'w', value: rand([3], 6, 0.3, 1.5) }],
      { ignore_index: 2 },
    );
    const r = await gradCheck(model, feeds, { of: 'y0', wrt: ['scores', 'w'] });
    expect(r.maxScaledError).toBeLessThan(TOL);
    // ignored rows get no gradient
    const { grads } = await model.vjp({ feeds, of: 'y0', wrt: ['scores'] });
    expect(toNumbers(grads.scores).slice(3, 6).map((v) => v + 0)).toEqual([0, 0, 0]);
  });

  for (const opset of [12, 13]) {
    it(`log_prob output (opset ${opset}, rank 3): its own gradient and the loss reusing it`, async () => {
      const { model, feeds } = opModel(
        'SoftmaxCrossEntropyLoss',
        [{ name: 'scores', value: rand([2, 4, 3], 7) }, { name: 'labels', value: labels([2, 3], 4, 8) }],
        { reduction: 'sum' },
        { opset, numOutputs: 2 },
      );
      for (const of of ['y0', 'y1']) {
        const r = await gradCheck(model, feeds, { of, wrt: ['scores'] });
        expect(r.maxScaledError).toBeLessThan(TOL);
      }
    });
  }

  it('gradients from the loss and from log_prob add up', async () => {
    // z = loss + log_prob (scalar broadcast): both outputs of one node carry a gradient
    const g = Graph.create(13);
    const b = new GraphBuilder(g);
    const scores = b.input('scores', 'float64', [3, 4]);
    const lab = b.input('labels', 'int64', [3]);
    const [loss, logp] = b.node('SoftmaxCrossEntropyLoss', [scores, lab], { reduction: 'mean' }, { numOutputs: 2 });
    b.op('Add', [loss, logp], {}, { outputs: ['z'] });
    b.output('z', 'float64', [3, 4]);
    const model = OnnxModel.fromGraph(g);
    const r = await gradCheck(model, { scores: rand([3, 4], 9), labels: labels([3], 4, 10) }, { of: 'z', wrt: ['scores'] });
    expect(r.maxScaledError).toBeLessThan(TOL);
  });
});
