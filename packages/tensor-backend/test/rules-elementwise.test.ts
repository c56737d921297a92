/**
 * Element-wise arithmetic, selection, pass-through and non-differentiable ops: every rule
 * against central finite differences (float64, h = 1e-6; the scaled error of a correct rule
 * is ~1e-9 there, so 1e-6 separates right from wrong by orders of magnitude), plus shape
 * folds and registry coverage.
 */
import { describe, expect, it } from 'vitest';
import {
  Graph,
  GraphBuilder,
  OnnxModel,
  float32,
  float64,
  gradOps,
  inferTypes,
  int64,
  tensor,
  toNumbers,
  type AttrMap,
  type Tensor,
} from '../src/index.js';
import { awayFrom, gradCheck, opModel, type OpInput } from '../src/testing/index.js';

const TOL64 = 1e-6;

const vals = (n: number, seed: number, lo = -2, hi = 2, avoid: readonly number[] = [], gap = 0.1): number[] =>
  awayFrom(n, seed, lo, hi, avoid, gap);
const f64 = (dims: number[], seed: number, lo?: number, hi?: number, avoid?: number[], gap?: number): Tensor =>
  float64(dims, vals(dims.reduce((a, b) => a * b, 1), seed, lo, hi, avoid, gap));
const inp = (name: string, value: Tensor, constant = false): OpInput => ({ name, value, constant });

interface CheckOpts {
  readonly opset?: number;
  readonly wrt?: readonly string[];
  readonly tol?: number;
  readonly h?: number;
  readonly numOutputs?: number;
}
/** Builds a one-op model and checks its VJP against finite differences; returns the report. */
async function check(op: string, inputs: (OpInput | null)[], attrs: AttrMap = {}, o: CheckOpts = {}) {
  const { model, feeds } = opModel(op, inputs, attrs, { opset: o.opset, numOutputs: o.numOutputs });
  const wrt = o.wrt ?? inputs.filter((i): i is OpInput => !!i && !i.constant && i.value.dtype.startsWith('float')).map((i) => i.name);
  const r = await gradCheck(model, feeds, { of: 'y0', wrt, h: o.h });
  expect(r.maxScaledError).toBeLessThan(o.tol ?? TOL64);
  // guard against vacuous checks (all-zero gradients agree with anything flat)
  expect(r.maxNumeric).toBeGreaterThan(1e-3);
  return r;
}

describe('binary arithmetic with broadcasting', () => {
  const shapes: [number[], number[]][] = [
    [[2, 3, 4], [3, 1]],
    [[4], [2, 3, 4]],
    [[2, 1, 4], [1, 3, 1]],
    [[2, 3], []],
  ];
  for (const opset of [7, 11, 17]) {
    for (const [da, db] of shapes) {
      it(`Add/Sub/Mul opset ${opset}: [${da}] with [${db}]`, async () => {
        for (const op of ['Add', 'Sub', 'Mul']) await check(op, [inp('a', f64(da, 1)), inp('b', f64(db, 2))], {}, { opset });
      });
      it(`Div opset ${opset}: [${da}] / [${db}] (denominator away from 0)`, async () => {
        await check('Div', [inp('a', f64(da, 3)), inp('b', f64(db, 4, -2, 2, [0], 0.5))], {}, { opset });
      });
    }
  }
  it('gives only the input that needs it a gradient (other side constant)', async () => {
    await check('Div', [inp('a', f64([2, 3], 5)), inp('b', f64([3], 6, 0.5, 2), true)]);
    await check('Mul', [inp('a', f64([3], 7), true), inp('b', f64([2, 3], 8))]);
  });
});

