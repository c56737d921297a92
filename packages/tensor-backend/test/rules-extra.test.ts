/**
 * Ops beyond the core set: unary functions, PRelu, Instance/GroupNormalization,
 * DepthToSpace/SpaceToDepth, Mod and NonMaxSuppression.
 *
 * float64 (h = 1e-6; a correct rule lands near 1e-9, bound 1e-7) wherever onnxruntime
 * has double kernels: Sin, Cos, Mish, PRelu, GroupNormalization, DepthToSpace,
 * SpaceToDepth, Mod. The others are float-only and run in float32 at h = 1e-2. There the
 * central difference errs by h^2/6 |f'''| (truncation) plus ~1.2e-7 |f| / 2h (output
 * rounding). The input ranges below keep |f'''| <= 11 (Tan on [-0.7, 0.7]; Asin/Atanh on
 * [-0.6, 0.6]; Acosh on [1.5, 3]), i.e. truncation <= 1.9e-4, and |f| <= 4 keeps rounding
 * <= 2.4e-5, so 5e-4 holds with margin while a wrong term misses by > 1e-2. Each formula
 * is also checked pointwise against the exact derivative in JS doubles (float32 ulps only).
 */
import { describe, expect, it } from 'vitest';
import { asFloat, buildGradGraph, float32, float64, gradOf, inferTypes, int64, randUniform, shapeRule, toNumbers, type AttrMap, type Tensor } from '../src/index.js';
import { gradCheck, opModel, rng, type OpInput } from '../src/testing/index.js';

const TOL64 = 1e-7;
const TOL32 = 5e-4;

/** Uniform values in [lo, hi); any within 0.1 of a point in `avoid` (a kink) is pushed out to 0.1 from it. */
const values = (dims: readonly number[], seed: number, lo = -1, hi = 1, avoid: readonly number[] = []): number[] =>
  toNumbers(randUniform('float64', dims, rng(seed), lo, hi)).map((v) => avoid.reduce((u, k) => (Math.abs(u - k) < 0.1 ? k + Math.sign(u - k || 1) * 0.1 : u), v));
const f64 = (dims: number[], seed: number, lo?: number, hi?: number, avoid?: number[]): Tensor => float64(dims, values(dims, seed, lo, hi, avoid));
const f32 = (dims: number[], seed: number, lo?: number, hi?: number, avoid?: number[]): Tensor => float32(dims, values(dims, seed, lo, hi, avoid));

/** gradCheck of output y0 w.r.t. every fed input; returns the report. */
async function check(op: string, inputs: (OpInput | null)[], attrs: AttrMap = {}, opset = 17) {
  const { model, feeds } = opModel(op, inputs, attrs, { opset });
  const r = await gradCheck(model, feeds, { of: 'y0', wrt: Object.keys(feeds) });
  expect(r.maxScaledError, op).toBeLessThan(inputs[0]!.value.dtype === 'float64' ? TOL64 : TOL32);
  expect(r.maxNumeric).toBeGreaterThan(1e-3); // not vacuous
  await model.release();
  return r;
}

