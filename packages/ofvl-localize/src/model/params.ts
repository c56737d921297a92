/**
 * Initial parameters of every scene graph, drawn once so that a name several graphs share
 * starts as one value. Shared and per-scene weights are independent He-normal draws: two
 * identical copies would give the sharing score zero gradient (dL/ds = <dL/dW, W_shared -
 * W_scene>) until they drift apart. Scores start U[0, 1) as in UFVL-Net, so about half the
 * layers start shared.
 */
import { float32, randn, rng, type Rand, type Tensor } from '@gradloc/tensor-backend';
import type { NetworkSpec } from './config.js';
import { sceneHead, sceneNorm, sceneWeight, sharedWeight, sharingScore } from './names.js';
import type { Vec3 } from '../geometry/pose.js';

export type ParameterStore = Map<string, Tensor>;

/** Per-scene draws come from their own stream, so adding a scene leaves the others' values alone. */
const sceneRand = (seed: number, scene: string): Rand => rng([...scene].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, seed >>> 0 || 1));

const he = (dims: readonly number[], rand: Rand): Tensor => randn('float32', dims, rand, Math.sqrt(2 / (dims[1] * dims[2] * dims[3])));

export const convDims = (spec: NetworkSpec, layer: number): number[] => {
  const l = spec.layers[layer];
  return [l.cout, layer === 0 ? 3 : spec.layers[layer - 1].cout, l.k, l.k];
};

/** The shared conv weights and scores. */
export function sharedParameters(spec: NetworkSpec, seed: number): ParameterStore {
  const rand = rng(seed);
  const store: ParameterStore = new Map();
  spec.layers.forEach((_, i) => {
    store.set(sharedWeight(i), he(convDims(spec, i), rand));
    store.set(sharingScore(i), float32([1], [rand()]));
  });
  return store;
}

/**
 * One scene's own parameters: its conv weights, BatchNorms (scale 1, shift 0, running
 * statistics 0/1) and head, whose coordinate bias starts at the scene's centre so the first
 * steps do not spend themselves moving the output metres away.
 */
export function sceneParameters(spec: NetworkSpec, scene: string, seed: number, centre: Vec3): ParameterStore {
  const rand = sceneRand(seed, scene);
  const store: ParameterStore = new Map();
  spec.layers.forEach((l, i) => {
    store.set(sceneWeight(scene, i), he(convDims(spec, i), rand));
    store.set(sceneNorm(scene, i, 'weight'), float32([l.cout], new Float32Array(l.cout).fill(1)));
    store.set(sceneNorm(scene, i, 'bias'), float32([l.cout]));
    store.set(sceneNorm(scene, i, 'running_mean'), float32([l.cout]));
    store.set(sceneNorm(scene, i, 'running_var'), float32([l.cout], new Float32Array(l.cout).fill(1)));
  });
  const c = spec.layers[spec.layers.length - 1].cout;
  store.set(sceneHead(scene, 1, 'weight'), he([spec.headHidden, c, 1, 1], rand));
  store.set(sceneHead(scene, 1, 'bias'), float32([spec.headHidden]));
  store.set(sceneHead(scene, 2, 'weight'), randn('float32', [4, spec.headHidden, 1, 1], rand, 0.01));
  store.set(sceneHead(scene, 2, 'bias'), float32([4], [centre[0], centre[1], centre[2], 0]));
  return store;
}

/** Parameters with 'running_' in the name are BatchNorm statistics, not trained. */
export const isStatistic = (name: string): boolean => /\.running_(mean|var)$/.test(name);