describe('Pow', () => {
  it('gradient to base and exponent, broadcasting, positive base', async () => {
    await check('Pow', [inp('a', f64([2, 3], 9, 0.3, 2.5)), inp('e', f64([3], 10, -1.5, 2.5))]);
    await check('Pow', [inp('a', f64([3], 11, 0.3, 2.5)), inp('e', f64([2, 3], 12, -1.5, 2.5))], {}, { opset: 11 });
  });
  it('constant exponents take the folded path (0, 1, 2, 3, 0.5, -1)', async () => {
    for (const c of [1, 2, 3, 0.5, -1]) {
      await check('Pow', [inp('a', f64([2, 3], 13, 0.3, 2.5)), inp('e', float64([], [c]), true)]);
    }
    const { model, feeds } = opModel('Pow', [inp('a', f64([3], 14, 0.3, 2)), inp('e', float64([1], [0]), true)]);
    const g = await model.vjp({ feeds, of: { output: 'y0', seed: float64([3], [1, 1, 1]) }, wrt: ['a'] });
    expect(toNumbers(g.grads.a)).toEqual([0, 0, 0]);
  });
  it('integer exponent tensor (opset 12+ mixed types) is cast for the base gradient', async () => {
    await check('Pow', [inp('a', f64([2, 3], 15, -2, 2, [0], 0.3)), inp('e', int64([3], [1, 2, 3]), true)], {}, { opset: 13 });
  });
});

describe('unary arithmetic', () => {
  const cases: [string, number, number, number[]][] = [
    ['Neg', -2, 2, []],
    ['Sqrt', 0.2, 3, []],
    ['Reciprocal', -2, 2, [0]],
    ['Exp', -2, 2, []],
    ['Log', 0.2, 3, []],
    ['Abs', -2, 2, [0]],
  ];
  for (const [op, lo, hi, avoid] of cases) {
    it(`${op}`, async () => {
      await check(op, [inp('x', f64([3, 4], 20, lo, hi, avoid))]);
    });
  }
  it('Abs before opset 9 (no Sign: mask difference)', async () => {
    await check('Abs', [inp('x', f64([3, 4], 21, -2, 2, [0]))], {}, { opset: 8 });
  });
  it('Erf (float32: onnxruntime has no double Erf kernel)', async () => {
    // h = 1e-2: truncation error h^2/6 * |erf'''| <= 1.7e-5 * 2.3, rounding ulp(y)/2h ~ 3e-6
    // (measured 1.7e-5); 2e-4 leaves margin, yet a wrong factor (e.g. a missing 2/sqrt(pi)) fails by > 0.1.
    const x = float32([3, 4], vals(12, 22, -2.5, 2.5));
    await check('Erf', [inp('x', x)], {}, { tol: 2e-4 });
    // and tightly against the exact derivative 2/sqrt(pi) exp(-x^2), computed in doubles
    const { model, feeds } = opModel('Erf', [inp('x', x)]);
    const seed = float32([3, 4], vals(12, 23));
    const g = await model.vjp({ feeds, of: { output: 'y0', seed }, wrt: ['x'] });
    g.grads.x.data.forEach((v, i) => {
      const xi = Number(x.data[i]);
      const exact = (Number(seed.data[i]) * 2 * Math.exp(-xi * xi)) / Math.sqrt(Math.PI);
      expect(Math.abs(Number(v) - exact)).toBeLessThan(1e-6);
    });
  });
});

