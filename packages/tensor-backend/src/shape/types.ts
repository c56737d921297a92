/** Static value types and the per-op shape registry. */
import type { Attrs } from '../ir/attributes.js';
import type { Node } from '../ir/graph.js';
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';

/** A value's static type: element type and concrete dims (per input signature). */
export interface ValueType {
  readonly dtype: DType;
  readonly dims: readonly number[];
}

export interface InferContext {
  readonly node: Node;
  readonly attrs: Attrs;
  /** Default-domain opset the model imports. */
  readonly opset: number;
  /** Number of inputs given (trailing omitted ones not counted). */
  readonly numInputs: number;
  /** Type of input i; throws a SHAPE_MISMATCH naming the node if it is omitted. */
  input(i: number): ValueType;
  /** Whether optional input i is present. */
  has(i: number): boolean;
  /** Constant value of input i when known at compile time (initializer, Constant, folded). */
  value(i: number): Tensor | undefined;
  /** Like value(), but a missing constant is an error naming the node and input. */
  needValue(i: number, what: string): Tensor;
  /** A SHAPE_MISMATCH / BAD_MODEL error naming the node. */
  fail(message: string): never;
}

export interface ShapeRule {
  /** Types of the node's outputs. */
  readonly infer: (ctx: InferContext) => ValueType[];
  /**
   * Computes output values at compile time (constant folding), or returns undefined when
   * it cannot. Inputs are undefined where their value is not known. Used for shape
   * subgraphs (Shape -> Gather -> Concat -> Reshape) so that every shape is static.
   * Most rules wrap their fold in `whenKnown`, which requires every input value.
   */
  readonly fold?: (ctx: InferContext, inputs: (Tensor | undefined)[]) => (Tensor | undefined)[] | undefined;
}

/** Wraps a fold that needs every (present) input value. */
export const whenKnown =
  (fn: (ctx: InferContext, inputs: Tensor[]) => Tensor[]) =>
  (ctx: InferContext, inputs: (Tensor | undefined)[]): Tensor[] | undefined =>
    inputs.every((t, i) => t || !ctx.has(i)) ? fn(ctx, inputs as Tensor[]) : undefined;

/**
 * Read access to a node's attributes and constant inputs, the same from shape inference
 * and from a gradient rule: op parameters (Slice, Split) and plans (Pad, Resize) are
 * decoded by one function from either side.
 */
export interface NodeSource {
  readonly op: string;
  readonly opset: number;
  readonly attrs: Attrs;
  /** Dims of input 0. */
  readonly inDims: readonly number[];
  /** Whether optional input i is present. */
  has(i: number): boolean;
  /** Compile-time value of input i, if known. */
  value(i: number): Tensor | undefined;
  /** Like value(), but a value known only at run time is an error naming the node and input. */
  needValue(i: number, what: string): Tensor;
  fail(message: string): never;
}

export const inferSource = (ctx: InferContext): NodeSource => ({
  op: ctx.node.op,
  opset: ctx.opset,
  attrs: ctx.attrs,
  inDims: ctx.input(0).dims,
  has: ctx.has,
  value: ctx.value,
  needValue: ctx.needValue,
  fail: ctx.fail,
});
