/**
 * Shapes (and constant folds) of element-wise ops: unary maps, broadcasting binaries and
 * variadics, comparisons and logic (bool results), Where, Cast, Clip and Dropout.
 * Folds matter for the integer shape subgraphs exporters emit (Shape -> Cast -> Div ->
 * Floor -> Cast -> Concat -> Reshape, Where on dims, Min/Max clamps); float folds are
 * computed in JS doubles and stored back in the tensor's own type.
 */
import { broadcastDims } from '../broadcast.js';
import { defineShape } from '../registry.js';
import { whenKnown, type InferContext, type ValueType } from '../types.js';
import { tensor, type Tensor } from '../../tensor/tensor.js';
import { dtypeFromOnnx, isFloat, type DType } from '../../tensor/dtype.js';

const sameAsInput0 = (ctx: InferContext): ValueType[] => [ctx.input(0)];

const broadcastAll = (ctx: InferContext, first = 0): number[] => {
  const shapes: (readonly number[])[] = [];
  for (let i = first; i < ctx.numInputs; i++) if (ctx.has(i)) shapes.push(ctx.input(i).dims);
  return broadcastDims(shapes, ctx.node.describe());
};

// Number(INT64_MAX) rounds up to 2^63, which BigInt64Array would wrap to INT64_MIN;
// clamping keeps the "until the end" sentinels of Slice ends intact through folds.
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
function toBigInt(v: number, unsigned: boolean): bigint {
  if (Number.isNaN(v)) return 0n;
  if (unsigned) return v <= 0 ? 0n : v >= 2 ** 64 ? 2n ** 64n - 1n : BigInt(Math.trunc(v));
  if (v >= 2 ** 63) return INT64_MAX;
  if (v <= -(2 ** 63)) return INT64_MIN;
  return BigInt(Math.trunc(v));
}

/** Element-wise map over broadcast inputs, computed in JS numbers (for folding small tensors). */
function mapBroadcast(dtype: DType, inputs: Tensor[], f: (...v: number[]) => number): Tensor {
  const dims = broadcastDims(inputs.map((t) => t.dims));
  const out = tensor(dtype, dims);
  const n = out.data.length;
  const rank = dims.length;
  const strides = inputs.map((t) => {
    const s = new Array<number>(rank).fill(0);
    let acc = 1;
    for (let i = t.dims.length - 1; i >= 0; i--) {
      const r = rank - t.dims.length + i;
      s[r] = t.dims[i] === 1 ? 0 : acc;
      acc *= t.dims[i];
    }
    return s;
  });
  const idx = new Array<number>(rank).fill(0);
  const big = dtype === 'int64' || dtype === 'uint64';
  const vals = new Array<number>(inputs.length);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < inputs.length; j++) {
      let off = 0;
      for (let r = 0; r < rank; r++) off += idx[r] * strides[j][r];
      vals[j] = Number(inputs[j].data[off]);
    }
    const v = f(...vals);
    (out.data as unknown as unknown[])[k] = big ? toBigInt(v, dtype === 'uint64') : dtype === 'bool' ? (v ? 1 : 0) : v;
    for (let r = rank - 1; r >= 0; r--) {
      if (++idx[r] < dims[r]) break;
      idx[r] = 0;
    }
  }
  return out;
}

/**
 * Like whenKnown, but also declines float16 values: they are stored as raw bits, which
 * mapBroadcast would misread as numbers.
 */
const known =
  (fn: (ctx: InferContext, inputs: Tensor[]) => Tensor[]) =>
  (ctx: InferContext, inputs: (Tensor | undefined)[]): Tensor[] | undefined =>
    inputs.some((t) => t?.dtype === 'float16') ? undefined : whenKnown(fn)(ctx, inputs);

/** Same-type result: unary maps, binaries, variadics. */
const foldAs = (f: (...v: number[]) => number) => known((ctx, ins) => [mapBroadcast(ins[0].dtype, ins, f)]);

const intDiv = (a: number, b: number): number => Math.trunc(a / b);

const binary: Record<string, (a: number, b: number) => number> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  Pow: (a, b) => a ** b,
};
for (const [op, f] of Object.entries(binary)) {
  defineShape(op, { infer: (ctx) => [{ dtype: ctx.input(0).dtype, dims: broadcastAll(ctx) }], fold: foldAs(f) });
}
defineShape('Div', {
  infer: (ctx) => [{ dtype: ctx.input(0).dtype, dims: broadcastAll(ctx) }],
  fold: known((ctx, [a, b]) => [mapBroadcast(a.dtype, [a, b], isFloat(a.dtype) ? (x, y) => x / y : intDiv)]),
});