describe('variadic and selection', () => {
  it('Sum over three broadcasting inputs', async () => {
    await check('Sum', [inp('a', f64([2, 3, 4], 30)), inp('b', f64([3, 1], 31)), inp('c', f64([4], 32))]);
    await check('Sum', [inp('a', f64([2, 3], 33))]);
  });
  it('Mean over three broadcasting inputs (float32: onnxruntime has no double Mean kernel)', async () => {
    // Mean is linear: no truncation error; rounding ulp(y)/2h ~ 2e-7/2e-2 ~ 1e-5 at h = 1e-2
    const f32 = (dims: number[], seed: number) => float32(dims, vals(dims.reduce((a, b) => a * b, 1), seed));
    await check('Mean', [inp('a', f32([2, 3, 4], 30)), inp('b', f32([3, 1], 31)), inp('c', f32([4], 32))], {}, { tol: 1e-4 });
    await check('Mean', [inp('a', f32([2, 3], 33))], {}, { tol: 1e-4 });
  });
  for (const opset of [9, 11, 17]) {
    it(`Min and Max over three broadcasting inputs (opset ${opset}, no ties)`, async () => {
      for (const op of ['Min', 'Max']) {
        await check(op, [inp('a', f64([2, 3, 4], 34)), inp('b', f64([3, 1], 35)), inp('c', f64([4], 36))], {}, { opset });
        await check(op, [inp('a', f64([2, 3], 37)), inp('b', f64([2, 3], 38))], {}, { opset });
      }
    });
  }
  it('Max with one input and Max against a constant', async () => {
    await check('Max', [inp('a', f64([2, 3], 39))]);
    await check('Max', [inp('a', f64([2, 3], 40, -2, 2, [0])), inp('z', float64([], [0]), true)]);
  });
  it('Max splits the gradient evenly between tied inputs', async () => {
    const { model, feeds } = opModel('Max', [inp('a', float64([3], [1, 2, 5])), inp('b', float64([3], [1, 3, 4]))]);
    const g = await model.vjp({ feeds, of: { output: 'y0', seed: float64([3], [2, 2, 2]) }, wrt: ['a', 'b'] });
    expect(toNumbers(g.grads.a)).toEqual([1, 0, 2]);
    expect(toNumbers(g.grads.b)).toEqual([1, 2, 0]);
  });
  it('Where: gradients to X and Y with broadcasting, condition none', async () => {
    const cond = tensor('bool', [3, 1], [1, 0, 1]);
    await check('Where', [inp('c', cond), inp('x', f64([1, 4], 41)), inp('y', f64([2, 3, 4], 42))]);
    await check('Where', [inp('c', tensor('bool', [2, 3], [1, 0, 0, 1, 1, 0])), inp('x', f64([], 43)), inp('y', f64([3], 44))]);
    // only Y needs a gradient: the !cond mask path
    await check('Where', [inp('c', cond, true), inp('x', f64([3, 4], 45), true), inp('y', f64([3, 4], 46))]);
  });
});

describe('pass-through ops', () => {
  it('Identity', async () => {
    await check('Identity', [inp('x', f64([2, 3], 50))]);
  });
  it('Cast float32 -> float64 and float64 -> float32 cast the gradient back', async () => {
    await check('Cast', [inp('x', float32([2, 3], vals(6, 51)))], { to: 11 }, { tol: 1e-6 });
    // y is rounded to float32, so a float64 step must be large: h = 1e-2 makes the rounding
    // error ulp(y)/2h ~ 1e-5; Cast is linear, so there is no truncation error.
    await check('Cast', [inp('x', f64([2, 3], 52))], { to: 1 }, { h: 1e-2, tol: 1e-4 });
  });
  it('Cast to an integer type stops the gradient', async () => {
    const g = Graph.create(17);
    const b = new GraphBuilder(g);
    const x = b.input('x', 'float64', [4]);
    const i = b.op('Cast', [x], { to: 7 });
    const y = b.op('Add', [x, b.op('Cast', [i], { to: 11 })], {}, { outputs: ['y'] });
    b.output(y, 'float64', [4]);
    const model = OnnxModel.fromGraph(g);
    const feeds = { x: float64([4], [0.5, 1.5, -2.5, 3.2]) };
    const r = await model.vjp({ feeds, of: { output: 'y', seed: float64([4], [1, 2, 3, 4]) }, wrt: ['x'] });
    expect(toNumbers(r.grads.x)).toEqual([1, 2, 3, 4]);
  });
  it('Dropout (inference) opset 10 ratio attribute, with mask output', async () => {
    await check('Dropout', [inp('x', f64([2, 3], 53))], { ratio: 0.3 }, { opset: 10, numOutputs: 2 });
  });
  it('Dropout opset 12+ ratio and training_mode inputs', async () => {
    const off = inp('t', tensor('bool', [], [0]), true);
    await check('Dropout', [inp('x', f64([2, 3], 54)), inp('r', float64([], [0.4]), true), off], {}, { opset: 13, numOutputs: 2 });
    await check('Dropout', [inp('x', f64([2, 3], 55)), inp('r', float64([], [0.4]), true)], {}, { opset: 12 });
    await check('Dropout', [inp('x', f64([2, 3], 56))], {}, { opset: 17 });
  });
  it('Dropout in training mode is refused clearly', async () => {
    const on = inp('t', tensor('bool', [], [1]), true);
    const { model, feeds } = opModel('Dropout', [inp('x', f64([2, 3], 57)), inp('r', float64([], [0.4]), true), on]);
    await expect(model.vjp({ feeds, of: { output: 'y0', seed: f64([2, 3], 58) }, wrt: ['x'] })).rejects.toThrow(/training-mode Dropout/);
  });
});

