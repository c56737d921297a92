/** The gradient-rule vocabulary (cf. PyTorch derivatives.yaml: one entry per op). */
import type { Attrs } from '../ir/attributes.js';
import type { GraphBuilder } from '../ir/builder.js';
import type { Emit } from '../ir/emit.js';
import type { Node } from '../ir/graph.js';
import type { NodeSource, ValueType } from '../shape/types.js';
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * What a gradient rule sees: the forward node, static types and the upstream gradients.
 * It is also an Emit over the gradient graph, so rules emit backward nodes as
 * `ctx.mul(dy, ctx.y[0])`, `ctx.reshape(g, dims)`, `ctx.reduceSum(g, axes)`, ...; `ctx.b`
 * is the raw builder for ops without a typed emitter.
 */
export interface GradContext extends Emit {
  readonly node: Node;
  readonly attrs: Attrs;
  /** Default-domain opset of the gradient graph. */
  readonly opset: number;
  /** Emits backward nodes into the gradient graph. */
  readonly b: GraphBuilder;
  /** Forward input names ('' = omitted optional input). */
  readonly x: readonly string[];
  /** Whether optional input i is present. */
  has(i: number): boolean;
  /** Forward output names. */
  readonly y: readonly string[];
  /** Upstream gradient of each output, or null where it is (symbolically) zero. */
  readonly dy: readonly (string | null)[];
  /** Whether input i needs a gradient (it lies on a path from a wrt tensor). */
  readonly needs: readonly boolean[];
  /** Static type of any forward value. */
  type(name: string): ValueType;
  /** Dims of forward input i / output i. */
  xDims(i: number): readonly number[];
  yDims(i: number): readonly number[];
  /** Element type of the gradients of this node (its first float input). */
  readonly dtype: DType;
  /** Compile-time value of a forward tensor (e.g. Reshape's shape), if known. */
  value(name: string): Tensor | undefined;
  /** Like value(), but fails clearly when the value is only known at run time. */
  needValue(i: number, what: string): Tensor;
  /** Scalar constant of the gradient dtype. */
  scalar(v: number): string;
  /** A bool tensor as a 0/1 mask in the gradient dtype. */
  mask(cond: string): string;
  /** The upstream gradient of output i, materialising zeros when it is null. */
  dyOrZeros(i: number): string;
  /** Zeros with the dims of a forward value, in the gradient dtype. */
  zeros(dims: readonly number[]): string;
  /** Sums `grad` (of dims `from`) down to dims `to`, undoing numpy broadcasting. */
  unbroadcast(grad: string, from: readonly number[], to: readonly number[]): string;
  /** Sums `grad`, which has output 0's dims, down to input i's dims (undoes broadcasting). */
  toInput(grad: string, i: number): string;
  /** alpha * op(a) op(b) as one Gemm (before opset 11, where C is required, with a zero C). */
  gemm(a: string, b: string, opts?: GemmOptions): string;
  /** BAD_MODEL / UNSUPPORTED_OP error naming this node. */
  fail(message: string): never;
}

export interface GemmOptions {
  readonly transA?: boolean;
  readonly transB?: boolean;
  readonly alpha?: number;
}

/** Returns one gradient per forward input: a value name, or null for no gradient. */
export type GradRule = (ctx: GradContext) => readonly (string | null | undefined)[];

export type OpGrad =
  | { readonly kind: 'rule'; readonly rule: GradRule }
  /** Outputs carry no gradient (integer, boolean or piecewise-constant results). */
  | { readonly kind: 'nondifferentiable' };

/** Per-call overrides of rules, e.g. guided backprop's Relu. */
export type RuleOverrides = Readonly<Record<string, GradRule>>;

/** The gradient-side NodeSource: the forward node's attributes and constant inputs. */
export const gradSource = (ctx: GradContext): NodeSource => ({
  op: ctx.node.op,
  opset: ctx.opset,
  attrs: ctx.attrs,
  inDims: ctx.xDims(0),
  has: (i) => ctx.has(i),
  value: (i) => (ctx.x[i] ? ctx.value(ctx.x[i]) : undefined),
  needValue: ctx.needValue,
  fail: ctx.fail,
});
