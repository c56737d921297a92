/**
 * The scene-coordinate network as ONNX graphs.
 *
 * Training: one graph per scene. Under 'adaptive' sharing each conv reads
 * W = m W_shared + (1 - m) W_scene with m = thresholdMask(score) (1 while score <= 0.5,
 * straight-through gradient to the score), OFVL-MS's layer-wise policy; BatchNorm and head
 * always belong to the scene.
 *
 * Deployed: ONE graph for all scenes, each scene a branch from the same `image` input to
 * `coords.<scene>` / `uncertainty.<scene>`; a layer's weight is the shared initializer when the
 * layer ended up shared, else the scene's, so the file stores exactly shared + per-scene
 * parameters, and onnxruntime computes only the branch of the outputs asked for.
 */
import { Emit, Graph, GraphBuilder, GradlocError, tensorToProto, thresholdMask, type Tensor } from '@gradloc/tensor-backend';
import { gridOf, type NetworkSpec, type Sharing } from './config.js';
import { coordsOutput, SCENE_NAME, sceneHead, sceneNorm, sceneWeight, sharedWeight, sharingScore, uncertaintyOutput } from './names.js';
import type { ParameterStore } from './params.js';

/** The threshold of the sharing score: a layer is shared while its score is at most this. */
export const SHARE_THRESHOLD = 0.5;

export const IMAGE_INPUT = 'image';

/** How one layer's conv weight is formed in a graph. */
type LayerWeight = { readonly kind: 'mixed' } | { readonly kind: 'param'; readonly name: string };

class Builder {
  readonly g: Graph;
  readonly b: GraphBuilder;
  readonly emit: Emit;
  private readonly added = new Set<string>();

  constructor(name: string, private readonly store: ParameterStore) {
    this.g = Graph.create(17, name);
    this.b = new GraphBuilder(this.g);
    this.emit = new Emit(this.b, 17);
  }

  /** The parameter `name` from the store, added once however many branches read it. */
  param(name: string): string {
    if (!this.added.has(name)) {
      const t: Tensor | undefined = this.store.get(name);
      if (!t) throw new GradlocError('BAD_MODEL', `no parameter '${name}'`);
      this.b.reserve(name);
      this.g.initializers.set(name, tensorToProto(name, t));
      this.added.add(name);
    }
    return name;
  }
}

function convWeight(x: Builder, spec: NetworkSpec, scene: string, layer: number, how: LayerWeight): string {
  if (how.kind === 'param') return x.param(how.name);
  const m = thresholdMask(x.b, x.param(sharingScore(layer)), SHARE_THRESHOLD, 'float32', `layers.${layer}.mask`);
  const shared = x.b.op('Mul', [x.param(sharedWeight(layer)), m]);
  const own = x.b.op('Mul', [x.param(sceneWeight(scene, layer)), x.b.op('Sub', [x.b.scalar(1, 'float32', 'one'), m])]);
  return x.b.op('Add', [shared, own], {}, { outputs: [x.b.fresh(`${scene}.layers.${layer}.mixed`)] });
}

/** Appends one scene's branch from `image`; returns its coords and uncertainty tensors. */
function branch(x: Builder, spec: NetworkSpec, scene: string, weights: readonly LayerWeight[], outputs: { coords: string; uncertainty: string }): void {
  let h = IMAGE_INPUT;
  spec.layers.forEach((l, i) => {
    const pad = (l.dilation * (l.k - 1)) / 2;
    const conv = x.b.op('Conv', [h, convWeight(x, spec, scene, i, weights[i])], { kernel_shape: [l.k, l.k], strides: [l.stride, l.stride], pads: [pad, pad, pad, pad], dilations: [l.dilation, l.dilation] });
    const bn = x.b.op(
      'BatchNormalization',
      [conv, ...(['weight', 'bias', 'running_mean', 'running_var'] as const).map((w) => x.param(sceneNorm(scene, i, w)))],
      { epsilon: 1e-5 },
      { outputs: [x.b.fresh(`${scene}.layers.${i}.bn`)] },
    );
    h = x.b.op('Relu', [bn]);
  });
  const conv1 = (input: string, k: 1 | 2): string => x.b.op('Conv', [input, x.param(sceneHead(scene, k, 'weight')), x.param(sceneHead(scene, k, 'bias'))], { kernel_shape: [1, 1] });
  const out = conv1(x.b.op('Relu', [conv1(h, 1)]), 2);
  x.b.op('Identity', [x.emit.slice(out, [0], [3], [1])], {}, { outputs: [outputs.coords] });
  x.b.op('Sigmoid', [x.emit.slice(out, [3], [4], [1])], {}, { outputs: [outputs.uncertainty] });
}

