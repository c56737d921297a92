/**
 * The model-randomisation sanity check (Adebayo et al. 2018, "Sanity Checks for Saliency
 * Maps"), cascading version: the model's weights are re-drawn at random one layer at a time,
 * from the output end toward the input, cumulatively, and after each step the same method
 * explains the same images again. A method whose maps depend on what the model learned gives
 * maps that decorrelate from the original as more layers are randomised; a method whose maps
 * stay put (an edge detector in disguise) fails the check.
 *
 * Choices:
 * - layers: the float initializers grouped by the node that consumes them, in the graph's node
 *   order read backwards (the last node first). An initializer read by several nodes belongs to
 *   its last consumer (it is randomised when the cascade first reaches it). Nodes without a
 *   randomisable initializer are no step. So a Conv with weight and bias is one step, and a
 *   torch-exported Linear (MatMul, then Add of the bias) is two, bias first;
 * - which initializers are weights (default rule): float32/float64 tensors with at least 2
 *   elements (scalars are epsilons, exponents and clip bounds, not learned weights), except
 *   inputs that shape the computation rather than weight it (Resize/Upsample roi and scales,
 *   Range bounds, Pad pads/value, Clip bounds); float16 weights are skipped (re-encoding
 *   them is not supported here). `include` replaces this rule;
 * - new values: N(mean, std^2) with the original tensor's own mean and (population) std, so
 *   each layer keeps its scale and the activations stay in range; drawn from the project's
 *   PRNG (rng(seed), default seed 0), groups in cascade order, elements in storage order.
 *   BatchNormalization's running variance (input 4) takes the absolute value of its draw,
 *   since a negative variance would make the layer NaN;
 * - the randomised models are built on one deep copy of the model (structuredClone of its
 *   ModelProto, Graph.fromModel), replacing initializers with new TensorProtos (tensorToProto),
 *   never mutating the original; each step's OnnxModel is released after use;
 * - the target is frozen on the ORIGINAL model's outputs, so every step explains the class
 *   the original map explains (an 'auto' class would otherwise follow the random model's
 *   prediction);
 * - similarity: Spearman rank correlation (rank-correlation.ts) between each item's original
 *   map and its map at each step, over all H x W pixels; the maps are already non-negative, so
 *   the paper's with/without absolute value variants coincide. SSIM is not computed.
 *   Step 0 explains an unmodified copy, so it checks the copy and the method's determinism:
 *   its correlation is 1 for deterministic methods. A constant map (no ranking) gives NaN,
 *   which propagates to the step's mean.
 */
import { Graph, OnnxModel, randn, rng, tensorFromProto, tensorToProto, type Node, type Tensor } from '@gradloc/tensor-backend';
import { withOutputs } from '../capture.js';
import type { CamMethod, CamResult, ExplainRequest } from '../cam/base-cam.js';
import { mapOf } from './common.js';
import { spearman } from './rank-correlation.js';

/** Decides whether `name`, read as input `inputIndex` of `consumer`, is a weight to randomise. */
export type RandomizeFilter = (name: string, consumer: Node, inputIndex: number, value: Tensor) => boolean;

/** Inputs that configure an op rather than weight it (by op type, input positions). */
const STRUCTURAL_INPUTS: Readonly<Record<string, readonly number[]>> = {
  Resize: [1, 2, 3],
  Upsample: [1],
  Range: [0, 1, 2],
  Pad: [1, 2, 3],
  Clip: [1, 2],
};

export const defaultRandomizeFilter: RandomizeFilter = (_name, consumer, inputIndex, value) =>
  (value.dtype === 'float32' || value.dtype === 'float64') && value.data.length >= 2 && !(STRUCTURAL_INPUTS[consumer.op] ?? []).includes(inputIndex);

export interface RandomizationGroup {
  /** The consuming node's name (or its description when unnamed). */
  readonly node: string;
  readonly op: string;
  /** Initializers randomised at this step. */
  readonly initializers: readonly string[];
}

