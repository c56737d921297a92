/**
 * One backward pass for a CAM: activations of the target layers, the target score's gradient
 * w.r.t. them, and the forward outputs, from a single onnxruntime run of the compiled
 * vector-Jacobian-product graph (compiled once per model, layers and input dims, then cached).
 */
import { Graph, GradlocError, inferTypes, OnnxModel as Model, tensor, type DType, type Feeds, type OnnxModel, type RuleOverrides, type Tensor } from '@gradloc/tensor-backend';
import { toSpatial, type SpatialMap, type TokenLayout } from './spatial.js';
import type { CamTarget, Outputs } from './target.js';

export interface LayerSpec {
  /** Any tensor of the graph: an output of a node, e.g. `layer4.1` or `/layer4/layer4.1/relu_1/Relu_output_0`. */
  readonly name: string;
  /** How tokens [B, N, D] map to a grid (transformers). */
  readonly tokens?: TokenLayout;
}

export interface CapturedLayer {
  readonly name: string;
  readonly activations: SpatialMap;
  /** Absent when captured by a forward pass only (gradient-free methods). */
  readonly gradients?: SpatialMap;
}

export interface Capture {
  readonly outputs: Outputs;
  /** The target's score per batch item. */
  readonly scores: Float64Array;
  readonly layers: readonly CapturedLayer[];
  /** Gradients w.r.t. extra tensors (e.g. the input), raw. */
  readonly extra: Readonly<Record<string, Tensor>>;
  /** Forward values of the extra tensors. */
  readonly extraValues: Readonly<Record<string, Tensor>>;
}

export interface CaptureOptions {
  readonly layers: readonly LayerSpec[];
  /** More tensors to differentiate w.r.t. (input attributions, FullGrad). */
  readonly extraWrt?: readonly string[];
  /** Rule overrides (guided backprop) and their cache key. */
  readonly overrides?: RuleOverrides;
  readonly overridesKey?: string;
}

/** dims of `target.output` for these feeds, from the compiled gradient graph's seed. */
async function outputDims(model: OnnxModel, feeds: Feeds, target: CamTarget, wrt: readonly string[], o: CaptureOptions): Promise<readonly number[]> {
  const c = await model.compile({ feeds, of: target.output, wrt, outputs: [...new Set([target.output, ...(target.reads ?? [])])], wrtValues: true, overrides: o.overrides, overridesKey: o.overridesKey });
  return c.gradGraph.seedType.dims;
}

export async function capture(model: OnnxModel, feeds: Feeds, target: CamTarget, o: CaptureOptions): Promise<Capture> {
  const layerNames = o.layers.map((l) => l.name);
  const wrt = [...new Set([...layerNames, ...(o.extraWrt ?? [])])];
  if (wrt.length === 0) throw new GradlocError('BAD_INPUT', 'no layer or tensor to differentiate w.r.t.');
  const read = [...new Set([target.output, ...(target.reads ?? [])])];
  const dims = await outputDims(model, feeds, target, wrt, o);
  const run = (seed: Tensor): ReturnType<OnnxModel['vjp']> =>
    model.vjp({ feeds, of: { output: target.output, seed }, wrt, outputs: read, wrtValues: true, overrides: o.overrides, overridesKey: o.overridesKey });
  // A target that needs the outputs first ('auto' class, box matching) gets them from the
  // same gradient session with a zero seed: a second session (the plain forward) would cost
  // as much again in thread-pool hand-over as the run itself (measured: Grad-CAM at 224 px
  // 70 ms with a forward session, 40 ms without).
  const forward: Outputs = target.needsForward ? (await run(tensor('float32', dims))).outputs : {};
  const r = await run(target.seed(forward, dims));
  const layers = o.layers.map((l) => ({
    name: l.name,
    activations: toSpatial(l.name, r.values[l.name], l.tokens),
    gradients: toSpatial(l.name, r.grads[l.name], l.tokens),
  }));
  const extra: Record<string, Tensor> = {};
  const extraValues: Record<string, Tensor> = {};
  for (const name of o.extraWrt ?? []) {
    extra[name] = r.grads[name];
    extraValues[name] = r.values[name];
  }
  return { outputs: r.outputs, scores: target.score(r.outputs), layers, extra, extraValues };
}

/** Forward models that also return intermediate tensors, per (model, names). */
const withOutputsCache = new WeakMap<OnnxModel, Map<string, OnnxModel>>();

/** dtype of each tensor by static inference (float32 where inference cannot tell). */
function dtypesOf(model: OnnxModel, feeds: Feeds, names: readonly string[]): DType[] {
  try {
    const info = inferTypes(model.graph, Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, t.dims])));
    return names.map((n) => info.types.get(n)?.dtype ?? 'float32');
  } catch {
    return names.map(() => 'float32');
  }
}

/** `model` with extra graph outputs (any intermediate tensors), cached; `feeds` tells their types. */
export function withOutputs(model: OnnxModel, names: readonly string[], feeds: Feeds): OnnxModel {
  const missing = names.filter((n) => !model.outputNames.includes(n));
  if (missing.length === 0) return model;
  let byKey = withOutputsCache.get(model);
  if (!byKey) withOutputsCache.set(model, (byKey = new Map()));
  const key = JSON.stringify(missing);
  let m = byKey.get(key);
  if (!m) {
    const g = Graph.fromModel(model.graph.toModel());
    const produced = new Set([...g.nodes.flatMap((n) => n.outputs), ...g.inputs.map((i) => i.name), ...g.initializers.keys()]);
    const dtypes = dtypesOf(model, feeds, missing);
    missing.forEach((name, i) => {
      if (!produced.has(name)) throw new GradlocError('UNKNOWN_TENSOR', `no tensor named '${name}' in the model`);
      g.addOutput(name, dtypes[i]);
    });
    m = Model.fromGraph(g, model.options);
    byKey.set(key, m);
  }
  return m;
}

/** Activations only (one forward pass), for methods that need no gradients. */
export async function captureActivations(model: OnnxModel, feeds: Feeds, target: CamTarget, layers: readonly LayerSpec[]): Promise<Capture> {
  const names = [...new Set([target.output, ...(target.reads ?? []), ...layers.map((l) => l.name)])];
  const out = await withOutputs(model, names, feeds).run(feeds, names);
  return {
    outputs: out,
    scores: target.score(out),
    layers: layers.map((l) => ({ name: l.name, activations: toSpatial(l.name, out[l.name], l.tokens) })),
    extra: {},
    extraValues: {},
  };
}