function addImage(x: Builder, spec: NetworkSpec): void {
  x.b.input(IMAGE_INPUT, 'float32', ['batch', 3, spec.height, spec.width]);
}

function checkScene(scene: string): void {
  if (!SCENE_NAME.test(scene)) throw new GradlocError('BAD_INPUT', `scene name '${scene}' must be letters, digits, '-' or '_' (segments joined by '/', as in apt1/kitchen)`);
}

/** Per-layer decisions already taken: true reads the shared weight, false the scene's own. */
export type LayerDecisions = readonly boolean[];

const layerWeight = (sharing: Sharing | LayerDecisions, scene: string, i: number): LayerWeight => {
  if (sharing === 'adaptive') return { kind: 'mixed' };
  const shared = typeof sharing === 'string' ? sharing === 'shared' : sharing[i];
  return { kind: 'param', name: shared ? sharedWeight(i) : sceneWeight(scene, i) };
};

/**
 * One scene's training-form forward graph (inference-mode BatchNorms; the trainer switches
 * them to batch statistics): `image` [B, 3, H, W] in [-1, 1] -> `coords` [B, 3, rows, cols]
 * (metres), `uncertainty` [B, 1, rows, cols] (sigma in (0, 1) m). `sharing` is a policy, or
 * the decisions of a trained model (a new scene joining it).
 */
export function sceneGraph(spec: NetworkSpec, scene: string, sharing: Sharing | LayerDecisions, store: ParameterStore): Graph {
  checkScene(scene);
  const { rows, cols } = gridOf(spec);
  const x = new Builder(`ofvl.${scene}`, store);
  addImage(x, spec);
  if (typeof sharing !== 'string' && sharing.length !== spec.layers.length) throw new GradlocError('BAD_INPUT', `${sharing.length} sharing decisions for ${spec.layers.length} layers`);
  branch(x, spec, scene, spec.layers.map((_, i) => layerWeight(sharing, scene, i)), { coords: 'coords', uncertainty: 'uncertainty' });
  x.b.output('coords', 'float32', ['batch', 3, rows, cols]);
  x.b.output('uncertainty', 'float32', ['batch', 1, rows, cols]);
  return x.g;
}

/**
 * The deployed model: every scene's branch in one graph. `shared[i]` says whether layer i
 * reads `layers.<i>.shared` (in every scene) or each scene's own weight.
 */
export function deployGraph(spec: NetworkSpec, scenes: readonly string[], shared: LayerDecisions, store: ParameterStore): Graph {
  if (shared.length !== spec.layers.length) throw new GradlocError('BAD_INPUT', `${shared.length} sharing decisions for ${spec.layers.length} layers`);
  const { rows, cols } = gridOf(spec);
  const x = new Builder('ofvl', store);
  addImage(x, spec);
  for (const scene of scenes) {
    checkScene(scene);
    branch(x, spec, scene, shared.map((_, i) => layerWeight(shared, scene, i)), { coords: coordsOutput(scene), uncertainty: uncertaintyOutput(scene) });
    x.b.output(coordsOutput(scene), 'float32', ['batch', 3, rows, cols]);
    x.b.output(uncertaintyOutput(scene), 'float32', ['batch', 1, rows, cols]);
  }
  return x.g;
}
