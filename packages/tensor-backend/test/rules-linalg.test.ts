import { describe, expect, it } from 'vitest';
import { asFloat, float64, sizeOf, type Tensor } from '../src/index.js';
import { gradCheck, opModel, rng } from '../src/testing/index.js';

/** Uniform values in [-1, 1), deterministic per seed. */
function rand(dims: number[], seed: number): Tensor {
  const r = rng(seed);
  return float64(dims, Array.from({ length: sizeOf(dims) }, () => r() * 2 - 1));
}

// Float64 throughout: MatMul and Gemm have double kernels, so central differences with
// h = 1e-6 are exact to ~1e-9 for these bilinear maps.
const TOL = 1e-7;

describe('MatMul gradient', () => {
  const cases: [string, number[], number[]][] = [
    ['1-D x 1-D', [4], [4]],
    ['1-D x 2-D', [3], [3, 4]],
    ['2-D x 1-D', [2, 3], [3]],
    ['1-D x 3-D', [3], [2, 3, 4]],
    ['3-D x 1-D', [2, 5, 3], [3]],
    ['2-D x 2-D', [2, 3], [3, 4]],
    ['3-D x 2-D', [2, 5, 3], [3, 4]],
    ['2-D x 3-D (A broadcast over batch)', [3, 4], [2, 4, 5]],
    ['4-D x 3-D with broadcast batch dims', [2, 1, 3, 4], [3, 4, 5]],
    ['batch dims of 1 on both sides', [1, 3, 2, 4], [2, 1, 4, 3]],
  ];
  for (const [name, a, b] of cases) {
    it(name, async () => {
      const { model, feeds } = opModel('MatMul', [
        { name: 'a', value: rand(a, 1) },
        { name: 'b', value: rand(b, 2) },
      ]);
      const r = await gradCheck(model, feeds, { of: 'y0', wrt: ['a', 'b'] });
      expect(r.maxScaledError).toBeLessThan(TOL);
    });
  }

  it('2-D weight stored as an initializer (Gemm path), opset 9', async () => {
    const { model, feeds } = opModel(
      'MatMul',
      [
        { name: 'x', value: rand([2, 3, 4], 3) },
        { name: 'w', value: rand([4, 5], 4), constant: true },
      ],
      {},
      { opset: 9 },
    );
    const r = await gradCheck(model, feeds, { of: 'y0', wrt: ['x', 'w'] });
    expect(r.maxScaledError).toBeLessThan(TOL);
  });

  it('gradient w.r.t. one operand only', async () => {
    const { model, feeds } = opModel('MatMul', [
      { name: 'a', value: rand([2, 2, 3], 5) },
      { name: 'b', value: rand([2, 3, 2], 6) },
    ]);
    for (const w of ['a', 'b']) {
      const r = await gradCheck(model, feeds, { of: 'y0', wrt: [w] });
      expect(r.maxScaledError).toBeLessThan(TOL);
    }
  });
});

describe('Gemm gradient', () => {
  const M = 3;
  const K = 4;
  const N = 2;
  const cDims: [string, number[] | null][] = [
    ['C omitted', null],
    ['scalar C', []],
    ['C [N]', [N]],
    ['C [1, N]', [1, N]],
    ['C [M, 1]', [M, 1]],
    ['C [M, N]', [M, N]],
  ];
  for (const transA of [0, 1]) {
    for (const transB of [0, 1]) {
      for (const [cname, c] of cDims) {
        it(`transA=${transA} transB=${transB}, ${cname}, alpha=0.7 beta=-1.3`, async () => {
          const { model, feeds } = opModel(
            'Gemm',
            [
              { name: 'a', value: rand(transA ? [K, M] : [M, K], 7) },
              { name: 'b', value: rand(transB ? [N, K] : [K, N], 8) },
              c ? { name: 'c', value: rand(c, 9) } : null,
            ],
            { transA, transB, alpha: asFloat(0.7), beta: asFloat(-1.3) },
          );
          const r = await gradCheck(model, feeds, { of: 'y0', wrt: c ? ['a', 'b', 'c'] : ['a', 'b'] });
          expect(r.maxScaledError).toBeLessThan(TOL);
        });
      }
    }
  }

  it('beta = 0 gives C a zero gradient', async () => {
    const { model, feeds } = opModel(
      'Gemm',
      [
        { name: 'a', value: rand([M, K], 10) },
        { name: 'b', value: rand([K, N], 11) },
        { name: 'c', value: rand([N], 12) },
      ],
      { beta: asFloat(0) },
    );
    const r = await gradCheck(model, feeds, { of: 'y0', wrt: ['a', 'b', 'c'] });
    expect(r.maxScaledError).toBeLessThan(TOL);
    expect(r.entries.filter((e) => e.wrt === 'c').every((e) => e.analytic === 0)).toBe(true);
  });

  it('opset 9 (C required; backward Gemms get a zero C) with default attributes', async () => {
    const { model, feeds } = opModel(
      'Gemm',
      [
        { name: 'a', value: rand([K, M], 13) },
        { name: 'b', value: rand([K, N], 14) },
        { name: 'c', value: rand([M, N], 15) },
      ],
      { transA: 1 },
      { opset: 9 },
    );
    const r = await gradCheck(model, feeds, { of: 'y0', wrt: ['a', 'b', 'c'] });
    expect(r.maxScaledError).toBeLessThan(TOL);
  });
});
