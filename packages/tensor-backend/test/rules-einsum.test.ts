/**
 * Einsum: shapes (against onnxruntime's own output dims) and gradients against central
 * finite differences in float64 (onnxruntime has a double Einsum). Einsum is multilinear,
 * so h = 1e-6 differences are exact up to rounding (~1e-10 here); 1e-7 is a safe bound
 * that any wrong label, missing sum or misplaced axis misses by orders of magnitude.
 */
import { describe, expect, it } from 'vitest';
import { buildGradGraph, float64, randUniform, toNumbers, type Tensor } from '../src/index.js';
import { parseEinsum } from '../src/ops/einsum/parse.js';
import { gradCheck, opModel, rng } from '../src/testing/index.js';

const TOL = 1e-7;

const uniform = (dims: readonly number[], seed: number): Tensor => randUniform('float64', dims, rng(seed));

/** Builds the one-node model, checks inferred dims against onnxruntime's and the gradient of every operand. */
async function check(equation: string, dims: number[][], opset = 17): Promise<Tensor> {
  const names = dims.map((_, i) => `x${i}`);
  const { model, feeds } = opModel('Einsum', dims.map((d, i) => ({ name: names[i], value: uniform(d, 10 + i) })), { equation }, { opset });
  const y = (await model.run(feeds)).y0;
  const inferred = model.graph.outputs[0].dims;
  expect(inferred, `${equation}: inferred dims`).toEqual(y.dims);
  const r = await gradCheck(model, feeds, { of: 'y0', wrt: names });
  expect(r.maxScaledError, equation).toBeLessThan(TOL);
  expect(r.maxNumeric).toBeGreaterThan(1e-3); // not vacuous
  await model.release();
  return y;
}

describe('Einsum gradients (float64)', () => {
  it('matmul-like ij,jk->ik, and at opset 12 (the first with Einsum)', async () => {
    await check('ij,jk->ik', [[3, 4], [4, 5]]);
    await check('ij,jk->ik', [[2, 3], [3, 2]], 12);
  });

  it('batched attention scores bhqd,bhkd->bhqk and the weighted sum bhqk,bhkd->bhqd', async () => {
    await check('bhqd,bhkd->bhqk', [[2, 2, 3, 4], [2, 2, 5, 4]]);
    await check('bhqk,bhkd->bhqd', [[2, 2, 3, 5], [2, 2, 5, 4]]);
  });

  it('outer product i,j->ij', async () => {
    await check('i,j->ij', [[3], [4]]);
  });

  it('sum-out: ij->i, ij-> (everything), and a label only one operand has (ij,jk->i: k is expanded back)', async () => {
    await check('ij->i', [[3, 4]]);
    await check('ij->', [[3, 4]]);
    await check('ij,jk->i', [[2, 3], [3, 4]]);
  });

  it('single-operand reorderings take a Transpose, not an Einsum', async () => {
    await check('ijk->kij', [[2, 3, 4]]);
    await check('ij->ij', [[2, 3]]);
    const { model } = opModel('Einsum', [{ name: 'x', value: uniform([2, 3, 4], 1) }], { equation: 'ijk->kij' });
    const backward = buildGradGraph(model.graph, { x: [2, 3, 4] }, { of: 'y0', wrt: ['x'], outputs: [] }).graph.nodes.map((n) => n.op);
    expect(backward).toContain('Transpose');
    expect(backward).not.toContain('Einsum');
  });

  it('implicit output: the letters used once, in alphabetical order', async () => {
    const t = await check('ij,jk', [[2, 3], [3, 4]]); // -> ik
    expect(t.dims).toEqual([2, 4]);
    expect((await check('ba', [[2, 3]])).dims).toEqual([3, 2]); // -> ab: a transpose
    expect((await check('ij,ij', [[2, 3], [2, 3]])).dims).toEqual([]); // nothing once: a dot product
  });

  it('ellipsis: batch dims, broadcast of size-1 batch dims, in the middle, and implicit', async () => {
    await check('...ij,...jk->...ik', [[2, 3, 4], [2, 4, 5]]);
    await check('...ij,...jk->...ik', [[1, 2, 3], [4, 3, 2]]);
    await check('...ij,...jk->...ik', [[3, 1, 2, 3], [3, 4, 3, 2]]);
    await check('a...d->da...', [[2, 3, 4, 5]]);
    expect((await check('ji...', [[2, 3, 4]])).dims).toEqual([4, 3, 2]); // '...' first, then i, j
    await check('b...,b...->b...', [[2, 3, 4], [2, 1, 4]]);
  });

  it('a size-1 axis of an explicit letter broadcasts too (onnxruntime accepts it)', async () => {
    await check('ij,ij->ij', [[1, 3], [4, 3]]);
  });

  it('three operands: chain ij,jk,kl->il and bilinear form bi,ij,bj->b', async () => {
    await check('ij,jk,kl->il', [[2, 3], [3, 4], [4, 2]]);
    await check('bi,ij,bj->b', [[2, 3], [3, 4], [2, 4]]);
  });

  it('repeated labels inside one operand: diagonal ii->i, trace ii, batched bii,bi->b', async () => {
    await check('ii->i', [[3, 3]]);
    expect((await check('ii', [[3, 3]])).dims).toEqual([]);
    await check('bii,bi->b', [[2, 3, 3], [2, 3]]);
    await check('iij->ij', [[2, 2, 3]]);
  });

  it('whitespace in the equation', async () => {
    await check(' i j , j k -> i k ', [[2, 3], [3, 2]]);
  });

  it('gradient w.r.t. one operand when the other is a constant initializer', async () => {
    const { model, feeds } = opModel('Einsum', [{ name: 'q', value: uniform([2, 3, 4], 1) }, { name: 'k', value: uniform([2, 5, 4], 2), constant: true }], { equation: 'bqd,bkd->bqk' });
    const r = await gradCheck(model, feeds, { of: 'y0', wrt: ['q'] });
    expect(r.maxScaledError).toBeLessThan(TOL);
  });

  it('the rule really is checked: a known gradient (dA of ij,jk->ik is dY B^T)', async () => {
    const a = uniform([2, 3], 3);
    const b = uniform([3, 2], 4);
    const { model, feeds } = opModel('Einsum', [{ name: 'a', value: a }, { name: 'b', value: b }], { equation: 'ij,jk->ik' });
    const seed = float64([2, 2], [1, 0, 0, 0]); // dA = e_0 B^T: row 0 is B[:, 0]
    const { grads } = await model.vjp({ feeds, of: { output: 'y0', seed }, wrt: ['a'] });
    const bv = toNumbers(b);
    expect(toNumbers(grads.a)).toEqual([bv[0], bv[2], bv[4], 0, 0, 0]);
  });
});