describe('non-differentiable ops', () => {
  it('rounding, sign and comparisons pass no gradient', async () => {
    // y = x + Floor(x) + Ceil(x) + Round(x) + Sign(x) + Where(x > 0, 1, 0): dy/dx = 1
    const g = Graph.create(17);
    const b = new GraphBuilder(g);
    const x = b.input('x', 'float64', [5]);
    const terms = ['Floor', 'Ceil', 'Round', 'Sign'].map((op) => b.op(op, [x]));
    const one = b.scalar(1, 'float64');
    const zero = b.scalar(0, 'float64');
    const isPos = b.op('Or', [b.op('Greater', [x, zero]), b.op('Not', [b.op('GreaterOrEqual', [x, zero])])]);
    terms.push(b.op('Where', [b.op('And', [isPos, b.op('Not', [b.op('IsNaN', [x])])]), one, zero]));
    const y = b.op('Sum', [x, ...terms], {}, { outputs: ['y'] });
    b.output(y, 'float64', [5]);
    const model = OnnxModel.fromGraph(g);
    const seed = float64([5], [1, -2, 3, 0.5, 4]);
    const r = await model.vjp({ feeds: { x: float64([5], [0.3, -1.7, 2.2, -0.4, 1.1]) }, of: { output: 'y', seed }, wrt: ['x'] });
    expect(toNumbers(r.grads.x)).toEqual([1, -2, 3, 0.5, 4]);
  });
});