// Variadic broadcasting reductions over inputs (the engine itself emits Sum).
const variadic: Record<string, (...v: number[]) => number> = {
  Sum: (...v) => v.reduce((a, b) => a + b, 0),
  Mean: (...v) => v.reduce((a, b) => a + b, 0) / v.length,
  Min: (...v) => Math.min(...v),
  Max: (...v) => Math.max(...v),
};
for (const [op, f] of Object.entries(variadic)) {
  defineShape(op, { infer: (ctx) => [{ dtype: ctx.input(0).dtype, dims: broadcastAll(ctx) }], fold: foldAs(f) });
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const unary: Record<string, (x: number) => number> = {
  Neg: (x) => -x,
  Abs: Math.abs,
  Sqrt: Math.sqrt,
  Reciprocal: (x) => 1 / x,
  Exp: Math.exp,
  Log: Math.log,
  Tanh: Math.tanh,
  Sigmoid: sigmoid,
  Relu: (x) => Math.max(0, x),
  Softplus: (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))),
  Floor: Math.floor,
  Ceil: Math.ceil,
  Round: (x) => {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r; // round half to even
  },
  Sign: Math.sign,
};
for (const [op, f] of Object.entries(unary)) defineShape(op, { infer: sameAsInput0, fold: foldAs(f) });

// Identity folds to its input unchanged (exact for int64, no round trip through numbers).
defineShape('Identity', { infer: sameAsInput0, fold: whenKnown((ctx, [x]) => [x]) });

/** Defaults of Selu in the ONNX spec (float32-rounded constants). */
export const SELU_ALPHA = 1.67326319217681884765625;
export const SELU_GAMMA = 1.05070102214813232421875;

// Activations with attributes: folded with the same defaults the ONNX spec gives.
defineShape('LeakyRelu', {
  infer: sameAsInput0,
  fold: known((ctx, [x]) => {
    const alpha = ctx.attrs.float('alpha', 0.01);
    return [mapBroadcast(x.dtype, [x], (v) => (v >= 0 ? v : alpha * v))];
  }),
});
defineShape('Elu', {
  infer: sameAsInput0,
  fold: known((ctx, [x]) => {
    const alpha = ctx.attrs.float('alpha', 1);
    return [mapBroadcast(x.dtype, [x], (v) => (v > 0 ? v : alpha * Math.expm1(v)))];
  }),
});
defineShape('Selu', {
  infer: sameAsInput0,
  fold: known((ctx, [x]) => {
    const alpha = ctx.attrs.float('alpha', SELU_ALPHA);
    const gamma = ctx.attrs.float('gamma', SELU_GAMMA);
    return [mapBroadcast(x.dtype, [x], (v) => gamma * (v > 0 ? v : alpha * Math.expm1(v)))];
  }),
});
defineShape('HardSigmoid', {
  infer: sameAsInput0,
  fold: known((ctx, [x]) => {
    const alpha = ctx.attrs.float('alpha', 0.2);
    const beta = ctx.attrs.float('beta', 0.5);
    return [mapBroadcast(x.dtype, [x], (v) => Math.max(0, Math.min(1, alpha * v + beta)))];
  }),
});
defineShape('HardSwish', {
  infer: sameAsInput0,
  fold: foldAs((v) => v * Math.max(0, Math.min(1, v / 6 + 0.5))),
});
// JS has no erf: these are not folded (they never occur in shape subgraphs).
defineShape(['Erf', 'Gelu', 'com.microsoft::Gelu', 'com.microsoft::FastGelu'], { infer: sameAsInput0 });

// Comparisons and logic: broadcast, bool result.
const boolBinary: Record<string, (a: number, b: number) => number> = {
  Equal: (a, b) => +(a === b),
  Less: (a, b) => +(a < b),
  Greater: (a, b) => +(a > b),
  LessOrEqual: (a, b) => +(a <= b),
  GreaterOrEqual: (a, b) => +(a >= b),
  And: (a, b) => +(a !== 0 && b !== 0),
  Or: (a, b) => +(a !== 0 || b !== 0),
  Xor: (a, b) => +(a !== 0 !== (b !== 0)),
};
for (const [op, f] of Object.entries(boolBinary)) {
  defineShape(op, {
    infer: (ctx) => [{ dtype: 'bool', dims: broadcastAll(ctx) }],
    fold: known((ctx, [a, b]) => [mapBroadcast('bool', [a, b], f)]),
  });
}
defineShape('Not', {
  infer: (ctx) => [{ dtype: 'bool', dims: ctx.input(0).dims }],
  fold: known((ctx, [x]) => [mapBroadcast('bool', [x], (v) => +(v === 0))]),
});
defineShape('IsNaN', {
  infer: (ctx) => [{ dtype: 'bool', dims: ctx.input(0).dims }],
  fold: known((ctx, [x]) => [mapBroadcast('bool', [x], (v) => +Number.isNaN(v))]),
});
defineShape('IsInf', {
  infer: (ctx) => [{ dtype: 'bool', dims: ctx.input(0).dims }],
  fold: known((ctx, [x]) => {
    const neg = ctx.attrs.int('detect_negative', 1) !== 0;
    const pos = ctx.attrs.int('detect_positive', 1) !== 0;
    return [mapBroadcast('bool', [x], (v) => +((pos && v === Infinity) || (neg && v === -Infinity)))];
  }),
});