describe('Einsum equation parsing', () => {
  const fail = (m: string): never => {
    throw new Error(m);
  };
  const outDims = (eq: string, dims: number[][]): number[] => {
    const s = parseEinsum(eq, dims, fail);
    return s.output.map((l) => s.sizes[l]);
  };

  it('implicit output sorts letters by character code (uppercase first, as numpy)', () => {
    expect(outDims('bA', [[2, 3]])).toEqual([3, 2]);
  });

  it('ellipses of different ranks align at the right (numpy)', () => {
    expect(outDims('...ij,...jk->...ik', [[5, 1, 2, 3], [4, 3, 2]])).toEqual([5, 4, 2, 2]);
  });

  it('gives ellipsis axes and broadcast axes letters not used in the equation', () => {
    const s = parseEinsum('a...,a...->a...', [[2, 3], [2, 1]], fail);
    const letters = s.operands.flat().map((l) => s.letters[l]);
    expect(new Set(letters).size).toBe(3); // a, the '...' axis, and a private letter for the size-1 axis
    expect(letters.filter((c) => c !== 'a').every((c) => /[b-zA-Z]/.test(c))).toBe(true);
  });

  it.each([
    ['i1,j->ij', [[2], [3]], /letters/],
    ['ij,jk->ik', [[2, 3], [4, 5]], /'j' has size 4 in input 1 but 3 elsewhere/],
    ['ij->ik', [[2, 3]], /'k' appears in no input/],
    ['ij->ii', [[2, 2]], /repeat/],
    ['ij,jk->ik', [[2, 3]], /2 operand terms for 1 inputs/],
    ['ijk->i', [[2, 3]], /rank 2/],
    ['...i->i', [[2, 3]], /output has no '...'/],
    ['i..j->i', [[2, 3]], /has '\.'/],
  ])('refuses %s clearly', (eq, dims, message) => {
    expect(() => parseEinsum(eq, dims, fail)).toThrow(message);
  });

  it('a model with a bad equation fails at compile time naming the node', () => {
    expect(() => opModel('Einsum', [{ name: 'a', value: uniform([2, 3], 1) }], { equation: 'ij->ik' })).toThrow(/Einsum.*'k' appears in no input/);
  });
});
