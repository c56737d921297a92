/** The GradContext the engine hands each rule: one per differentiated node. */
import { GradlocError } from '../errors.js';
import { asFloat, type Attrs } from '../ir/attributes.js';
import type { GraphBuilder } from '../ir/builder.js';
import { Emit } from '../ir/emit.js';
import type { Node } from '../ir/graph.js';
import type { TypeInfo } from '../shape/infer.js';
import type { ValueType } from '../shape/types.js';
import { isFloat, type DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import type { GemmOptions, GradContext } from './types.js';
import { unbroadcast } from './unbroadcast.js';

export class RuleContext extends Emit implements GradContext {
  readonly attrs: Attrs;
  readonly x: readonly string[];
  readonly y: readonly string[];
  readonly dtype: DType;
  private readonly described: string;

  constructor(
    readonly node: Node,
    readonly needs: readonly boolean[],
    readonly dy: readonly (string | null)[],
    private readonly typeOf: (name: string) => ValueType,
    private readonly types: TypeInfo,
    b: GraphBuilder,
    opset: number,
  ) {
    super(b, opset);
    this.attrs = node.attrs;
    this.x = node.inputs;
    this.y = node.outputs;
    const firstFloat = node.inputs.find((i) => i && isFloat(typeOf(i).dtype));
    this.dtype = firstFloat ? typeOf(firstFloat).dtype : 'float32';
    this.described = node.describe();
  }

  // Arrow properties: rules hand these to shared helpers as callbacks.
  readonly type = (name: string): ValueType => this.typeOf(name);
  readonly value = (name: string): Tensor | undefined => this.types.value(name);
  readonly fail = (message: string): never => {
    throw new GradlocError('UNSUPPORTED_OP', `${this.described}: ${message}`);
  };
  readonly needValue = (i: number, what: string): Tensor => {
    const v = this.x[i] ? this.types.value(this.x[i]) : undefined;
    if (!v) {
      throw new GradlocError('UNSUPPORTED_OP', `${this.described}: the gradient needs ${what} ('${this.x[i]}') at compile time, but it is computed at run time`);
    }
    return v;
  };

  has(i: number): boolean {
    return i < this.x.length && this.x[i] !== '';
  }

  xDims(i: number): readonly number[] {
    return this.typeOf(this.x[i]).dims;
  }

  yDims(i: number): readonly number[] {
    return this.typeOf(this.y[i]).dims;
  }

  scalar(v: number): string {
    return this.b.scalar(v, this.dtype);
  }

  mask(cond: string): string {
    return this.cast(cond, this.dtype);
  }

  zeros(dims: readonly number[]): string {
    return this.expand(this.scalar(0), dims);
  }

  dyOrZeros(i: number): string {
    return this.dy[i] ?? this.zeros(this.yDims(i));
  }

  unbroadcast(grad: string, from: readonly number[], to: readonly number[]): string {
    return unbroadcast(this, grad, from, to);
  }

  toInput(grad: string, i: number): string {
    return this.unbroadcast(grad, this.yDims(0), this.xDims(i));
  }

  gemm(a: string, b: string, opts: GemmOptions = {}): string {
    return this.b.op('Gemm', this.opset >= 11 ? [a, b] : [a, b, this.scalar(0)], {
      transA: opts.transA ? 1 : undefined,
      transB: opts.transB ? 1 : undefined,
      alpha: opts.alpha !== undefined && opts.alpha !== 1 ? asFloat(opts.alpha) : undefined,
    });
  }
}
