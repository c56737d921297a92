/**
 * Reverse-mode autodiff as an ONNX-to-ONNX transform.
 *
 * Given a forward graph, a target `of` and tensors `wrt`, builds one graph that computes
 * the forward values and the vector-Jacobian product seed^T * d(of)/d(wrt) for a seed fed
 * at run time. Only nodes on a path from a wrt tensor to `of` are differentiated;
 * gradients that meet at a value are summed once; integer and boolean paths carry none.
 */
import { GradlocError } from '../errors.js';
import { GraphBuilder } from '../ir/builder.js';
import { Emit } from '../ir/emit.js';
import { Graph, type Node } from '../ir/graph.js';
import { inferTypes, topoSort, type TypeInfo } from '../shape/infer.js';
import type { ValueType } from '../shape/types.js';
import { isFloat, type DType } from '../tensor/dtype.js';
import { gradOf } from './registry.js';
import type { GradContext, RuleOverrides } from './types.js';
import { unbroadcast } from './unbroadcast.js';
import './rules/index.js';

export interface GradSpec {
  /** The tensor to differentiate (usually a model output). */
  readonly of: string;
  /** Tensors to differentiate with respect to: inputs, intermediates or initializers. */
  readonly wrt: readonly string[];
  /** Forward values to return (default: the model's outputs). */
  readonly outputs?: readonly string[];
  /** Also return the forward value of each wrt tensor. */
  readonly wrtValues?: boolean;
  /** Replace the gradient rule of some op types (e.g. guided backprop's Relu). */
  readonly overrides?: RuleOverrides;
}

export interface GradGraph {
  readonly graph: Graph;
  /** Name of the seed input (same dtype and dims as `of`). */
  readonly seed: string;
  readonly seedType: ValueType;
  /** wrt name -> graph output holding its gradient. */
  readonly grads: ReadonlyMap<string, string>;
  /** wrt name -> graph output holding its forward value (when wrtValues). */
  readonly values: ReadonlyMap<string, string>;
  /** Forward outputs returned. */
  readonly outputs: readonly string[];
  /** Static types of the forward graph. */
  readonly types: TypeInfo;
  /** Number of forward nodes differentiated. */
  readonly differentiatedNodes: number;
}

export const SEED_INPUT = 'gradloc::seed';
export const gradOutputName = (wrt: string): string => `gradloc::grad::${wrt}`;
export const valueOutputName = (wrt: string): string => `gradloc::value::${wrt}`;

/** Opsets 13-16 are raised to 17 in gradient graphs: no op changed meaning in between, and rules get one vocabulary. */
function gradOpset(opset: number): number {
  return opset >= 13 && opset < 17 ? 17 : opset;
}

