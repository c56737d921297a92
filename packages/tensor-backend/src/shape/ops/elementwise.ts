/** Shapes (and constant folds) of element-wise ops: unary maps, broadcasting binaries, comparisons. */
import { broadcastDims } from '../broadcast.js';
import { defineShape } from '../registry.js';
import { whenKnown, type InferContext, type ValueType } from '../types.js';
import { tensor, type Tensor } from '../../tensor/tensor.js';
import { isFloat, type DType } from '../../tensor/dtype.js';

const sameAsInput0 = (ctx: InferContext): ValueType[] => [ctx.input(0)];

const broadcastAll = (ctx: InferContext): number[] => {
  const shapes: (readonly number[])[] = [];
  for (let i = 0; i < ctx.numInputs; i++) if (ctx.has(i)) shapes.push(ctx.input(i).dims);
  return broadcastDims(shapes, ctx.node.describe());
};

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
    (out.data as unknown as unknown[])[k] = big ? BigInt(Math.trunc(v)) : dtype === 'bool' ? (v ? 1 : 0) : v;
    for (let r = rank - 1; r >= 0; r--) {
      if (++idx[r] < dims[r]) break;
      idx[r] = 0;
    }
  }
  return out;
}

const intDiv = (a: number, b: number): number => Math.trunc(a / b);

const binary: Record<string, (a: number, b: number) => number> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  Pow: (a, b) => a ** b,
};

for (const [op, f] of Object.entries(binary)) {
  defineShape(op, {
    infer: (ctx) => [{ dtype: ctx.input(0).dtype, dims: broadcastAll(ctx) }],
    fold: whenKnown((ctx, [a, b]) => [mapBroadcast(a.dtype, [a, b], f)]),
  });
}
defineShape('Div', {
  infer: (ctx) => [{ dtype: ctx.input(0).dtype, dims: broadcastAll(ctx) }],
  fold: whenKnown((ctx, [a, b]) => [mapBroadcast(a.dtype, [a, b], isFloat(a.dtype) ? (x, y) => x / y : intDiv)]),
});

const unary: Record<string, (x: number) => number> = {
  Neg: (x) => -x,
  Abs: Math.abs,
  Sqrt: Math.sqrt,
  Reciprocal: (x) => 1 / x,
  Exp: Math.exp,
  Log: Math.log,
  Tanh: Math.tanh,
  Sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  Relu: (x) => Math.max(0, x),
  Floor: Math.floor,
  Ceil: Math.ceil,
  Round: (x) => {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r; // round half to even
  },
  Sign: Math.sign,
  Identity: (x) => x,
};
for (const [op, f] of Object.entries(unary)) {
  defineShape(op, { infer: sameAsInput0, fold: whenKnown((ctx, [x]) => [mapBroadcast(x.dtype, [x], f)]) });
}
