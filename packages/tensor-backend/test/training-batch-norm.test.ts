import { describe, expect, it } from 'vitest';
import { Graph, GraphBuilder, OnnxModel, randn, rng, setRunningStatistics, tensorFromProto, withBatchStatistics, type Tensor } from '../src/index.js';

/** x [N, 2, 3, 3] -> BatchNormalization (inference form, running statistics as initializers). */
function bnGraph(): Graph {
  const g = Graph.create(17, 'bn');
  const b = new GraphBuilder(g);
  b.input('x', 'float32', ['N', 2, 3, 3]);
  const init = (name: string, v: number[]): string => b.initializer({ dtype: 'float32', dims: [2], data: Float32Array.from(v) }, name);
  b.op('BatchNormalization', ['x', init('bn.weight', [1.5, 0.5]), init('bn.bias', [0.1, -0.2]), init('bn.running_mean', [0, 0]), init('bn.running_var', [1, 1])], { epsilon: 1e-5 }, { outputs: ['y'] });
  b.output('y', 'float32', ['N', 2, 3, 3]);
  return g;
}

/** Per-channel mean and (biased) variance over N, H, W, computed directly. */
function channelStats(x: Tensor, batches = 1): { mean: number[]; variance: number[] } {
  const [n, c, h, w] = x.dims;
  const per = (n * h * w) / batches;
  const mean = [0, 0];
  const sq = [0, 0];
  for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) for (let p = 0; p < h * w; p++) {
    const v = Number(x.data[(i * c + k) * h * w + p]);
    mean[k] += v / (per * batches);
    sq[k] += (v * v) / (per * batches);
  }
  return { mean, variance: mean.map((m, k) => sq[k] - m * m) };
}

describe('BatchNorm training on batch statistics', () => {
  const x = randn('float32', [4, 2, 3, 3], rng(5), 2, 0.5);

  it('normalises with the batch mean and variance per channel', async () => {
    const model = OnnxModel.fromGraph(withBatchStatistics(bnGraph()));
    const y = (await model.run({ x }, ['y'])).y;
    const { mean, variance } = channelStats(x);
    const scale = [1.5, 0.5];
    const shift = [0.1, -0.2];
    for (let i = 0; i < x.data.length; i++) {
      const k = Math.floor(i / 9) % 2;
      expect(Number(y.data[i])).toBeCloseTo(((Number(x.data[i]) - mean[k]) / Math.sqrt(variance[k] + 1e-5)) * scale[k] + shift[k], 4);
    }
    await model.release();
  });

  it('sets running statistics to the pooled statistics of the batches', async () => {
    const g = bnGraph();
    const halves = [0, 1].map((h): Tensor => ({ dtype: 'float32', dims: [2, 2, 3, 3], data: (x.data as Float32Array).slice(h * 36, h * 36 + 36) }));
    await setRunningStatistics(g, halves.map((t) => ({ x: t })));
    const { mean, variance } = channelStats(x);
    const got = (name: string): number[] => Array.from(tensorFromProto(g.initializers.get(name)!).data as Float32Array);
    got('bn.running_mean').forEach((v, k) => expect(v).toBeCloseTo(mean[k], 5));
    got('bn.running_var').forEach((v, k) => expect(v).toBeCloseTo(variance[k], 4));
  });
});