export function buildGradGraph(
  source: Graph,
  feeds: Readonly<Record<string, readonly number[]>>,
  spec: GradSpec,
  fallback?: ReadonlyMap<string, ValueType>,
): GradGraph {
  const g = Graph.fromModel(source.toModel({ keepValueInfo: false }));
  const types = inferTypes(g, feeds, { fallback });
  const typeOf = (name: string): ValueType => {
    const t = types.types.get(name);
    if (!t) throw new GradlocError('UNKNOWN_TENSOR', `no tensor named '${name}' in the model`);
    return t;
  };
  const ofType = typeOf(spec.of);
  if (!isFloat(ofType.dtype)) throw new GradlocError('DTYPE_MISMATCH', `cannot differentiate '${spec.of}': it is ${ofType.dtype}, not a float tensor`);
  for (const w of spec.wrt) {
    const t = typeOf(w);
    if (!isFloat(t.dtype)) throw new GradlocError('DTYPE_MISMATCH', `cannot differentiate with respect to '${w}': it is ${t.dtype}, not a float tensor`);
  }
  const opset = gradOpset(g.opset(''));
  if (opset !== g.opset('')) g.opsets.set(g.opsets.has('ai.onnx') ? 'ai.onnx' : '', opset);

  const order = topoSort(g);
  g.nodes = order; // backward nodes are appended after a valid forward order
  const b = new GraphBuilder(g, 'gradloc/');
  const emit = new Emit(b, opset);

  // Forward reach: float values that depend on some wrt tensor through differentiable ops.
  const reach = new Set<string>(spec.wrt);
  for (const n of order) {
    if (!n.inputs.some((i) => reach.has(i))) continue;
    const og = spec.overrides?.[n.op] ? { kind: 'rule' } : gradOf(n.op, n.domain);
    if (og?.kind === 'nondifferentiable') continue;
    for (const o of n.outputs) if (o && isFloat(typeOf(o).dtype)) reach.add(o);
  }

  b.reserve(SEED_INPUT);
  g.addInput(SEED_INPUT, ofType.dtype, [...ofType.dims]);

  const contributions = new Map<string, string[]>([[spec.of, [SEED_INPUT]]]);
  const summed = new Map<string, string | null>();
  const gradOfValue = (name: string): string | null => {
    if (summed.has(name)) return summed.get(name)!;
    const parts = contributions.get(name) ?? [];
    const r = parts.length === 0 ? null : parts.length === 1 ? parts[0] : b.op('Sum', parts);
    summed.set(name, r);
    return r;
  };

  let differentiated = 0;
  for (let k = order.length - 1; k >= 0; k--) {
    const n = order[k];
    const needs = n.inputs.map((i) => i !== '' && reach.has(i) && isFloat(typeOf(i).dtype));
    if (!needs.some(Boolean)) continue;
    const dy = n.outputs.map((o) => (o && reach.has(o) ? gradOfValue(o) : null));
    if (dy.every((d) => d === null)) continue;
    const override = spec.overrides?.[n.op];
    const og = override ? ({ kind: 'rule', rule: override } as const) : gradOf(n.op, n.domain);
    if (!og) {
      throw new GradlocError(
        'UNSUPPORTED_OP',
        `no gradient rule for op ${n.domain ? `${n.domain}.` : ''}${n.op} (${n.describe()}), which lies between the wrt tensors and '${spec.of}'`,
      );
    }
    if (og.kind === 'nondifferentiable') continue;
    const grads = og.rule(makeContext(n, needs, dy, typeOf, types, b, emit, opset));
    n.inputs.forEach((inp, i) => {
      const gname = grads[i];
      if (!needs[i] || !gname) return;
      if (summed.has(inp)) throw new Error(`internal: gradient of '${inp}' used before all its contributions arrived`);
      const list = contributions.get(inp);
      if (list) list.push(gname);
      else contributions.set(inp, [gname]);
    });
    differentiated++;
  }

  // Outputs: requested forward values, then one gradient (and value) per wrt.
  const outputs = [...(spec.outputs ?? source.outputs.map((o) => o.name))];
  g.outputs = outputs.map((o) => {
    const t = typeOf(o);
    return { name: o, dtype: t.dtype, dims: [...t.dims] };
  });
  const gradsOut = new Map<string, string>();
  const valuesOut = new Map<string, string>();
  for (const w of spec.wrt) {
    if (gradsOut.has(w)) continue;
    const t = typeOf(w);
    const gname = gradOfValue(w);
    const out = gradOutputName(w);
    if (gname) b.op('Identity', [gname], {}, { outputs: [out] });
    else b.op('Expand', [b.scalar(0, t.dtype), b.ints(t.dims)], {}, { outputs: [out] });
    g.addOutput(out, t.dtype, [...t.dims]);
    gradsOut.set(w, out);
    if (spec.wrtValues) {
      const v = valueOutputName(w);
      b.op('Identity', [w], {}, { outputs: [v] });
      g.addOutput(v, t.dtype, [...t.dims]);
      valuesOut.set(w, v);
    }
  }
  prune(g);
  return {
    graph: g,
    seed: SEED_INPUT,
    seedType: ofType,
    grads: gradsOut,
    values: valuesOut,
    outputs,
    types,
    differentiatedNodes: differentiated,
  };
}

function makeContext(
  node: Node,
  needs: boolean[],
  dy: (string | null)[],
  typeOf: (n: string) => ValueType,
  types: TypeInfo,
  b: GraphBuilder,
  emit: Emit,
  opset: number,
): GradContext {
  const firstFloat = node.inputs.find((i) => i && isFloat(typeOf(i).dtype));
  const dtype: DType = firstFloat ? typeOf(firstFloat).dtype : 'float32';
  const where = node.describe();
  const ctx: GradContext = {
    node,
    attrs: node.attrs,
    opset,
    b,
    emit,
    x: node.inputs,
    y: node.outputs,
    dy,
    needs,
    dtype,
    type: typeOf,
    xDims: (i) => typeOf(node.inputs[i]).dims,
    yDims: (i) => typeOf(node.outputs[i]).dims,
    value: (name) => types.value(name),
    needValue: (i, what) => {
      const v = node.inputs[i] ? types.value(node.inputs[i]) : undefined;
      if (!v) {
        throw new GradlocError('UNSUPPORTED_OP', `${where}: the gradient needs ${what} ('${node.inputs[i]}') at compile time, but it is computed at run time`);
      }
      return v;
    },
    scalar: (v) => b.scalar(v, dtype),
    dyOrZeros: (i) => dy[i] ?? ctx.zeros(typeOf(node.outputs[i]).dims),
    zeros: (dims) => b.op('Expand', [b.scalar(0, dtype), b.ints(dims, 'shape')]),
    unbroadcast: (grad, from, to) => unbroadcast(emit, grad, from, to),
    fail: (message) => {
      throw new GradlocError('UNSUPPORTED_OP', `${where}: ${message}`);
    },
  };
  return ctx;
}

/** Drops nodes and initializers no output needs. */
function prune(g: Graph): void {
  const needed = new Set(g.outputs.map((o) => o.name));
  const keep: Node[] = [];
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i];
    if (!n.outputs.some((o) => needed.has(o))) continue;
    keep.push(n);
    for (const x of n.inputs) if (x) needed.add(x);
  }
  keep.reverse();
  g.nodes = keep;
  // Subgraphs (If/Loop bodies) may read outer initializers implicitly: keep those.
  const hasSubgraphs = keep.some((n) => n.proto.attribute.some((a) => a.g || a.graphs.length));
  if (!hasSubgraphs) for (const name of [...g.initializers.keys()]) if (!needed.has(name)) g.initializers.delete(name);
}