describe('unary functions', () => {
  // op, derivative, input range [lo, hi], kinks to avoid, float64 kernel?, attributes, opset
  const cases: [string, (x: number) => number, number, number, number[], boolean, AttrMap?, number?][] = [
    ['Sin', Math.cos, -3, 3, [], true],
    ['Cos', (x) => -Math.sin(x), -3, 3, [], true],
    ['Tan', (x) => 1 + Math.tan(x) ** 2, -0.7, 0.7, [], false],
    ['Atan', (x) => 1 / (1 + x * x), -3, 3, [], false],
    ['Asin', (x) => 1 / Math.sqrt(1 - x * x), -0.6, 0.6, [], false],
    ['Acos', (x) => -1 / Math.sqrt(1 - x * x), -0.6, 0.6, [], false],
    ['Sinh', Math.cosh, -2, 2, [], false],
    ['Cosh', Math.sinh, -2, 2, [], false],
    ['Asinh', (x) => 1 / Math.sqrt(x * x + 1), -3, 3, [], false],
    ['Acosh', (x) => 1 / Math.sqrt(x * x - 1), 1.5, 3, [], false],
    ['Atanh', (x) => 1 / (1 - x * x), -0.6, 0.6, [], false],
    ['Softsign', (x) => 1 / (1 + Math.abs(x)) ** 2, -3, 3, [0], false],
    ['Celu', (x) => (x > 0 ? 1 : Math.exp(x)), -3, 3, [0], false],
    ['Celu', (x) => (x > 0 ? 1 : Math.exp(x / 0.5)), -3, 3, [0], false, { alpha: asFloat(0.5) }],
    ['ThresholdedRelu', (x) => (x > 1 ? 1 : 0), -3, 3, [1], false],
    ['ThresholdedRelu', (x) => (x > -0.5 ? 1 : 0), -3, 3, [-0.5], false, { alpha: asFloat(-0.5) }],
  ];
  const mishDeriv = (x: number): number => {
    const t = Math.tanh(Math.log1p(Math.exp(x)));
    return t + (x * (1 - t * t)) / (1 + Math.exp(-x));
  };
  cases.push(['Mish', mishDeriv, -4, 4, [], true, {}, 18], ['Mish', mishDeriv, -4, 4, [], false, {}, 18]);

  for (const [op, deriv, lo, hi, avoid, double, attrs = {}, opset = 17] of cases) {
    it(`${op} ${JSON.stringify(attrs)} (${double ? 'float64' : 'float32'})`, async () => {
      const make = double ? f64 : f32;
      await check(op, [{ name: 'x', value: make([3, 4], 1, lo, hi, avoid) }], attrs, opset);
      // pointwise: the VJP with seed s is s * f'(x)
      const x = make([24], 2, lo, hi, avoid);
      const seed = make([24], 3);
      const { model, feeds } = opModel(op, [{ name: 'x', value: x }], attrs, { opset });
      const { grads } = await model.vjp({ feeds, of: { output: 'y0', seed }, wrt: ['x'] });
      toNumbers(grads.x).forEach((g, i) => {
        const want = Number(seed.data[i]) * deriv(Number(x.data[i]));
        expect(Math.abs(g - want) / Math.max(1, Math.abs(want))).toBeLessThan(double ? 1e-12 : 5e-6);
      });
      await model.release();
    });
  }

  it('Mish far out in both tails stays finite (no overflow in the derivative)', async () => {
    const x = float32([4], [-100, -30, 30, 100]);
    const { model, feeds } = opModel('Mish', [{ name: 'x', value: x }], {}, { opset: 18 });
    const { grads } = await model.vjp({ feeds, of: { output: 'y0', seed: float32([4], [1, 1, 1, 1]) }, wrt: ['x'] });
    const g = toNumbers(grads.x);
    expect(g.every(Number.isFinite)).toBe(true);
    expect(g[2]).toBeCloseTo(1, 6);
    expect(g[3]).toBeCloseTo(1, 6);
    expect(Math.abs(g[0])).toBeLessThan(1e-6);
  });
});

describe('PRelu', () => {
  const x = (dims: number[], seed: number): OpInput => ({ name: 'x', value: f64(dims, seed, -2, 2, [0]) });
  it.each([
    ['per channel [C, 1, 1]', [2, 3, 2, 2], [3, 1, 1]],
    ['scalar', [2, 3, 2, 2], []],
    ['one element [1]', [2, 3, 2], [1]],
    ['full', [2, 3, 2, 2], [2, 3, 2, 2]],
    ['[C] on [N, C]', [4, 3], [3]],
  ])('slope %s: gradients w.r.t. X and slope', async (_, xDims, sDims) => {
    await check('PRelu', [x(xDims, 4), { name: 'slope', value: f64(sDims, 5, -0.5, 0.5) }]);
  });

  it('opset 13 (PRelu-9: float only), constant slope as exported, gradient w.r.t. X', async () => {
    await check('PRelu', [{ name: 'x', value: f32([2, 3, 2], 6, -2, 2, [0]) }, { name: 'slope', value: f32([3, 1], 7, 0.1, 0.3), constant: true }], {}, 13);
  });

  it('refuses a slope that does not broadcast to X', () => {
    expect(() => opModel('PRelu', [x([2, 3], 8), { name: 'slope', value: f64([2, 3, 1], 9) }])).toThrow(/do not broadcast/);
  });
});

/**
 * Reference forward in JS doubles: x [N, C, S] viewed as [N, G, C/G * S], normalised per
 * (n, g); scale/bias indexed per channel or per group.
 */
