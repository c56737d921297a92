/**
 * Static shape and type inference, specialised to one input signature. Symbolic dims
 * are resolved from the feeds; small integer subgraphs (the Shape -> Gather -> Concat ->
 * Reshape chains exporters emit) are constant-folded so every shape ends up static.
 */
import { GradlocError } from '../errors.js';
import { Attrs } from '../ir/attributes.js';
import type { Graph, Node } from '../ir/graph.js';
import { isExternal, tensorFromProto } from '../onnx/tensor-proto.js';
import { shapeRule } from '../ops/registry.js';
import { dtypeFromOnnx } from '../tensor/dtype.js';
import { formatDims, sizeOf, type Tensor } from '../tensor/tensor.js';
import type { InferContext, ValueType } from './types.js';

/** Largest tensor (elements) constant-folded during inference. */
const FOLD_LIMIT = 1 << 16;

export interface TypeInfo {
  /** Static type of every value in the graph. */
  readonly types: Map<string, ValueType>;
  /** Values known at compile time (initializers on demand, Constants, folded results). */
  value(name: string): Tensor | undefined;
  /** Whether a value is an initializer or computed only from constants. */
  isConstant(name: string): boolean;
}

export interface InferOptions {
  /** Types to use for outputs of ops without a shape rule (e.g. from an onnxruntime probe). */
  readonly fallback?: ReadonlyMap<string, ValueType>;
}

/** Nodes in a topological order (stable: keeps file order where it is valid). */
export function topoSort(graph: Graph): Node[] {
  const produced = new Set<string>([...graph.inputs.map((i) => i.name), ...graph.initializers.keys(), '']);
  const pending = [...graph.nodes];
  const out: Node[] = [];
  while (pending.length) {
    const rest: Node[] = [];
    for (const n of pending) {
      if (n.inputs.every((i) => produced.has(i))) {
        out.push(n);
        for (const o of n.outputs) produced.add(o);
      } else rest.push(n);
    }
    if (rest.length === pending.length) {
      const n = rest[0];
      const missing = n.inputs.filter((i) => !produced.has(i));
      throw new GradlocError('BAD_MODEL', `${n.describe()} reads '${missing.join("', '")}', which nothing produces (or the graph has a cycle)`);
    }
    pending.length = 0;
    pending.push(...rest);
  }
  return out;
}

export function inferTypes(
  graph: Graph,
  feeds: Readonly<Record<string, readonly number[]>>,
  opts: InferOptions = {},
): TypeInfo {
  const types = new Map<string, ValueType>();
  const values = new Map<string, Tensor>();
  const constant = new Set<string>();
  const opset = graph.opset('');

  for (const inp of graph.inputs) {
    const dims = feeds[inp.name];
    if (!dims) throw new GradlocError('BAD_INPUT', `no feed for model input '${inp.name}'`);
    if (inp.dims) {
      if (inp.dims.length !== dims.length) {
        throw new GradlocError('SHAPE_MISMATCH', `input '${inp.name}' has rank ${inp.dims.length} in the model, feed has dims ${formatDims(dims)}`);
      }
      inp.dims.forEach((d, i) => {
        if (typeof d === 'number' && d !== dims[i]) {
          throw new GradlocError('SHAPE_MISMATCH', `input '${inp.name}' must have dims [${inp.dims!.map((x) => x ?? '?').join(', ')}], feed has ${formatDims(dims)}`);
        }
      });
    }
    types.set(inp.name, { dtype: inp.dtype, dims: [...dims] });
  }
  for (const [name, t] of graph.initializers) {
    if (types.has(name)) continue; // a fed input overrides an initializer default
    types.set(name, { dtype: dtypeFromOnnx(t.data_type ?? 1), dims: t.dims.map(Number) });
    // weights left in external data (a streamed pass over a large model) are not read to fold
    if (!isExternal(t)) constant.add(name);
  }

  const value = (name: string): Tensor | undefined => {
    const v = values.get(name);
    if (v || !constant.has(name)) return v;
    const init = graph.initializers.get(name);
    if (!init) return undefined;
    const t = tensorFromProto(init);
    values.set(name, t);
    return t;
  };

  for (const node of topoSort(graph)) {
    const rule = shapeRule(node.op, node.domain);
    const where = node.describe();
    const ctx: InferContext = {
      node,
      attrs: node.attrs ?? new Attrs(node.proto.attribute, where),
      opset,
      numInputs: node.inputs.length,
      has: (i) => i < node.inputs.length && node.inputs[i] !== '',
      input: (i) => {
        const name = node.inputs[i];
        if (!name) throw new GradlocError('SHAPE_MISMATCH', `${where}: input ${i} is required`);
        const t = types.get(name);
        if (!t) throw new GradlocError('BAD_MODEL', `${where}: input '${name}' has no known type`);
        return t;
      },
      value: (i) => (node.inputs[i] ? value(node.inputs[i]) : undefined),
      needValue: (i, what) => {
        const v = node.inputs[i] ? value(node.inputs[i]) : undefined;
        if (!v) {
          throw new GradlocError(
            'SHAPE_MISMATCH',
            `${where}: ${what} ('${node.inputs[i]}') must be known when the graph is compiled; it depends on runtime values`,
          );
        }
        return v;
      },
      fail: (message) => {
        throw new GradlocError('SHAPE_MISMATCH', `${where}: ${message}`);
      },
    };
    let outTypes: ValueType[];
    if (rule) {
      outTypes = rule.infer(ctx);
    } else {
      const fb = node.outputs.map((o) => opts.fallback?.get(o));
      if (fb.some((t, i) => !t && node.outputs[i])) {
        throw new GradlocError('UNSUPPORTED_OP', `no shape rule for op ${node.domain ? `${node.domain}.` : ''}${node.op} (${where})`);
      }
      outTypes = fb.map((t) => t ?? { dtype: 'float32', dims: [] });
    }
    node.outputs.forEach((o, i) => {
      if (o && outTypes[i]) types.set(o, outTypes[i]);
    });

    const inputsConst = node.inputs.every((i) => i === '' || constant.has(i));
    if (inputsConst && node.op !== 'RandomNormal' && node.op !== 'RandomUniform' && node.op !== 'RandomNormalLike' && node.op !== 'RandomUniformLike') {
      for (const o of node.outputs) if (o) constant.add(o);
    }
    // Only constant inputs are decoded, so only they need to be small (Shape/Size fold from
    // the static dims of a large activation); outputs must be small too (Expand, ConstantOfShape).
    const small = (v: string): boolean => !types.has(v) || sizeOf(types.get(v)!.dims) <= FOLD_LIMIT;
    if (rule?.fold && node.inputs.every((i) => !i || !constant.has(i) || small(i)) && node.outputs.every((o) => !o || small(o))) {
      const outs = rule.fold(
        ctx,
        node.inputs.map((i) => (i ? value(i) : undefined)),
      );
      node.outputs.forEach((o, i) => {
        const t = outs?.[i];
        if (o && t) {
          values.set(o, t);
          constant.add(o);
        }
      });
    }
  }
  return { types, value, isConstant: (name) => constant.has(name) };
}
