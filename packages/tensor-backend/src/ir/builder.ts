/**
 * GraphBuilder: appends nodes and constants to a Graph with fresh, collision-free names.
 * Gradient rules, the quantizer's export and test models all build graphs through it.
 */
import { tensorToProto } from '../onnx/tensor-proto.js';
import type { DType } from '../tensor/dtype.js';
import { tensor, type Tensor } from '../tensor/tensor.js';
import { toAttribute, type AttrValue } from './attributes.js';
import { Node, type Dim, type Graph } from './graph.js';

export type AttrMap = Record<string, AttrValue | undefined>;

export interface OpOptions {
  readonly domain?: string;
  readonly name?: string;
  /** Explicit output names (else fresh ones from the op type). */
  readonly outputs?: readonly string[];
  /** Number of outputs to create (default 1). */
  readonly numOutputs?: number;
}

export class GraphBuilder {
  private readonly used = new Set<string>();
  private counter = 0;
  private readonly constCache = new Map<string, string>();

  constructor(
    readonly graph: Graph,
    private readonly prefix = '',
  ) {
    for (const n of graph.nodes) {
      for (const o of n.outputs) this.used.add(o);
      if (n.name) this.used.add(n.name);
    }
    for (const i of graph.inputs) this.used.add(i.name);
    for (const k of graph.initializers.keys()) this.used.add(k);
  }

  /** A name not yet used in the graph. */
  fresh(hint: string): string {
    let name = `${this.prefix}${hint}`;
    while (this.used.has(name)) name = `${this.prefix}${hint}_${++this.counter}`;
    this.used.add(name);
    return name;
  }

  reserve(name: string): void {
    this.used.add(name);
  }

  /** Appends a node; returns its output names. */
  node(op: string, inputs: readonly string[], attrs: AttrMap = {}, opts: OpOptions = {}): string[] {
    const outputs = opts.outputs ? [...opts.outputs] : Array.from({ length: opts.numOutputs ?? 1 }, () => this.fresh(op.toLowerCase()));
    for (const o of outputs) this.used.add(o);
    const attribute = Object.entries(attrs)
      .filter((e): e is [string, AttrValue] => e[1] !== undefined)
      .map(([k, v]) => toAttribute(k, v));
    const node = new Node({
      input: [...inputs],
      output: outputs,
      name: opts.name ?? this.fresh(`${op}_node`),
      op_type: op,
      domain: opts.domain ?? '',
      attribute,
    });
    this.graph.nodes.push(node);
    return outputs;
  }

  /** Appends a single-output node; returns the output name. */
  op(op: string, inputs: readonly string[], attrs: AttrMap = {}, opts: OpOptions = {}): string {
    return this.node(op, inputs, attrs, opts)[0];
  }

  /** Adds an initializer; returns its name. */
  initializer(t: Tensor, hint = 'const'): string {
    const name = this.fresh(hint);
    this.graph.initializers.set(name, tensorToProto(name, t));
    return name;
  }

  /** A (deduplicated) constant initializer. */
  constant(t: Tensor, hint = 'const'): string {
    if (t.data.length > 64) return this.initializer(t, hint);
    const key = `${t.dtype}|${t.dims.join(',')}|${Array.from(t.data as ArrayLike<unknown>, String).join(',')}`;
    let name = this.constCache.get(key);
    if (!name) {
      name = this.initializer(t, hint);
      this.constCache.set(key, name);
    }
    return name;
  }

  /** A 1-D int64 constant (shapes, axes, pads, ...). */
  ints(values: readonly number[], hint = 'ints'): string {
    return this.constant(tensor('int64', [values.length], values), hint);
  }

  /** A scalar (rank-0) constant of the given dtype. */
  scalar(value: number, dtype: DType, hint = 'scalar'): string {
    return this.constant(tensor(dtype, [], [value]), hint);
  }

  input(name: string, dtype: DType, dims: Dim[]): string {
    this.reserve(name);
    this.graph.addInput(name, dtype, dims);
    return name;
  }

  output(name: string, dtype: DType, dims: Dim[] | null = null): void {
    this.graph.addOutput(name, dtype, dims);
  }
}
