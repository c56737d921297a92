/**
 * Activation gradients against central finite differences. float64 (h = 1e-6, tolerance
 * 1e-6 on the scaled error; a correct rule lands near 1e-9) wherever onnxruntime has double
 * kernels. Softplus, Elu, Selu, HardSigmoid, HardSwish and exact Gelu have float kernels
 * only: those run in float32 at h = 1e-2, where truncation error h^2/6 |f'''| stays below
 * ~3e-5 for these functions and output rounding ulp(y)/2h below ~1e-5 (measured maximum
 * 1.4e-5, exact Gelu), so 2e-4 holds with margin while any wrong term (a missing factor,
 * a wrong branch) misses by > 1e-2. They are also checked pointwise against the exact
 * derivative computed in JS doubles.
 */
import { describe, expect, it } from 'vitest';
import { asFloat, float32, float64, type AttrMap, type Tensor } from '../src/index.js';
import { awayFrom, gradCheck, opModel, type OpInput } from '../src/testing/index.js';

const TOL64 = 1e-6;
const TOL32 = 2e-4;

const vals = (n: number, seed: number, lo = -3, hi = 3, avoid: readonly number[] = [], gap = 0.1): number[] =>
  awayFrom(n, seed, lo, hi, avoid, gap);
const size = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);
const f64 = (dims: number[], seed: number, lo?: number, hi?: number, avoid?: number[]): Tensor =>
  float64(dims, vals(size(dims), seed, lo, hi, avoid));
const f32 = (dims: number[], seed: number, lo?: number, hi?: number, avoid?: number[]): Tensor =>
  float32(dims, vals(size(dims), seed, lo, hi, avoid));
const inp = (name: string, value: Tensor, constant = false): OpInput => ({ name, value, constant });

interface CheckOpts {
  readonly opset?: number;
  readonly domain?: string;
  readonly wrt?: readonly string[];
  readonly tol?: number;
}
async function check(op: string, inputs: (OpInput | null)[], attrs: AttrMap = {}, o: CheckOpts = {}) {
  const { model, feeds } = opModel(op, inputs, attrs, { opset: o.opset, domain: o.domain });
  const wrt = o.wrt ?? inputs.filter((i): i is OpInput => !!i && !i.constant).map((i) => i.name);
  const r = await gradCheck(model, feeds, { of: 'y0', wrt });
  const tol = o.tol ?? (inputs[0]!.value.dtype === 'float64' ? TOL64 : TOL32);
  expect(r.maxScaledError).toBeLessThan(tol);
  expect(r.maxNumeric).toBeGreaterThan(1e-3); // not vacuous
  return r;
}

