/**
 * calibrate() against statistics computed independently in TypeScript (float64):
 * - 'lm': a 2-layer LM (Gather -> MatMul W1 -> Relu -> MatMul W2 -> logits) whose mean
 *   cross-entropy gradients are derived analytically below (and the derivation itself checked
 *   by central finite differences);
 * - 'distill': linear heads y = x W, whose gradient is X^T seed with the seeds written out
 *   from their definition (softmax - onehot(argmax), sigmoid - [z > 0], averaged over rows);
 * - activation statistics: sum of x^2 per feature, rows, X^T X.
 *
 * Tolerance: onnxruntime computes in float32; every compared entry is a sum of at most a few
 * hundred products of O(1) values, so its error is a few hundred float32 ulps of the largest
 * term at most. We allow 1e-5 of the largest magnitude of the compared statistic (about 170
 * ulps), which still catches any wrong factor, sign, transpose or missing sample.
 */
import { Graph, GraphBuilder, GradlocError, normal, rng, tensor, type Feeds } from '@gradloc/tensor-backend';
import { describe, expect, it } from 'vitest';
import { calibrate } from '../src/calib/calibrate.js';
import { canonicalWeights } from '../src/graph/weight-sites.js';

const RUNTIME = { threads: 1, spinning: false } as const;

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string, rel = 1e-5): void {
  expect(got.length, what).toBe(want.length);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  expect(scale, `${what} is all zero`).toBeGreaterThan(0);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i]), `${what}[${i}]: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(rel * scale);
}

const rand = (r: () => number, n: number, std: number): Float32Array => Float32Array.from({ length: n }, () => std * normal(r));

describe("calibrate, 'lm' loss", () => {
  const V = 7;
  const D = 4;
  const H = 5;
  const B = 2;
  const T = 3;
  const M = B * T;
  const r = rng(2024);
  const E = rand(r, V * D, 1);
  const W1 = rand(r, D * H, 0.8);
  const W2 = rand(r, H * V, 0.8);

  function model(): Graph {
    const g = Graph.create(17, 'tiny-lm');
    const b = new GraphBuilder(g);
    b.input('input_ids', 'int64', ['batch', 'seq']);
    b.initializer(tensor('float32', [V, D], E), 'wte');
    b.initializer(tensor('float32', [D, H], W1), 'fc1');
    b.initializer(tensor('float32', [H, V], W2), 'fc2');
    const x = b.op('Gather', ['wte', 'input_ids'], { axis: 0 }, { outputs: ['emb'] });
    const h = b.op('Relu', [b.op('MatMul', [x, 'fc1'], {}, { outputs: ['pre'] })], {}, { outputs: ['hidden'] });
    b.op('MatMul', [h, 'fc2'], {}, { outputs: ['logits'] });
    b.output('logits', 'float32', ['batch', 'seq', V]);
    return g;
  }

  const samples = Array.from({ length: 3 }, () => ({
    ids: Array.from({ length: M }, () => Math.floor(r() * V)),
    targets: Array.from({ length: M }, () => Math.floor(r() * V)),
  }));
  const feeds: Feeds[] = samples.map((s) => ({ input_ids: tensor('int64', [B, T], s.ids), targets: tensor('int64', [B, T], s.targets) }));

  interface Forward {
    x: Float64Array;
    a: Float64Array;
    h: Float64Array;
    loss: number;
    dW1: Float64Array;
    dW2: Float64Array;
  }

  /** Mean cross-entropy over the M rows and its analytic gradient, in float64, for weights w1, w2. */
  function forward(ids: number[], targets: number[], w1: ArrayLike<number>, w2: ArrayLike<number>): Forward {
    const x = new Float64Array(M * D);
    for (let m = 0; m < M; m++) for (let d = 0; d < D; d++) x[m * D + d] = E[ids[m] * D + d];
    const a = new Float64Array(M * H);
    for (let m = 0; m < M; m++) for (let j = 0; j < H; j++) for (let d = 0; d < D; d++) a[m * H + j] += x[m * D + d] * w1[d * H + j];
    const h = a.map((v) => Math.max(v, 0));
    const dz = new Float64Array(M * V);
    let loss = 0;
    for (let m = 0; m < M; m++) {
      const z = new Float64Array(V);
      for (let v = 0; v < V; v++) for (let j = 0; j < H; j++) z[v] += h[m * H + j] * w2[j * V + v];
      const max = Math.max(...z);
      const sum = z.reduce((s, v) => s + Math.exp(v - max), 0);
      loss += (Math.log(sum) + max - z[targets[m]]) / M;
      // d(mean CE)/dz = (softmax(z) - onehot(target)) / M
      for (let v = 0; v < V; v++) dz[m * V + v] = (Math.exp(z[v] - max) / sum - (v === targets[m] ? 1 : 0)) / M;
    }
    const dW2 = new Float64Array(H * V); // h^T dz
    for (let m = 0; m < M; m++) for (let j = 0; j < H; j++) for (let v = 0; v < V; v++) dW2[j * V + v] += h[m * H + j] * dz[m * V + v];
    const da = new Float64Array(M * H); // (dz W2^T) * [a > 0]
    for (let m = 0; m < M; m++) for (let j = 0; j < H; j++) if (a[m * H + j] > 0) for (let v = 0; v < V; v++) da[m * H + j] += dz[m * V + v] * w2[j * V + v];
    const dW1 = new Float64Array(D * H); // x^T da
    for (let m = 0; m < M; m++) for (let d = 0; d < D; d++) for (let j = 0; j < H; j++) dW1[d * H + j] += x[m * D + d] * da[m * H + j];
    return { x, a, h, loss, dW1, dW2 };
  }

  const refs = samples.map((s) => forward(s.ids, s.targets, W1, W2));

  it('the analytic reference agrees with central finite differences (float64)', () => {
    const eps = 1e-6;
    const s = samples[0];
    for (const [which, w, grad] of [
      ['fc1', W1, refs[0].dW1],
      ['fc2', W2, refs[0].dW2],
    ] as const) {
      for (let i = 0; i < w.length; i++) {
        const plus = Float64Array.from(w);
        const minus = Float64Array.from(w);
        plus[i] += eps;
        minus[i] -= eps;
        const [f1, f2] = which === 'fc1' ? [forward(s.ids, s.targets, plus, W2), forward(s.ids, s.targets, minus, W2)] : [forward(s.ids, s.targets, W1, plus), forward(s.ids, s.targets, W1, minus)];
        expect(Math.abs((f1.loss - f2.loss) / (2 * eps) - grad[i])).toBeLessThan(1e-7);
      }
    }
    // the ReLU is not at a kink anywhere (finite differences and onnxruntime agree on the side)
    for (const f of refs) for (const v of f.a) expect(Math.abs(v)).toBeGreaterThan(1e-4);
  });

  it('gradient sums (grad, |grad|, grad^2), activation squares, X^T X, rows and the mean loss', async () => {
    const { graph, sites } = canonicalWeights(model());
    expect(sites.map((s) => [s.weight, s.input, s.K, s.N])).toEqual([
      ['fc1', 'emb', D, H],
      ['fc2', 'hidden', H, V],
    ]);
    const progress: number[] = [];
    const cal = await calibrate(graph, sites, { loss: { kind: 'lm' }, samples: feeds, hessian: true, runtime: RUNTIME, onProgress: (d) => progress.push(d) });
    expect(progress).toEqual([1, 2, 3]);
    expect(cal.samples).toBe(3);
    expect(Math.abs(cal.lossMean - refs.reduce((s, f) => s + f.loss, 0) / 3)).toBeLessThan(1e-5);

    for (const [name, key, K, N] of [
      ['fc1', 'dW1', D, H],
      ['fc2', 'dW2', H, V],
    ] as const) {
      const st = cal.weights.get(name)!;
      const sum = new Float64Array(K * N);
      const abs = new Float64Array(K * N);
      const sq = new Float64Array(K * N);
      for (const f of refs) {
        f[key].forEach((g, i) => {
          sum[i] += g;
          abs[i] += Math.abs(g);
          sq[i] += g * g;
        });
      }
      expectClose(st.grad, sum, `${name} grad`);
      expectClose(st.absGrad, abs, `${name} absGrad`);
      expectClose(st.sqGrad, sq, `${name} sqGrad`);
    }

    for (const [input, key, K] of [
      ['emb', 'x', D],
      ['hidden', 'h', H],
    ] as const) {
      const st = cal.activations.get(input)!;
      expect(st.rows).toBe(3 * M);
      const squares = new Float64Array(K);
      const hess = new Float64Array(K * K);
      for (const f of refs) {
        const X = f[key];
        for (let m = 0; m < M; m++) {
          for (let i = 0; i < K; i++) {
            squares[i] += X[m * K + i] ** 2;
            for (let j = 0; j < K; j++) hess[i * K + j] += X[m * K + i] * X[m * K + j];
          }
        }
      }
      expectClose(st.squares, squares, `${input} squares`);
      expectClose(st.hessian!, hess, `${input} X^T X`);
    }
  });

  it('without `hessian` no X^T X is collected; no samples is BAD_INPUT', async () => {
    const { graph, sites } = canonicalWeights(model());
    const cal = await calibrate(graph, sites, { loss: { kind: 'lm' }, samples: feeds.slice(0, 1), runtime: RUNTIME });
    expect(cal.activations.get('emb')?.hessian).toBeUndefined();
    expect(cal.activations.get('emb')?.rows).toBe(M);
    await expect(calibrate(graph, sites, { loss: { kind: 'lm' }, samples: [] })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(calibrate(graph, sites, { loss: { kind: 'lm', logits: 'nope' }, samples: feeds })).rejects.toBeInstanceOf(GradlocError);
  });
});

describe("calibrate, 'distill' loss on linear heads", () => {
  // x [2, 3, K] -> y1 = x Ws [.., 4] ('softmax'), y2 = x Wg [.., 3] ('sigmoid')
  const K = 5;
  const NS = 4;
  const NG = 3;
  const ROWS = 6;
  const r = rng(77);
  const Ws = rand(r, K * NS, 1);
  const Wg = rand(r, K * NG, 1);
  const xs = [rand(r, ROWS * K, 1), rand(r, ROWS * K, 1)];

  function model(): Graph {
    const g = Graph.create(17, 'heads');
    const b = new GraphBuilder(g);
    b.input('x', 'float32', ['batch', 3, K]);
    b.initializer(tensor('float32', [K, NS], Ws), 'Ws');
    b.initializer(tensor('float32', [K, NG], Wg), 'Wg');
    b.op('MatMul', ['x', 'Ws'], {}, { outputs: ['y_soft'] });
    b.op('MatMul', ['x', 'Wg'], {}, { outputs: ['y_sig'] });
    b.output('y_soft', 'float32', ['batch', 3, NS]);
    b.output('y_sig', 'float32', ['batch', 3, NG]);
    return g;
  }

  /** z = x W in float64. */
  const matmul = (x: Float32Array, W: Float32Array, N: number): Float64Array => {
    const z = new Float64Array(ROWS * N);
    for (let m = 0; m < ROWS; m++) for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) z[m * N + n] += x[m * K + k] * W[k * N + n];
    return z;
  };
  /** X^T seed. */
  const xtSeed = (x: Float32Array, seed: Float64Array, N: number): Float64Array => {
    const g = new Float64Array(K * N);
    for (let m = 0; m < ROWS; m++) for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) g[k * N + n] += x[m * K + k] * seed[m * N + n];
    return g;
  };

  it('grad = sum over samples of X^T seed, seeds from the teacher outputs', async () => {
    const { graph, sites } = canonicalWeights(model());
    const cal = await calibrate(graph, sites, { loss: { kind: 'distill', outputs: { y_soft: 'softmax', y_sig: 'sigmoid' } }, samples: xs.map((x) => ({ x: tensor('float32', [2, 3, K], x) })), runtime: RUNTIME });
    const wantS = new Float64Array(K * NS);
    const wantG = new Float64Array(K * NG);
    const absS = new Float64Array(K * NS);
    let loss = 0;
    for (const x of xs) {
      // softmax output: (softmax(z) - onehot(argmax z)) / rows
      const zs = matmul(x, Ws, NS);
      const seedS = new Float64Array(ROWS * NS);
      for (let m = 0; m < ROWS; m++) {
        const row = Array.from(zs.subarray(m * NS, m * NS + NS));
        const arg = row.indexOf(Math.max(...row));
        const sum = row.reduce((s, v) => s + Math.exp(v), 0);
        row.forEach((v, n) => (seedS[m * NS + n] = (Math.exp(v) / sum - (n === arg ? 1 : 0)) / ROWS));
      }
      // sigmoid output: (sigmoid(z) - [z > 0]) / rows
      const zg = matmul(x, Wg, NG);
      const seedG = zg.map((v) => (1 / (1 + Math.exp(-v)) - (v > 0 ? 1 : 0)) / ROWS);
      const gS = xtSeed(x, seedS, NS);
      gS.forEach((v, i) => {
        wantS[i] += v;
        absS[i] += Math.abs(v);
      });
      xtSeed(x, seedG, NG).forEach((v, i) => (wantG[i] += v));
      loss += zs.reduce((s, v, i) => s + v * seedS[i], 0) + zg.reduce((s, v, i) => s + v * seedG[i], 0);
    }
    expectClose(cal.weights.get('Ws')!.grad, wantS, 'Ws grad');
    expectClose(cal.weights.get('Ws')!.absGrad, absS, 'Ws absGrad');
    expectClose(cal.weights.get('Wg')!.grad, wantG, 'Wg grad');
    expect(Math.abs(cal.lossMean - loss / 2)).toBeLessThan(1e-5);
    // both heads read x: one activation entry, 2 samples x 6 rows
    expect([...cal.activations.keys()]).toEqual(['x']);
    expect(cal.activations.get('x')?.rows).toBe(12);
  });
});
