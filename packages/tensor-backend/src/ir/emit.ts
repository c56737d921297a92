/**
 * Typed emitters over a GraphBuilder: one method per op that gradient rules, exporters and
 * model builders emit, so call sites read as `e.mul(a, b)` rather than spelling node
 * inputs and attributes out. Ops whose signature changed across opsets (axes and pads
 * moved from attributes to inputs, Slice gained steps) take one form here and emit the
 * model's, so one rule serves opsets 11-21. Every method appends nodes and returns the
 * output name.
 */
import { ONNX_CODE, type DType } from '../tensor/dtype.js';
import { sameDims } from '../tensor/tensor.js';
import type { GraphBuilder } from './builder.js';

export class Emit {
  constructor(
    readonly b: GraphBuilder,
    readonly opset: number,
  ) {}

  // ---- arithmetic (numpy broadcasting) ------------------------------------------------------

  add(a: string, b: string): string {
    return this.b.op('Add', [a, b]);
  }

  sub(a: string, b: string): string {
    return this.b.op('Sub', [a, b]);
  }

  mul(a: string, b: string): string {
    return this.b.op('Mul', [a, b]);
  }

  div(a: string, b: string): string {
    return this.b.op('Div', [a, b]);
  }

  pow(a: string, b: string): string {
    return this.b.op('Pow', [a, b]);
  }

  min(a: string, b: string): string {
    return this.b.op('Min', [a, b]);
  }

  max(a: string, b: string): string {
    return this.b.op('Max', [a, b]);
  }

  /** The sum of one or more terms: the term itself, one Add, or one variadic Sum. */
  sum(terms: readonly string[]): string {
    if (terms.length === 0) throw new Error('internal: sum of no terms');
    if (terms.length === 1) return terms[0];
    return terms.length === 2 ? this.add(terms[0], terms[1]) : this.b.op('Sum', terms);
  }

  matmul(a: string, b: string): string {
    return this.b.op('MatMul', [a, b]);
  }

  // ---- element-wise functions ---------------------------------------------------------------

  neg(x: string): string {
    return this.b.op('Neg', [x]);
  }

  abs(x: string): string {
    return this.b.op('Abs', [x]);
  }

  sign(x: string): string {
    return this.b.op('Sign', [x]);
  }

  floor(x: string): string {
    return this.b.op('Floor', [x]);
  }

  sqrt(x: string): string {
    return this.b.op('Sqrt', [x]);
  }

  reciprocal(x: string): string {
    return this.b.op('Reciprocal', [x]);
  }

  exp(x: string): string {
    return this.b.op('Exp', [x]);
  }

  log(x: string): string {
    return this.b.op('Log', [x]);
  }

  erf(x: string): string {
    return this.b.op('Erf', [x]);
  }

  sigmoid(x: string): string {
    return this.b.op('Sigmoid', [x]);
  }

  tanh(x: string): string {
    return this.b.op('Tanh', [x]);
  }

  sin(x: string): string {
    return this.b.op('Sin', [x]);
  }

  cos(x: string): string {
    return this.b.op('Cos', [x]);
  }

  sinh(x: string): string {
    return this.b.op('Sinh', [x]);
  }

  cosh(x: string): string {
    return this.b.op('Cosh', [x]);
  }

  // ---- comparisons, logic and selection (bool results) -------------------------------------

  equal(a: string, b: string): string {
    return this.b.op('Equal', [a, b]);
  }

  less(a: string, b: string): string {
    return this.b.op('Less', [a, b]);
  }

  greater(a: string, b: string): string {
    return this.b.op('Greater', [a, b]);
  }

  not(x: string): string {
    return this.b.op('Not', [x]);
  }

  and(a: string, b: string): string {
    return this.b.op('And', [a, b]);
  }

  or(a: string, b: string): string {
    return this.b.op('Or', [a, b]);
  }

  /** `a` where `cond`, else `b`. */
  where(cond: string, a: string, b: string): string {
    return this.b.op('Where', [cond, a, b]);
  }

  /** Cast to a dtype, or to an ONNX TensorProto element type code. */
  cast(x: string, to: DType | number): string {
    return this.b.op('Cast', [x], { to: typeof to === 'number' ? to : ONNX_CODE[to] });
  }