function groupNormRef(x: readonly number[], [n, c, s]: number[], groups: number, scale: readonly number[], bias: readonly number[], perChannel: boolean, eps: number): number[] {
  const out = new Array<number>(x.length);
  const span = (c / groups) * s;
  for (let b = 0; b < n * groups; b++) {
    const row = x.slice(b * span, (b + 1) * span);
    const mu = row.reduce((p, v) => p + v, 0) / span;
    const inv = 1 / Math.sqrt(row.reduce((p, v) => p + (v - mu) ** 2, 0) / span + eps);
    row.forEach((v, k) => {
      const ch = (b % groups) * (c / groups) + Math.floor(k / s);
      const p = perChannel ? ch : b % groups;
      out[b * span + k] = (v - mu) * inv * scale[p] + bias[p];
    });
  }
  return out;
}

/** <seed, f> differentiated by central differences (h = 1e-6) in JS doubles, for each argument. */
function referenceVjp(f: (args: number[][]) => number[], args: number[][], seed: readonly number[]): number[][] {
  const dot = (a: readonly number[]): number => a.reduce((p, v, i) => p + v * seed[i], 0);
  const h = 1e-6;
  return args.map((arg, k) =>
    arg.map((_, j) => {
      const at = (d: number): number => dot(f(args.map((a, m) => (m === k ? a.map((v, i) => (i === j ? v + d : v)) : a))));
      return (at(h) - at(-h)) / (2 * h);
    }),
  );
}

describe('InstanceNormalization', () => {
  // onnxruntime has no double InstanceNormalization kernel: float32 gradCheck (the same error
  // budget as the unary ops above; rows of 4-6 elements with eps 1e-3 have the largest
  // third derivatives here, measured 5e-5 to 1.7e-4 against the 5e-4 bound), and a float64
  // check against a JS double reference (the backward recomputes the statistics, so the
  // pruned float64 gradient graph contains no InstanceNormalization node).
  const C = 3;
  for (const dims of [
    [2, C, 4],
    [2, C, 2, 3],
  ]) {
    it(`float32, X [${dims.join(', ')}]: gradients w.r.t. input, scale and B`, async () => {
      await check('InstanceNormalization', [
        { name: 'x', value: f32(dims, 10, -2, 2) },
        { name: 'scale', value: f32([C], 11, 0.5, 1.5) },
        { name: 'bias', value: f32([C], 12) },
      ], { epsilon: asFloat(1e-3) });
    });
  }

  it('float64 against a JS double reference (opset 11 model: attribute-form reductions)', async () => {
    const dims = [2, C, 2, 2];
    const args = [values(dims, 13, -2, 2), values([C], 14, 0.5, 1.5), values([C], 15)];
    const seed = values(dims, 16);
    const { model, feeds } = opModel(
      'InstanceNormalization',
      ['x', 'scale', 'bias'].map((name, i) => ({ name, value: float64(i ? [C] : dims, args[i]) })),
      { epsilon: asFloat(1e-3) },
      { opset: 11 },
    );
    const { grads } = await model.vjp({ feeds, of: { output: 'y0', seed: float64(dims, seed) }, wrt: ['x', 'scale', 'bias'], outputs: [] });
    const ref = referenceVjp(([x, s, b]) => groupNormRef(x, [2, C, 4], C, s, b, true, 1e-3), args, seed);
    ['x', 'scale', 'bias'].forEach((w, k) => toNumbers(grads[w]).forEach((g, i) => expect(g).toBeCloseTo(ref[k][i], 7)));
  });
});

describe('GroupNormalization', () => {
  // onnxruntime runs GroupNormalization by expanding its ONNX function body, in double too
  const G = 2;
  const C = 4;
  const inputs = (dims: number[], affine: number, seed: number): OpInput[] => [
    { name: 'x', value: f64(dims, seed, -2, 2) },
    { name: 'scale', value: f64([affine], seed + 1, 0.5, 1.5) },
    { name: 'bias', value: f64([affine], seed + 2) },
  ];

  for (const dims of [
    [2, C, 3],
    [2, C, 2, 2],
  ]) {
    it(`opset 18 (scale and bias per group), X [${dims.join(', ')}]`, async () => {
      await check('GroupNormalization', inputs(dims, G, 20), { num_groups: G, epsilon: asFloat(1e-3) }, 18);
    });
    it(`opset 21 (per channel; statistics in double via stash_type), X [${dims.join(', ')}]`, async () => {
      await check('GroupNormalization', inputs(dims, C, 21), { num_groups: G, stash_type: 11 }, 21);
    });
  }

  it('one group per channel equals InstanceNormalization (the JS reference agrees with onnxruntime)', async () => {
    const dims = [2, C, 3];
    const args = [values(dims, 30, -2, 2), values([C], 31, 0.5, 1.5), values([C], 32)];
    const { model, feeds } = opModel('GroupNormalization', ['x', 'scale', 'bias'].map((name, i) => ({ name, value: float64(i ? [C] : dims, args[i]) })), { num_groups: C, stash_type: 11 }, { opset: 21 });
    const y = toNumbers((await model.run(feeds)).y0);
    groupNormRef(args[0], dims, C, args[1], args[2], true, 1e-5).forEach((v, i) => expect(y[i]).toBeCloseTo(v, 10));
  });

  it('refuses scale of the wrong length for the opset, and groups that do not divide C', () => {
    expect(() => opModel('GroupNormalization', inputs([2, C, 3], C, 40), { num_groups: G }, { opset: 18 })).toThrow(/one per group before opset 21/);
    expect(() => opModel('GroupNormalization', inputs([2, C, 3], G, 41), { num_groups: G }, { opset: 21 })).toThrow(/one per channel from opset 21/);
    expect(() => opModel('GroupNormalization', inputs([2, C, 3], 3, 42), { num_groups: 3 }, { opset: 18 })).toThrow(/does not divide the 4 channels/);
  });
});