// Where(cond, X, Y): broadcast of all three, the type of X.
defineShape('Where', {
  infer: (ctx) => [{ dtype: ctx.input(1).dtype, dims: broadcastAll(ctx) }],
  fold: known((ctx, [c, a, b]) => {
    if (a.dtype === 'int64' && b.dtype === 'int64') return [whereInt64(c, a, b)];
    return [mapBroadcast(a.dtype, [c, a, b], (cv, av, bv) => (cv ? av : bv))];
  }),
});

/** Where over int64 without passing through doubles (dims and Slice sentinels stay exact). */
function whereInt64(c: Tensor, a: Tensor, b: Tensor): Tensor {
  // select by index: fold the index of the chosen element, then copy the bigint
  const n = (t: Tensor): Tensor => tensor('float64', t.dims, Array.from({ length: t.data.length }, (_, i) => i));
  const pick = mapBroadcast('float64', [c, n(a), n(b)], (cv, ia, ib) => (cv ? ia : -1 - ib));
  const out = tensor('int64', pick.dims);
  for (let k = 0; k < pick.data.length; k++) {
    const v = Number(pick.data[k]);
    out.data[k] = v >= 0 ? a.data[v] : b.data[-1 - v];
  }
  return out;
}

// Cast: same dims, the `to` type. Int-to-int casts keep every bit; others go through numbers.
defineShape('Cast', {
  infer: (ctx) => [{ dtype: dtypeFromOnnx(ctx.attrs.int('to')), dims: ctx.input(0).dims }],
  fold: known((ctx, [x]) => {
    const to = dtypeFromOnnx(ctx.attrs.int('to'));
    return to === 'float16' ? [] : [castTensor(x, to)];
  }),
});

const BIG = new Set<DType>(['int64', 'uint64']);
function castTensor(x: Tensor, to: DType): Tensor {
  if (x.dtype === to) return x;
  if (BIG.has(x.dtype) && BIG.has(to)) {
    const out = tensor(to, x.dims);
    const bits = to === 'int64' ? BigInt.asIntN : BigInt.asUintN;
    x.data.forEach((v, i) => {
      out.data[i] = bits(64, v as bigint);
    });
    return out;
  }
  const trunc = !isFloat(to) && to !== 'bool';
  return mapBroadcast(to, [x], (v) => (trunc ? Math.trunc(v) : v));
}

// Clip: opset < 11 takes min/max attributes, 11+ optional scalar inputs (either may be omitted).
defineShape('Clip', {
  infer: sameAsInput0,
  fold: (ctx, [x, lo, hi]) => {
    if (!x || x.dtype === 'float16') return undefined;
    let min = -Infinity;
    let max = Infinity;
    if (ctx.opset < 11) {
      min = ctx.attrs.float('min', -Infinity);
      max = ctx.attrs.float('max', Infinity);
    } else {
      if (ctx.has(1)) {
        if (!lo) return undefined;
        min = Number(lo.data[0]);
      }
      if (ctx.has(2)) {
        if (!hi) return undefined;
        max = Number(hi.data[0]);
      }
    }
    return [mapBroadcast(x.dtype, [x], (v) => Math.min(Math.max(v, min), max))];
  },
});

// Dropout at inference: Y = X, optional mask output (bool; float in opsets < 10, where it equals X's type).
defineShape('Dropout', {
  infer: (ctx) => {
    const x = ctx.input(0);
    return [x, { dtype: ctx.opset >= 10 ? 'bool' : x.dtype, dims: x.dims }];
  },
  fold: (ctx, [x]) => {
    if (!x || x.dtype === 'float16') return undefined;
    const ones = new Array<number>(x.data.length).fill(1);
    return [x, tensor(ctx.opset >= 10 ? 'bool' : x.dtype, x.dims, ones)];
  },
});
