/**
 * Shapes (and constant folds) of element-wise arithmetic: broadcasting binaries and
 * variadics, unary maps and rounding, Mod, Where, Identity, Cast and Dropout.
 * Folds matter for the integer shape subgraphs exporters emit (Shape -> Cast -> Div ->
 * Floor -> Cast -> Concat -> Reshape, Where on dims, Min/Max clamps, Mod on dims).
 */
import { broadcastDims } from '../../shape/broadcast.js';
import { broadcastInputs, broadcastMap, foldKnown, mapBroadcast, sameAsInput, sameAsInput0, unaryMap } from '../../shape/elementwise.js';
import { build, elem, stridesOf, type Elem } from '../../shape/fold.js';
import { whenKnown, type ShapeRule } from '../../shape/types.js';
import { dtypeFromOnnx, isFloat, type DType } from '../../tensor/dtype.js';
import { tensor, type Tensor } from '../../tensor/tensor.js';

const intDiv = (a: number, b: number): number => Math.trunc(a / b);

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

/** Remainder of a / b: fmod = 1 truncates the quotient (C fmod), 0 floors it (sign of the divisor). */
function remainder(a: Elem, b: Elem, fmod: boolean): Elem | undefined {
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    if (b === 0n) return undefined;
    const r = a % b;
    return !fmod && r !== 0n && r < 0n !== b < 0n ? r + b : r;
  }
  const [x, y] = [Number(a), Number(b)];
  if (y === 0) return undefined;
  const r = x % y;
  return !fmod && r !== 0 && r < 0 !== y < 0 ? r + y : r;
}

export const elementwiseShapes: Record<string, ShapeRule> = {
  Add: broadcastMap((a, b) => a + b),
  Sub: broadcastMap((a, b) => a - b),
  Mul: broadcastMap((a, b) => a * b),
  Pow: broadcastMap((a, b) => a ** b),
  Div: {
    infer: (ctx) => [{ dtype: ctx.input(0).dtype, dims: broadcastInputs(ctx) }],
    fold: foldKnown((ctx, [a, b]) => [mapBroadcast(a.dtype, [a, b], isFloat(a.dtype) ? (x, y) => x / y : intDiv)]),
  },

  // Mod broadcasts like the other binaries. It is folded (exactly, for int64) because exporters
  // use it on dims (e.g. padding a length to a multiple of a block size).
  Mod: {
    infer: (ctx) => [{ dtype: ctx.input(0).dtype, dims: broadcastDims([ctx.input(0).dims, ctx.input(1).dims], ctx.node.describe()) }],
    fold: whenKnown((ctx, [a, b]) => {
      if (a.dtype === 'float16') return [];
      const fmod = ctx.attrs.int('fmod', 0) === 1 || isFloat(a.dtype);
      const dims = broadcastDims([a.dims, b.dims]);
      // offset of the output index in an operand that broadcasts (size-1 axes do not move)
      const at = (t: Tensor) => {
        const s = stridesOf(t.dims);
        const lead = dims.length - t.dims.length;
        return (idx: readonly number[]): Elem => elem(t, t.dims.reduce((o, d, r) => (d === 1 ? o : o + idx[r + lead] * s[r]), 0));
      };
      const [readA, readB] = [at(a), at(b)];
      let ok = true;
      const out = build(a.dtype, dims, (idx) => {
        const r = remainder(readA(idx), readB(idx), fmod);
        if (r === undefined) ok = false;
        return r ?? readA(idx);
      });
      return ok ? [out] : []; // a division by zero is left to run time
    }),
  },

  // Variadic broadcasting reductions over inputs (the engine itself emits Sum).
  Sum: broadcastMap((...v) => v.reduce((a, b) => a + b, 0)),
  Mean: broadcastMap((...v) => v.reduce((a, b) => a + b, 0) / v.length),
  Min: broadcastMap((...v) => Math.min(...v)),
  Max: broadcastMap((...v) => Math.max(...v)),

  Neg: unaryMap((x) => -x),
  Abs: unaryMap(Math.abs),
  Sqrt: unaryMap(Math.sqrt),
  Reciprocal: unaryMap((x) => 1 / x),
  Exp: unaryMap(Math.exp),
  Log: unaryMap(Math.log),
  Floor: unaryMap(Math.floor),
  Ceil: unaryMap(Math.ceil),
  Round: unaryMap((x) => {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r; // round half to even
  }),
  Sign: unaryMap(Math.sign),
  // JS has no erf: not folded (it never occurs in shape subgraphs).
  Erf: sameAsInput,

  // Where(cond, X, Y): broadcast of all three, the type of X.
  Where: {
    infer: (ctx) => [{ dtype: ctx.input(1).dtype, dims: broadcastInputs(ctx) }],
    fold: foldKnown((ctx, [c, a, b]) => {
      if (a.dtype === 'int64' && b.dtype === 'int64') return [whereInt64(c, a, b)];
      return [mapBroadcast(a.dtype, [c, a, b], (cv, av, bv) => (cv ? av : bv))];
    }),
  },

  // Identity folds to its input unchanged (exact for int64, no round trip through numbers).
  Identity: { infer: sameAsInput0, fold: whenKnown((ctx, [x]) => [x]) },

  // Cast: same dims, the `to` type. Int-to-int casts keep every bit; others go through numbers.
  Cast: {
    infer: (ctx) => [{ dtype: dtypeFromOnnx(ctx.attrs.int('to')), dims: ctx.input(0).dims }],
    fold: foldKnown((ctx, [x]) => {
      const to = dtypeFromOnnx(ctx.attrs.int('to'));
      return to === 'float16' ? [] : [castTensor(x, to)];
    }),
  },

  // Dropout at inference: Y = X, optional mask output (bool; float in opsets < 10, where it equals X's type).
  Dropout: {
    infer: (ctx) => {
      const x = ctx.input(0);
      return [x, { dtype: ctx.opset >= 10 ? 'bool' : x.dtype, dims: x.dims }];
    },
    fold: (ctx, [x]) => {
      if (!x || x.dtype === 'float16') return undefined;
      const ones = new Array<number>(x.data.length).fill(1);
      return [x, tensor(ctx.opset >= 10 ? 'bool' : x.dtype, x.dims, ones)];
    },
  },
};