/** The cascade's steps: weight initializers grouped by consumer, last node first. */
export function randomizationGroups(graph: Graph, include: RandomizeFilter = defaultRandomizeFilter): RandomizationGroup[] {
  const seen = new Set<string>();
  const groups: RandomizationGroup[] = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i];
    const names: string[] = [];
    node.inputs.forEach((name, k) => {
      const proto = graph.initializers.get(name);
      if (!name || !proto || seen.has(name)) return;
      seen.add(name); // decided at its last consumer, included or not
      if ([1, 11].includes(proto.data_type ?? 1) && include(name, node, k, tensorFromProto(proto))) names.push(name);
    });
    if (names.length > 0) groups.push({ node: node.name || node.describe(), op: node.op, initializers: names });
  }
  return groups;
}

/** N(mean, std^2) draws with the tensor's own mean and population std. */
export function randomLike(t: Tensor, rand: () => number, positive = false): Tensor {
  const n = t.data.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += Number(t.data[i]);
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (Number(t.data[i]) - mean) ** 2;
  const std = Math.sqrt(v / n);
  const r = randn(t.dtype === 'float64' ? 'float64' : 'float32', t.dims, rand, std, mean);
  if (positive) for (let i = 0; i < n; i++) (r.data as Float32Array | Float64Array)[i] = Math.abs(Number(r.data[i]));
  return r;
}

export interface RandomizationOptions {
  /** Seed of the random weights (default 0). */
  readonly seed?: number;
  /** Randomise only the first `maxSteps` groups from the output end (default: all). */
  readonly maxSteps?: number;
  /** Which initializers are weights (default: defaultRandomizeFilter). */
  readonly include?: RandomizeFilter;
}

export interface RandomizationStep {
  /** 0 = the unmodified copy; k = the first k groups randomised. */
  readonly step: number;
  /** The group randomised at this step (undefined at step 0). */
  readonly group?: RandomizationGroup;
  /** Per item, Spearman's rho between the original map and this step's. */
  readonly spearman: Float64Array;
  /** Mean over items (NaN if any item's is). */
  readonly meanSpearman: number;
  /** This step's maps. */
  readonly result: CamResult;
}

export interface RandomizationResult {
  /** The explanation on the original model (target frozen). */
  readonly original: CamResult;
  readonly groups: readonly RandomizationGroup[];
  /** Step 0 .. groups.length. */
  readonly steps: readonly RandomizationStep[];
}

/** Cascading model randomisation: re-explains after each layer's weights are re-drawn. */
export async function cascadingRandomization(method: CamMethod, request: ExplainRequest, options: RandomizationOptions = {}): Promise<RandomizationResult> {
  const names = [...new Set([request.target.output, ...(request.target.reads ?? [])])];
  const outputs = await withOutputs(request.model, names, request.feeds).run(request.feeds, names);
  const base: ExplainRequest = { ...request, target: request.target.freeze(outputs) };
  const original = await method.explain(base);
  // one deep copy, so nothing below can reach the caller's model's protos
  const graph = Graph.fromModel(structuredClone(request.model.graph.toModel()));
  const groups = randomizationGroups(graph, options.include ?? defaultRandomizeFilter).slice(0, options.maxSteps ?? Infinity);
  const consumers = graph.consumers();
  const rand = rng(options.seed ?? 0);
  const steps: RandomizationStep[] = [];
  for (let step = 0; step <= groups.length; step++) {
    const group = step === 0 ? undefined : groups[step - 1];
    for (const name of group?.initializers ?? []) {
      const proto = graph.initializers.get(name)!;
      const variance = (consumers.get(name) ?? []).some((n) => n.op === 'BatchNormalization' && n.inputs[4] === name);
      // a new TensorProto, not an in-place edit: models built at earlier steps share the old protos
      graph.initializers.set(name, tensorToProto(name, randomLike(tensorFromProto(proto), rand, variance)));
    }
    const model = OnnxModel.fromGraph(graph, request.model.options);
    try {
      const result = await method.explain({ ...base, model });
      const rho = Float64Array.from({ length: original.batch }, (_, b) => spearman(mapOf(original, b), mapOf(result, b)));
      steps.push({ step, group, spearman: rho, meanSpearman: rho.reduce((a, v) => a + v, 0) / rho.length, result });
    } finally {
      await model.release();
    }
  }
  return { original, groups, steps };
}
