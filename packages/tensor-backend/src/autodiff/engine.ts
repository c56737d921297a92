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
import { Graph } from '../ir/graph.js';
import { pruneDeadNodes } from '../ir/prune.js';
import { inferTypes, topoSort, type TypeInfo } from '../shape/infer.js';
import type { ValueType } from '../shape/types.js';
import { gradOf } from '../ops/registry.js';
import { isFloat, type DType } from '../tensor/dtype.js';
import { RuleContext } from './context.js';
import type { RuleOverrides } from './types.js';
import { foldBatchNorms } from './fold-batch-norm.js';
import { fuseLayerNorms } from './fuse-layer-norm.js';
import { isStopGradient } from './stop-gradient.js';

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
  /**
   * Simplify the forward first (default true): re-fuse decomposed LayerNorms into
   * LayerNormalization nodes and fold inference BatchNorms into the Conv before them, only
   * where no intermediate or folded weight is a target, wrt tensor or requested output.
   */
  readonly fuse?: boolean;
}

export interface GradGraph {
  readonly graph: Graph;
  /** Name of the seed input (same dtype and dims as `of`). */
  readonly seed: string;
  readonly seedType: ValueType;
  /** wrt name -> where its gradient comes from. */
  readonly grads: ReadonlyMap<string, OutputRef>;
  /** wrt name -> where its forward value comes from (when wrtValues). */
  readonly values: ReadonlyMap<string, OutputRef>;
  /** Forward outputs returned. */
  readonly outputs: readonly string[];
  /** Static types of the forward graph. */
  readonly types: TypeInfo;
  /** Number of forward nodes differentiated. */
  readonly differentiatedNodes: number;
}

/**
 * Where a returned tensor comes from: a graph output (with the dims to give it, since
 * view chains are skipped), zeros (no path to the target), or data the caller already has.
 */
export type OutputRef =
  | { readonly kind: 'output'; readonly name: string; readonly dims: readonly number[] }
  | { readonly kind: 'zeros'; readonly dtype: DType; readonly dims: readonly number[] }
  | { readonly kind: 'feed'; readonly name: string }
  | { readonly kind: 'initializer'; readonly name: string };

/** Ops whose output is their input's buffer with other dims. */
const VIEW_OPS = new Set(['Reshape', 'Identity', 'Squeeze', 'Unsqueeze', 'Flatten']);

export const SEED_INPUT = 'gradloc::seed';

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
  const keep = new Set([spec.of, ...spec.wrt, ...(spec.outputs ?? source.outputs.map((o) => o.name))]);
  // before inference: the folded weights are new initializers that need types
  if (spec.fuse !== false) foldBatchNorms(g, keep);
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
  if (opset >= 17 && spec.fuse !== false) {
    fuseLayerNorms(g, types, keep);
  }

  const order = topoSort(g);
  g.nodes = order; // backward nodes are appended after a valid forward order
  const b = new GraphBuilder(g, 'gradloc/');

  // Forward reach: float values that depend on some wrt tensor through differentiable ops.
  const reach = new Set<string>(spec.wrt);
  for (const n of order) {
    if (!n.inputs.some((i) => reach.has(i))) continue;
    const og = spec.overrides?.[n.op] ? { kind: 'rule' } : gradOf(n.op, n.domain);
    if (og?.kind === 'nondifferentiable' || isStopGradient(n)) continue;
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
    if (!needs.some(Boolean) || isStopGradient(n)) continue;
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
    const grads = og.rule(new RuleContext(n, needs, dy, typeOf, types, b, opset));
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
  const gradsOut = new Map<string, OutputRef>();
  const valuesOut = new Map<string, OutputRef>();
  const declared = new Set(outputs);
  const isSource = (name: string): boolean => g.initializers.has(name) || g.inputs.some((i) => i.name === name);
  const producers = g.producers();
  const expose = (name: string, dims: readonly number[], dtype: DType): OutputRef => {
    // Reshape-like chains are views: return the tensor before them and relabel its dims in
    // JS, which saves onnxruntime a copy into the output buffer (e.g. every conv weight
    // gradient ends in [Cout, Cin*k*k] -> [Cout, Cin, k, k]).
    let src = name;
    for (let p = producers.get(src); p && VIEW_OPS.has(p.op) && p.inputs[0] && !isSource(p.inputs[0]); p = producers.get(src)) {
      src = p.inputs[0];
    }
    if (isSource(src)) {
      // graph inputs and initializers cannot be outputs of their own: one Identity
      src = b.op('Identity', [src]);
    }
    if (!declared.has(src)) {
      declared.add(src);
      g.addOutput(src, dtype, null);
    }
    return { kind: 'output', name: src, dims: [...dims] };
  };
  for (const w of spec.wrt) {
    if (gradsOut.has(w)) continue;
    const t = typeOf(w);
    const gname = gradOfValue(w);
    gradsOut.set(w, gname ? expose(gname, t.dims, t.dtype) : { kind: 'zeros', dtype: t.dtype, dims: [...t.dims] });
    if (spec.wrtValues) {
      const isInput = g.inputs.some((i) => i.name === w);
      valuesOut.set(
        w,
        isInput ? { kind: 'feed', name: w } : g.initializers.has(w) ? { kind: 'initializer', name: w } : expose(w, t.dims, t.dtype),
      );
    }
  }
  pruneDeadNodes(g);
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