describe('DepthToSpace / SpaceToDepth', () => {
  const run = async (op: string, dims: number[], attrs: AttrMap, want: number[], opset = 17) => {
    const { model, feeds } = opModel(op, [{ name: 'x', value: f64(dims, 50) }], attrs, { opset });
    expect((await model.run(feeds)).y0.dims).toEqual(want);
    expect(model.graph.outputs[0].dims).toEqual(want);
    await model.release();
    await check(op, [{ name: 'x', value: f64(dims, 51) }], attrs, opset);
  };
  it('DepthToSpace DCR (default) and CRD', async () => {
    await run('DepthToSpace', [2, 8, 2, 3], { blocksize: 2 }, [2, 2, 4, 6]);
    await run('DepthToSpace', [1, 18, 2, 2], { blocksize: 3, mode: 'DCR' }, [1, 2, 6, 6]);
    await run('DepthToSpace', [2, 8, 2, 3], { blocksize: 2, mode: 'CRD' }, [2, 2, 4, 6]);
  });
  it('DepthToSpace at opset 9 (no mode attribute)', async () => {
    await run('DepthToSpace', [1, 4, 2, 2], { blocksize: 2 }, [1, 1, 4, 4], 9);
  });
  it('SpaceToDepth', async () => {
    await run('SpaceToDepth', [2, 2, 4, 6], { blocksize: 2 }, [2, 8, 2, 3]);
  });
  it('refuses channels or spatial dims that do not divide', () => {
    expect(() => opModel('DepthToSpace', [{ name: 'x', value: f64([1, 6, 2, 2], 1) }], { blocksize: 2 })).toThrow(/multiple of blocksize\^2/);
    expect(() => opModel('SpaceToDepth', [{ name: 'x', value: f64([1, 1, 3, 4], 1) }], { blocksize: 2 })).toThrow(/not multiples of blocksize/);
  });
});

describe('Mod', () => {
  it('float64 fmod = 1 with broadcasting: da = dy, db = -dy trunc(a / b)', async () => {
    // a / b kept 0.1 away from integers (the jumps) by construction: a = b (q + f), f in [0.1, 0.9]
    const b = [1.5, -2.5, 0.7];
    const r = rng(60);
    const a = Array.from({ length: 12 }, (_, i) => b[i % 3] * (Math.floor(r() * 7) - 3 + 0.1 + 0.8 * r()));
    await check('Mod', [{ name: 'a', value: float64([4, 3], a) }, { name: 'b', value: float64([3], b) }], { fmod: 1 });
  });

  it.each([
    [0, [5, -5, 7, -7], [3, 3, -3, -3], [2, 1, -2, -1]],
    [1, [5, -5, 7, -7], [3, 3, -3, -3], [2, -2, 1, -1]],
  ])('folds int64 exactly like onnxruntime (fmod = %i)', async (fmod, a, b, want) => {
    const { model } = opModel('Mod', [{ name: 'a', value: int64([4], a), constant: true }, { name: 'b', value: int64([4], b), constant: true }], { fmod });
    const folded = inferTypes(model.graph, {}).value('y0');
    expect(toNumbers(folded!)).toEqual(want);
    expect(toNumbers((await model.run({})).y0)).toEqual(want);
    await model.release();
  });

  it('folds large int64 values without rounding through doubles', () => {
    const big = 2n ** 60n + 7n;
    const { model } = opModel('Mod', [{ name: 'a', value: { dtype: 'int64', dims: [1], data: BigInt64Array.of(big) }, constant: true }, { name: 'b', value: int64([], [10]), constant: true }]);
    expect(inferTypes(model.graph, {}).value('y0')!.data[0]).toBe(big % 10n);
  });
});

