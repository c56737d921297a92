/** Shared models and data of the training tests (not a test file itself). */
import { addClassificationLoss, buildGPT, Graph, GraphBuilder, int64, randn, rng, type Feeds, type Tensor, type Trainer } from '../src/index.js';

/** x [batch, 4] -> Linear 16 -> Relu -> Linear 3 = logits, plus labels and a cross-entropy loss. */
export function mlp(seed: number, dtype: 'float32' | 'float64' = 'float32'): Graph {
  const g = Graph.create(17, 'mlp');
  const b = new GraphBuilder(g);
  const rand = rng(seed);
  b.input('x', dtype, ['batch', 4]);
  const w = (name: string, dims: number[], std: number): string => b.initializer(randn(dtype, dims, rand, std), name);
  const h = b.op('Add', [b.op('MatMul', ['x', w('fc1.weight', [4, 16], 0.5)]), w('fc1.bias', [16], 0.1)]);
  const r = b.op('Relu', [h]);
  b.op('Add', [b.op('MatMul', [r, w('fc2.weight', [16, 3], 0.25)]), w('fc2.bias', [3], 0.1)], {}, { outputs: ['logits'] });
  b.output('logits', dtype, ['batch', 3]);
  return addClassificationLoss(g);
}

/** Batches of a fixed 3-class problem (the label is the argmax of a fixed linear map of x). */
export function* mlpBatches(seed: number, batch: number, dtype: 'float32' | 'float64' = 'float32'): Generator<Feeds> {
  const teacher = randn('float64', [4, 3], rng(1234)).data as Float64Array;
  const rand = rng(seed);
  for (;;) {
    const x = randn(dtype, [batch, 4], rand);
    const labels: number[] = [];
    for (let n = 0; n < batch; n++) {
      const score = [0, 1, 2].map((c) => [0, 1, 2, 3].reduce((s, k) => s + Number(x.data[n * 4 + k]) * teacher[k * 3 + c], 0));
      labels.push(score.indexOf(Math.max(...score)));
    }
    yield { x, labels: int64([batch], labels) };
  }
}

export const take = <T>(it: Iterator<T>, n: number): T[] => Array.from({ length: n }, () => it.next().value as T);

/** A one-block GPT (vocab 16, context 8) with its loss. */
export const tinyGPT = (seed = 3): Graph => buildGPT({ vocab: 16, context: 8, dim: 16, depth: 1, heads: 2, seed, withLoss: true });

/** Next-token data for tinyGPT: sequences counting up modulo 16 from random starts. */
export function* countingBatches(seed: number, batch: number): Generator<Feeds> {
  const rand = rng(seed);
  for (;;) {
    const ids: number[] = [];
    const next: number[] = [];
    for (let n = 0; n < batch; n++) {
      const start = Math.floor(rand() * 16);
      for (let t = 0; t < 8; t++) {
        ids.push((start + t) % 16);
        next.push((start + t + 1) % 16);
      }
    }
    yield { input_ids: int64([batch, 8], ids), targets: int64([batch, 8], next) };
  }
}

/** Every parameter's bits, for exact comparisons. */
export const snapshot = (params: ReadonlyMap<string, Float32Array | Float64Array>): Record<string, number[]> =>
  Object.fromEntries([...params].map(([k, v]) => [k, Array.from(v)]));

export const scalar = (t: Tensor): number => Number(t.data[0]);

/** A copy of one trained parameter's values. */
export const paramValues = (t: Trainer, name: string): number[] => Array.from(t.params().get(name)!);
