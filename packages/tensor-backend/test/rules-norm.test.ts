import { describe, expect, it } from 'vitest';
import { asFloat, float32, float64, sizeOf, toNumbers, type Tensor } from '../src/index.js';
import { gradCheck, opModel, rng } from '../src/testing/index.js';

/** Uniform values in [lo, hi), deterministic per seed. */
function rand(dims: number[], seed: number, lo = -1, hi = 1): Tensor {
  const r = rng(seed);
  return float64(dims, Array.from({ length: sizeOf(dims) }, () => lo + (hi - lo) * r()));
}

// Softmax, BatchNormalization and LayerNormalization have double kernels; h = 1e-6 central
// differences of these smooth functions are accurate to ~1e-9.
const TOL = 1e-7;

describe('Softmax / LogSoftmax gradients', () => {
  const variants: [string, number, number | undefined][] = [
    ['opset 11, default axis 1 (coerced to 2-D: sums over axes 1 and 2)', 11, undefined],
    ['opset 11, axis 0 (whole tensor)', 11, 0],
    ['opset 11, axis -1', 11, -1],
    ['opset 13, default axis -1', 13, undefined],
    ['opset 13, axis 1 (a single middle axis)', 13, 1],
    ['opset 17, axis -3', 17, -3],
    ['opset 18, axis 0', 18, 0],
  ];
  for (const op of ['Softmax', 'LogSoftmax']) {
    for (const [name, opset, axis] of variants) {
      it(`${op}: ${name}`, async () => {
        const { model, feeds } = opModel(op, [{ name: 'x', value: rand([2, 3, 4], 1, -2, 2) }], { axis }, { opset });
        const r = await gradCheck(model, feeds, { of: 'y0', wrt: ['x'] });
        expect(r.entries.length).toBe(24);
        expect(r.maxScaledError).toBeLessThan(TOL);
      });
    }
  }

  it('opset 11 default axis really normalises over axes 1.. (not only axis 1)', async () => {
    // a softmax over axis 1 alone would give each [i, :, k] column sum 1
    const { model, feeds } = opModel('Softmax', [{ name: 'x', value: rand([1, 2, 3], 2) }], {}, { opset: 11 });
    const y = toNumbers((await model.run(feeds)).y0);
    expect(y.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
});

describe('BatchNormalization (inference) gradients', () => {
  const C = 3;
  const stats = (seed: number) => [
    { name: 'scale', value: rand([C], seed, 0.5, 1.5) },
    { name: 'bias', value: rand([C], seed + 1) },
    { name: 'mean', value: rand([C], seed + 2) },
    { name: 'var', value: rand([C], seed + 3, 0.2, 1.2) },
  ];
  for (const opset of [7, 9, 14, 15]) {
    for (const dims of [
      [2, C, 2, 3],
      [4, C],
      [2, C, 5],
    ]) {
      it(`opset ${opset}, X [${dims.join(', ')}], w.r.t. X, scale, B, mean and var`, async () => {
        const { model, feeds } = opModel('BatchNormalization', [{ name: 'x', value: rand(dims, 5) }, ...stats(6)], { epsilon: asFloat(0.01) }, { opset });
        const r = await gradCheck(model, feeds, { of: 'y0', wrt: ['x', 'scale', 'bias', 'mean', 'var'] });
        expect(r.maxScaledError).toBeLessThan(TOL);
      });
    }
  }

  it('statistics stored as initializers, gradient w.r.t. X only', async () => {
    const { model, feeds } = opModel('BatchNormalization', [{ name: 'x', value: rand([2, C, 3, 3], 7) }, ...stats(8).map((s) => ({ ...s, constant: true }))]);
    const r = await gradCheck(model, feeds, { of: 'y0', wrt: ['x', 'scale'] });
    expect(r.maxScaledError).toBeLessThan(TOL);
  });

  it('refuses training mode', async () => {
    const { model, feeds } = opModel('BatchNormalization', [{ name: 'x', value: rand([2, C], 9) }, ...stats(10)], { training_mode: 1 }, { opset: 15, numOutputs: 3 });
    await expect(model.vjp({ feeds, of: 'y0', wrt: ['x'] })).rejects.toThrow(/inference-mode/);
  });
});

describe('LayerNormalization gradients', () => {
  const variants: [string, number[], number | undefined, number[], number[] | null][] = [
    ['axis -1 (default), bias', [2, 3, 4], undefined, [4], [4]],
    ['axis 1 over two axes, no bias', [2, 3, 4], 1, [3, 4], null],
    ['axis -2, broadcast scale [1, 4] and bias [4]', [2, 3, 4], -2, [1, 4], [4]],
    ['axis 0 (everything), rank 2', [3, 5], 0, [3, 5], [3, 5]],
  ];
  for (const [name, dims, axis, sDims, bDims] of variants) {
    it(name, async () => {
      const { model, feeds } = opModel(
        'LayerNormalization',
        [{ name: 'x', value: rand(dims, 11, -2, 2) }, { name: 'scale', value: rand(sDims, 12, 0.5, 1.5) }, bDims ? { name: 'bias', value: rand(bDims, 13) } : null],
        { axis, epsilon: asFloat(1e-3) },
      );
      const r = await gradCheck(model, feeds, { of: 'y0', wrt: bDims ? ['x', 'scale', 'bias'] : ['x', 'scale'] });
      expect(r.maxScaledError).toBeLessThan(TOL);
    });
  }

  it('opset 18 model (backward ReduceMean takes axes as an input)', async () => {
    const { model, feeds } = opModel(
      'LayerNormalization',
      [{ name: 'x', value: rand([3, 2, 4], 16, -2, 2) }, { name: 'scale', value: rand([2, 4], 17, 0.5, 1.5) }, { name: 'bias', value: rand([2, 4], 18) }],
      { axis: -2 },
      { opset: 18 },
    );
    const r = await gradCheck(model, feeds, { of: 'y0', wrt: ['x', 'scale', 'bias'] });
    expect(r.maxScaledError).toBeLessThan(TOL);
  });

  it('float32 with Mean and InvStdDev outputs: reuses them and differentiates through all three', async () => {
    // Mean and InvStdDev are float32 whatever X is (stash_type 1; onnxruntime has no
    // double statistics), so this runs in float32. With h = 1e-2 the central difference
    // has truncation error ~h^2/6 |f'''| ~ 1e-4 and rounding error ~6e-8 / h ~ 1e-5
    // relative (measured: 8e-6), so 5e-4 is a safe bound that still catches any wrong term (errors of O(1)).
    const x = rand([2, 3, 4], 14, -2, 2);
    const feeds0 = { x: float32(x.dims, x.data as Float64Array), scale: float32([4], [0.5, 1.2, -0.8, 1.0]), bias: float32([4], [0.1, -0.2, 0.3, 0]) };
    const { model, feeds } = opModel(
      'LayerNormalization',
      Object.entries(feeds0).map(([name, value]) => ({ name, value })),
      { axis: 1 },
      { numOutputs: 3 },
    );
    for (const of of ['y0', 'y1', 'y2']) {
      const r = await gradCheck(model, feeds, { of, wrt: of === 'y0' ? ['x', 'scale', 'bias'] : ['x'] });
      expect(r.maxScaledError).toBeLessThan(5e-4);
    }
  });

  it('float64 X: gradients through the float32 Mean / InvStdDev match a float64 reference', async () => {
    // Y0 is not differentiated here: the seeds are on Mean (y1) and InvStdDev (y2) only,
    // so the check isolates the statistics terms dx = dm/n - xhat * dinv * inv^2 / n.
    const n = 4;
    const x = rand([2, n], 15, -2, 2);
    const { model, feeds } = opModel('LayerNormalization', [{ name: 'x', value: x }, { name: 'scale', value: float64([n], [1, 1, 1, 1]) }], { epsilon: asFloat(1e-3) }, { numOutputs: 3 });
    const xs = toNumbers(x);
    for (const [of, seed] of [
      ['y1', [0.5, -1.5]],
      ['y2', [0.75, 2]],
    ] as const) {
      const { grads } = await model.vjp({ feeds, of: { output: of, seed: float32([2, 1], seed) }, wrt: ['x'] });
      const expected: number[] = [];
      for (let r = 0; r < 2; r++) {
        const row = xs.slice(r * n, r * n + n);
        const mu = row.reduce((a, b) => a + b, 0) / n;
        const inv = 1 / Math.sqrt(row.reduce((a, b) => a + (b - mu) ** 2, 0) / n + 1e-3);
        for (const v of row) expected.push(of === 'y1' ? seed[r] / n : (-seed[r] * inv ** 3 * (v - mu)) / n);
      }
      toNumbers(grads.x).forEach((g, i) => expect(g).toBeCloseTo(expected[i], 10));
    }
  });
});