/** The VJP of a unary op with a random seed, against seed * f'(x) computed in doubles. */
async function exactCheck(op: string, x: Tensor, deriv: (v: number) => number, attrs: AttrMap = {}, opts: { opset?: number; domain?: string } = {}) {
  const { model, feeds } = opModel(op, [inp('x', x)], attrs, opts);
  const seed = (x.dtype === 'float64' ? float64 : float32)(x.dims, vals(size(x.dims), 98, -1, 1));
  const g = await model.vjp({ feeds, of: { output: 'y0', seed }, wrt: ['x'] });
  let worst = 0;
  g.grads.x.data.forEach((v, i) => {
    const want = Number(seed.data[i]) * deriv(Number(x.data[i]));
    worst = Math.max(worst, Math.abs(Number(v) - want) / Math.max(1, Math.abs(want)));
  });
  // float32 evaluation of a few ops: ~10 ulps
  expect(worst).toBeLessThan(x.dtype === 'float64' ? 1e-12 : 2e-6);
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
const SELU_A = 1.67326319217681884765625;
const SELU_G = 1.05070102214813232421875;

/** erf(v) for the reference derivative (JS has none): Simpson's rule on 2/sqrt(pi) exp(-t^2) over [0, v]. */
function erf(v: number): number {
  // 2000 panels on |v| <= 3: error ~ h^4 |v| max|f| / 180 < 1e-13
  const n = 2000;
  const h = v / n;
  let s = 1 + Math.exp(-v * v);
  for (let k = 1; k < n; k++) s += (k % 2 ? 4 : 2) * Math.exp(-((k * h) ** 2));
  return ((s * h) / 3) * (2 / Math.sqrt(Math.PI));
}
const geluErfDeriv = (v: number): number => 0.5 * (1 + erf(v / Math.SQRT2)) + (v * Math.exp(-v * v / 2)) / Math.sqrt(2 * Math.PI);
const geluTanhDeriv = (v: number): number => {
  const k = Math.sqrt(2 / Math.PI);
  const t = Math.tanh(k * (v + 0.044715 * v ** 3));
  return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * k * (1 + 3 * 0.044715 * v * v);
};

describe('piecewise-linear activations (float64, inputs away from kinks)', () => {
  it('Relu', async () => {
    await check('Relu', [inp('x', f64([3, 4], 1, -3, 3, [0]))]);
    await check('Relu', [inp('x', f64([3, 4], 2, -3, 3, [0]))], {}, { opset: 9 });
  });
  it('LeakyRelu, default and explicit alpha', async () => {
    await check('LeakyRelu', [inp('x', f64([3, 4], 3, -3, 3, [0]))]);
    // LeakyRelu-6 (opsets 6-15) has no double kernel
    await check('LeakyRelu', [inp('x', f32([3, 4], 4, -3, 3, [0]))], { alpha: asFloat(0.2) }, { opset: 9 });
    await exactCheck('LeakyRelu', f64([16], 5, -3, 3, [0]), (v) => (v >= 0 ? 1 : 0.3), { alpha: asFloat(0.3) });
  });
});

describe('smooth activations with double kernels (float64)', () => {
  it('Sigmoid and Tanh', async () => {
    for (const op of ['Sigmoid', 'Tanh']) await check(op, [inp('x', f64([3, 4], 10))]);
    await exactCheck('Sigmoid', f64([16], 11), (v) => sigmoid(v) * (1 - sigmoid(v)));
    await exactCheck('Tanh', f64([16], 12), (v) => 1 - Math.tanh(v) ** 2);
  });
  it('Gelu approximate=tanh (opset 20)', async () => {
    await check('Gelu', [inp('x', f64([3, 4], 13))], { approximate: 'tanh' }, { opset: 20 });
    await exactCheck('Gelu', f64([16], 14), geluTanhDeriv, { approximate: 'tanh' }, { opset: 20 });
  });
  it('com.microsoft::FastGelu with and without a broadcast bias', async () => {
    // onnxruntime's double FastGelu deviates from the tanh formula by up to 1.6e-7 (measured;
    // it approximates tanh), which finite differences see as up to ~5e-7 of slope: 1e-5.
    const o = { domain: 'com.microsoft', tol: 1e-5 };
    await check('FastGelu', [inp('x', f64([2, 3, 4], 15)), inp('bias', f64([4], 16, -1, 1))], {}, o);
    await check('FastGelu', [inp('x', f64([2, 4], 17))], {}, o);
    await exactCheck('FastGelu', f64([16], 18), geluTanhDeriv, {}, { domain: 'com.microsoft' });
  });
});

describe('activations with float kernels only (float32)', () => {
  it('Gelu exact (opset 20) and com.microsoft::Gelu', async () => {
    await check('Gelu', [inp('x', f32([3, 4], 20))], {}, { opset: 20 });
    await check('Gelu', [inp('x', f32([3, 4], 21))], { approximate: 'none' }, { opset: 20 });
    await check('Gelu', [inp('x', f32([3, 4], 22))], {}, { domain: 'com.microsoft' });
    await exactCheck('Gelu', f32([16], 23), geluErfDeriv, {}, { opset: 20 });
    await exactCheck('Gelu', f32([16], 24), geluErfDeriv, {}, { domain: 'com.microsoft' });
  });
  it('Softplus', async () => {
    await check('Softplus', [inp('x', f32([3, 4], 25))]);
    await exactCheck('Softplus', f32([16], 26), sigmoid);
  });
  it('Elu, default and explicit alpha', async () => {
    await check('Elu', [inp('x', f32([3, 4], 27, -3, 3, [0]))]);
    await check('Elu', [inp('x', f32([3, 4], 28, -3, 3, [0]))], { alpha: asFloat(0.5) });
    await exactCheck('Elu', f32([16], 29, -3, 3, [0]), (v) => (v > 0 ? 1 : 0.5 * Math.exp(v)), { alpha: asFloat(0.5) });
  });
  it('Selu, default and explicit alpha/gamma', async () => {
    await check('Selu', [inp('x', f32([3, 4], 30, -3, 3, [0]))]);
    await check('Selu', [inp('x', f32([3, 4], 31, -3, 3, [0]))], { alpha: asFloat(1.5), gamma: asFloat(2) });
    await exactCheck('Selu', f32([16], 32, -3, 3, [0]), (v) => SELU_G * (v > 0 ? 1 : SELU_A * Math.exp(v)));
  });
  it('HardSigmoid, default and explicit alpha/beta (away from the clamp corners)', async () => {
    // defaults: corners at x = -2.5 and 2.5
    await check('HardSigmoid', [inp('x', f32([3, 4], 33, -4, 4, [-2.5, 2.5]))]);
    // alpha 0.5, beta 0.25: corners at -0.5 and 1.5
    await check('HardSigmoid', [inp('x', f32([3, 4], 34, -2, 3, [-0.5, 1.5]))], { alpha: asFloat(0.5), beta: asFloat(0.25) });
    const attrs = { alpha: asFloat(0.5), beta: asFloat(0.25) };
    await exactCheck('HardSigmoid', f32([16], 35, -2, 3, [-0.5, 1.5]), (v) => (v > -0.5 && v < 1.5 ? 0.5 : 0), attrs);
  });
  it('HardSwish (opset 14+, kinks at -3 and 3)', async () => {
    await check('HardSwish', [inp('x', f32([3, 4], 36, -5, 5, [-3, 3]))]);
    await exactCheck('HardSwish', f32([16], 37, -5, 5, [-3, 3]), (v) => (v <= -3 ? 0 : v >= 3 ? 1 : v / 3 + 0.5));
  });
});

describe('Clip', () => {
  // Clip-6 and Clip-11 have float kernels only, Clip-12+ also double. Clip is piecewise
  // linear, so float32 finite differences have no truncation error (inputs stay away from
  // the bounds by more than h); only rounding ulp(y)/2h ~ 1e-5 remains, hence 1e-4.
  const dtypeAt = (opset: number) => (opset < 12 ? 'float32' : 'float64');
  const x = (opset: number, seed: number) => (dtypeAt(opset) === 'float32' ? f32 : f64)([3, 4], seed, -3, 3, [-1, 0.5, 1.5]);
  const scalar = (opset: number, v: number) => (dtypeAt(opset) === 'float32' ? float32 : float64)([], [v]);
  const tol = (opset: number) => (dtypeAt(opset) === 'float32' ? 1e-4 : TOL64);
  it('opsets 6-10: min/max attributes, each optional', async () => {
    // Clip-6 applies to opsets 6-10; opset 6 itself lacks Less/Greater kernels (and numpy broadcasting)
    for (const opset of [7, 10]) {
      const o = { opset, tol: tol(opset) };
      await check('Clip', [inp('x', x(opset, 40))], { min: asFloat(-1), max: asFloat(1.5) }, o);
      await check('Clip', [inp('x', x(opset, 41))], { min: asFloat(-1) }, o);
      await check('Clip', [inp('x', x(opset, 42))], { max: asFloat(0.5) }, o);
      await check('Clip', [inp('x', x(opset, 43))], {}, o);
    }
  });
  for (const opset of [11, 12, 13, 17]) {
    it(`opset ${opset}: optional min/max inputs, gradient to x, min and max`, async () => {
      const lo = scalar(opset, -1);
      const hi = scalar(opset, 1.5);
      const o = { opset, tol: tol(opset) };
      await check('Clip', [inp('x', x(opset, 44)), inp('lo', lo), inp('hi', hi)], {}, o);
      await check('Clip', [inp('x', x(opset, 45)), null, inp('hi', hi)], {}, o);
      await check('Clip', [inp('x', x(opset, 46)), inp('lo', lo)], {}, o);
      await check('Clip', [inp('x', x(opset, 47)), inp('lo', lo, true), inp('hi', hi, true)], {}, o);
      await check('Clip', [inp('x', x(opset, 48))], {}, o);
    });
  }
  it('min and max gradients equal the summed upstream gradient where they bind', async () => {
    const { model, feeds } = opModel('Clip', [inp('x', float64([4], [-2, 0, 1, 3])), inp('lo', float64([], [-1])), inp('hi', float64([], [2]))]);
    const g = await model.vjp({ feeds, of: { output: 'y0', seed: float64([4], [1, 2, 4, 8]) }, wrt: ['x', 'lo', 'hi'] });
    expect(Array.from(g.grads.x.data as Float64Array)).toEqual([0, 2, 4, 0]);
    expect(Number(g.grads.lo.data[0])).toBe(1);
    expect(Number(g.grads.hi.data[0])).toBe(8);
  });
});