describe('shape rules and folds', () => {
  /** Infers a small graph built by `build` and returns the type info. */
  function infer(build: (b: GraphBuilder) => void, feeds: Record<string, number[]> = {}) {
    const g = Graph.create(17);
    build(new GraphBuilder(g));
    return inferTypes(g, feeds);
  }
  // b.ints() goes through JS numbers, where INT64_MAX is not representable
  const int64Max = (b: GraphBuilder): string => b.initializer(tensor('int64', [1], new BigInt64Array([INT64_MAX])), 'end');
  const INT64_MAX = 9223372036854775807n;
  it('folds an integer shape computation: Cast -> Div -> Floor -> Cast -> Max/Min -> Where', () => {
    const t = infer((b) => {
      const dims = b.initializer(int64([2], [7, 10]), 'dims');
      const f = b.op('Cast', [dims], { to: 1 }, { outputs: ['f'] });
      const half = b.op('Floor', [b.op('Div', [f, b.scalar(2, 'float32')])], {}, { outputs: ['half'] });
      const back = b.op('Cast', [half], { to: 7 }, { outputs: ['back'] });
      const clamp = b.op('Min', [b.op('Max', [back, b.ints([4])]), int64Max(b)], {}, { outputs: ['clamp'] });
      b.op('Where', [b.op('Greater', [clamp, b.ints([4])], {}, { outputs: ['gt'] }), clamp, b.ints([-1])], {}, { outputs: ['w'] });
      b.op('Sum', [clamp, b.ints([1]), b.ints([10, 20])], {}, { outputs: ['s'] });
    });
    expect(toNumbers(t.value('f')!)).toEqual([7, 10]);
    expect(toNumbers(t.value('half')!)).toEqual([3, 5]);
    expect(t.value('back')!.dtype).toBe('int64');
    expect(toNumbers(t.value('clamp')!)).toEqual([4, 5]);
    expect(t.types.get('gt')).toEqual({ dtype: 'bool', dims: [2] });
    expect(toNumbers(t.value('w')!)).toEqual([-1, 5]);
    expect(toNumbers(t.value('s')!)).toEqual([15, 26]);
  });
  it('keeps int64 sentinels exact through folds', () => {
    const big = INT64_MAX;
    const t = infer((b) => {
      const end = int64Max(b);
      b.op('Identity', [end], {}, { outputs: ['id'] });
      b.op('Min', [end, end], {}, { outputs: ['m'] });
      b.op('Where', [b.constant(tensor('bool', [1], [1])), end, b.ints([0])], {}, { outputs: ['w'] });
      b.op('Clip', [b.ints([5, -5]), b.ints([0], 'lo')], {}, { outputs: ['c'] });
    });
    expect(t.value('id')!.data[0]).toBe(big);
    expect(t.value('m')!.data[0]).toBe(big);
    expect(t.value('w')!.data[0]).toBe(big);
    expect(toNumbers(t.value('c')!)).toEqual([5, 0]);
  });
  it('types comparisons, logic, Dropout and Cast outputs', () => {
    const t = infer((b) => {
      const x = b.input('x', 'float32', [2, 3]);
      b.op('LessOrEqual', [x, b.scalar(0, 'float32')], {}, { outputs: ['le'] });
      b.op('Xor', [b.op('IsInf', [x]), b.constant(tensor('bool', [3], [1, 0, 1]))], {}, { outputs: ['xor'] });
      b.node('Dropout', [x], {}, { outputs: ['d', 'mask'] });
      b.op('Cast', [x], { to: 11 }, { outputs: ['c'] });
      b.op('Clip', [x, '', b.scalar(1, 'float32')], {}, { outputs: ['clip'] });
    }, { x: [2, 3] });
    expect(t.types.get('le')).toEqual({ dtype: 'bool', dims: [2, 3] });
    expect(t.types.get('xor')).toEqual({ dtype: 'bool', dims: [2, 3] });
    expect(t.types.get('mask')).toEqual({ dtype: 'bool', dims: [2, 3] });
    expect(t.types.get('d')).toEqual({ dtype: 'float32', dims: [2, 3] });
    expect(t.types.get('c')).toEqual({ dtype: 'float64', dims: [2, 3] });
    expect(t.types.get('clip')).toEqual({ dtype: 'float32', dims: [2, 3] });
  });
  it('rejects shapes that do not broadcast, naming the node', () => {
    expect(() =>
      infer((b) => {
        b.op('Add', [b.input('a', 'float32', [2, 3]), b.input('b', 'float32', [4])], {}, { name: 'bad_add' });
      }, { a: [2, 3], b: [4] }),
    ).toThrow(/bad_add/);
  });
});

describe('registry coverage', () => {
  it('every element-wise and activation op has a rule or is declared non-differentiable', () => {
    const registered = new Map(gradOps().map((g) => [g.op, g.kind]));
    const rules = [
      'Add', 'Sub', 'Mul', 'Div', 'Neg', 'Pow', 'Sqrt', 'Reciprocal', 'Exp', 'Log', 'Erf', 'Tanh', 'Sigmoid',
      'Relu', 'LeakyRelu', 'Gelu', 'com.microsoft::Gelu', 'com.microsoft::FastGelu', 'Abs', 'Clip', 'Min', 'Max',
      'Where', 'Cast', 'Identity', 'Dropout', 'Sum', 'Mean', 'Softplus', 'Elu', 'Selu', 'HardSigmoid', 'HardSwish',
    ];
    const nondiff = [
      'Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf',
      'Floor', 'Ceil', 'Round', 'Sign',
    ];
    for (const op of rules) expect([op, registered.get(op)]).toEqual([op, 'rule']);
    for (const op of nondiff) expect([op, registered.get(op)]).toEqual([op, 'nondifferentiable']);
  });
});