  // ---- reductions ---------------------------------------------------------------------------

  /** ReduceSum/ReduceMean/ReduceMax/... over `axes` (all axes when empty and noopWithEmptyAxes unset). */
  reduce(op: string, x: string, axes: readonly number[], keepdims: boolean): string {
    const inputForm = op === 'ReduceSum' ? this.opset >= 13 : this.opset >= 18;
    if (inputForm) {
      return this.b.op(op, axes.length ? [x, this.b.ints(axes, 'axes')] : [x], { keepdims: keepdims ? 1 : 0 });
    }
    return this.b.op(op, [x], { axes: axes.length ? [...axes] : undefined, keepdims: keepdims ? 1 : 0 });
  }

  reduceSum(x: string, axes: readonly number[], keepdims = true): string {
    return this.reduce('ReduceSum', x, axes, keepdims);
  }

  // ---- shapes and data movement -------------------------------------------------------------

  /** Reshape to `dims`; with `from` (x's dims), x itself when they are equal. */
  reshape(x: string, dims: readonly number[], from?: readonly number[]): string {
    if (from && sameDims(from, dims)) return x;
    return this.b.op('Reshape', [x, this.b.ints(dims, 'shape')]);
  }

  unsqueeze(x: string, axes: readonly number[]): string {
    return this.opset >= 13 ? this.b.op('Unsqueeze', [x, this.b.ints(axes, 'axes')]) : this.b.op('Unsqueeze', [x], { axes: [...axes] });
  }

  squeeze(x: string, axes: readonly number[]): string {
    return this.opset >= 13 ? this.b.op('Squeeze', [x, this.b.ints(axes, 'axes')]) : this.b.op('Squeeze', [x], { axes: [...axes] });
  }

  expand(x: string, dims: readonly number[]): string {
    return this.b.op('Expand', [x, this.b.ints(dims, 'shape')]);
  }

  transpose(x: string, perm: readonly number[]): string {
    return this.b.op('Transpose', [x], { perm: [...perm] });
  }

  concat(parts: readonly string[], axis: number): string {
    return this.b.op('Concat', parts, { axis });
  }

  /** Split into pieces of the given sizes along axis. */
  split(x: string, sizes: readonly number[], axis: number): string[] {
    const n = sizes.length;
    if (this.opset >= 13) return this.b.node('Split', [x, this.b.ints(sizes, 'split')], { axis }, { numOutputs: n });
    return this.b.node('Split', [x], { axis, split: [...sizes] }, { numOutputs: n });
  }

  /** Slice along `axes` with steps (opset >= 10 input form; older opsets have no steps). */
  slice(x: string, starts: readonly number[], ends: readonly number[], axes: readonly number[], steps?: readonly number[]): string {
    if (this.opset >= 10) {
      const ins = [x, this.b.ints(starts, 'starts'), this.b.ints(ends, 'ends'), this.b.ints(axes, 'axes')];
      if (steps) ins.push(this.b.ints(steps, 'steps'));
      return this.b.op('Slice', ins);
    }
    return this.b.op('Slice', [x], { starts: [...starts], ends: [...ends], axes: [...axes] });
  }

  /** Reverses `x` along `axes`: a step -1 Slice (opset >= 10), whose end below -dim reaches index 0. */
  reverse(x: string, axes: readonly number[]): string {
    const minus = axes.map(() => -1);
    return this.slice(x, minus, axes.map(() => -Number.MAX_SAFE_INTEGER), axes, minus);
  }

  /** Constant-mode Pad with ONNX pads layout [begin..., end...] over all axes. */
  pad(x: string, pads: readonly number[], value?: string): string {
    if (this.opset >= 11) return this.b.op('Pad', value ? [x, this.b.ints(pads, 'pads'), value] : [x, this.b.ints(pads, 'pads')]);
    return this.b.op('Pad', [x], { pads: [...pads], mode: 'constant' });
  }

  /** Pads x (of the given rank) with zeros along one axis; x itself when both pads are 0. */
  padAxis(x: string, rank: number, axis: number, before: number, after: number): string {
    if (before === 0 && after === 0) return x;
    const pads = new Array<number>(2 * rank).fill(0);
    pads[axis] = before;
    pads[rank + axis] = after;
    return this.pad(x, pads);
  }
}