describe('NonMaxSuppression', () => {
  const boxes = float32([1, 6, 4], [0, 0, 1, 1, 0, 0.1, 1, 1.1, 0, -0.1, 1, 0.9, 0, 10, 1, 11, 0, 10.1, 1, 11.1, 0, 100, 1, 101]);
  const scores = float32([1, 2, 6], [0.9, 0.75, 0.6, 0.95, 0.5, 0.3, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
  const params = (constant: boolean): OpInput[] => [
    { name: 'boxes', value: boxes, constant },
    { name: 'scores', value: scores, constant },
    { name: 'max', value: int64([1], [3]), constant: true },
    { name: 'iou', value: float32([1], [0.5]), constant: true },
    { name: 'score', value: float32([1], [0.35]), constant: true },
  ];

  it('constant inputs: folded at compile time, identical to onnxruntime', async () => {
    const { model } = opModel('NonMaxSuppression', params(true));
    const folded = inferTypes(model.graph, {}).value('y0')!;
    const ort = (await model.run({})).y0;
    expect(folded.dims).toEqual(ort.dims);
    expect(toNumbers(folded)).toEqual(toNumbers(ort));
    // class 0 keeps boxes 3, 0 (1, 2 overlap 0; 4 overlaps 3; 5 scores below 0.35);
    // class 1 keeps 5, 4 (3 overlaps 4; the rest score below 0.35)
    expect(toNumbers(folded)).toEqual([0, 0, 3, 0, 0, 0, 0, 1, 5, 0, 1, 4]);
    await model.release();
  });

  it('center_point_box = 1 and no max_output_boxes_per_class (selects nothing)', async () => {
    const centre = float32([1, 3, 4], [0.5, 0.5, 1, 1, 0.55, 0.5, 1, 1, 5, 5, 1, 1]);
    const ins = (max: boolean): (OpInput | null)[] => [
      { name: 'boxes', value: centre, constant: true },
      { name: 'scores', value: float32([1, 1, 3], [0.5, 0.9, 0.7]), constant: true },
      max ? { name: 'max', value: int64([1], [5]), constant: true } : null,
      max ? { name: 'iou', value: float32([1], [0.5]), constant: true } : null,
    ];
    for (const [max, want] of [
      [true, [0, 0, 1, 0, 0, 2]],
      [false, []],
    ] as const) {
      const { model } = opModel('NonMaxSuppression', ins(max), { center_point_box: 1 });
      expect(toNumbers(inferTypes(model.graph, {}).value('y0')!)).toEqual(want);
      expect(toNumbers((await model.run({})).y0)).toEqual(want);
      await model.release();
    }
  });

  it('run-time boxes or scores: a clear error (the output size depends on the data)', () => {
    expect(() => opModel('NonMaxSuppression', params(false))).toThrow(/NonMaxSuppression's output size depends on its boxes values.*static shapes/);
  });

  it('is non-differentiable', () => {
    expect(gradOf('NonMaxSuppression')?.kind).toBe('nondifferentiable');
  });
});

describe('registration', () => {
  it('every op of this family has a shape rule and a gradient entry', () => {
    const ops = ['Einsum', 'PRelu', 'InstanceNormalization', 'GroupNormalization', 'Sin', 'Cos', 'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh', 'Softsign', 'Celu', 'Mish', 'ThresholdedRelu', 'DepthToSpace', 'SpaceToDepth', 'Mod', 'NonMaxSuppression'];
    for (const op of ops) {
      expect(shapeRule(op), op).toBeDefined();
      expect(gradOf(op), op).toBeDefined();
    }
  });

  it('the InstanceNormalization backward does not read the forward output (so float64 graphs prune it)', () => {
    const { model, feeds } = opModel('InstanceNormalization', [
      { name: 'x', value: f64([1, 2, 3], 70) },
      { name: 'scale', value: f64([2], 71) },
      { name: 'bias', value: f64([2], 72) },
    ]);
    const g = buildGradGraph(model.graph, Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, v.dims])), { of: 'y0', wrt: ['x'], outputs: [] });
    expect(g.graph.nodes.some((n) => n.op === 'InstanceNormalization')).toBe(false);
  });
});
