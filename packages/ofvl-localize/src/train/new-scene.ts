/**
 * New-scene mode: a trained model learns one more scene with everything it shares frozen.
 * The new scene gets its own weights for the layers the model keeps per scene, its own
 * BatchNorms and head; shared layers are read as they are and never updated, so the old
 * scenes' predictions do not change at all (their branches read only frozen or their own
 * parameters). The new scene's parameters start as copies of `like`'s (default the first
 * scene's), a warm start, with the head's coordinate bias moved to the new scene's centre.
 */
import { GradlocError, tensorFromProto, type Graph } from '@gradloc/tensor-backend';
import type { SceneSource } from '../data/frame.js';
import { scaleIntrinsics } from '../data/rgbd/camera.js';
import { readMetadata, writeMetadata, type DataDescriptor } from '../model/metadata.js';
import { sceneHead } from '../model/names.js';
import { deployGraph } from '../model/network.js';
import type { ParameterStore } from '../model/params.js';
import { meanTarget, sampleOf, type Sample } from './samples.js';
import { trainOfvl, type TrainOptions, type TrainResult } from './train.js';

export interface AddSceneOptions extends Omit<TrainOptions, 'scenes' | 'network' | 'sharing' | 'normalize' | 'penalty' | 'from'> {
  /** The scene whose parameters the new scene starts from (default the model's first). */
  readonly like?: string;
  /** The data descriptor of the extended model (default: the model's, which may not cover the new scene). */
  readonly data?: DataDescriptor;
}

export interface AddSceneResult extends TrainResult {
  /** The deployed model with every old scene and the new one, metadata included. */
  readonly model: Graph;
}

/** Mean scene coordinate over a few training frames (the head bias's starting point). */
async function centreOf(source: SceneSource, model: Graph): Promise<[number, number, number]> {
  const network = readMetadata(model, source.name).network;
  const samples: Sample[] = [];
  for (let i = 0; i < Math.min(20, source.count.train); i++) samples.push(sampleOf(await source.frame('train', i), network));
  const centre = meanTarget(samples);
  if (!centre) throw new GradlocError('BAD_INPUT', `scene '${source.name}': no valid scene coordinates in its first training frames`);
  return centre;
}

export async function addScene(model: Graph, source: SceneSource, opts: AddSceneOptions = {}): Promise<AddSceneResult> {
  const meta = readMetadata(model, 'the model');
  const scenes = meta.scenes.map((s) => s.name);
  if (scenes.includes(source.name)) throw new GradlocError('BAD_INPUT', `the model already has a scene '${source.name}'`);
  const like = opts.like ?? scenes[0];
  if (!scenes.includes(like)) throw new GradlocError('BAD_INPUT', `unknown scene '${like}' (this model knows ${scenes.join(', ')})`);
  const store: ParameterStore = new Map();
  for (const [name, proto] of model.initializers) store.set(name, tensorFromProto(proto));
  for (const [name, t] of [...store]) if (name.startsWith(`${like}.`)) store.set(`${source.name}.${name.slice(like.length + 1)}`, { ...t, data: t.data.slice() });
  const centre = await centreOf(source, model);
  const bias = store.get(sceneHead(source.name, 2, 'bias'))!;
  const b = bias.data.slice() as Float32Array;
  b.set(centre);
  store.set(sceneHead(source.name, 2, 'bias'), { ...bias, data: b });
  const prefix = `${source.name}.`;
  const result = await trainOfvl({ ...opts, scenes: [source], network: meta.network, sharing: meta.sharing, from: { store, shared: meta.shared, train: (name) => name.startsWith(prefix) } });
  const all = deployGraph(meta.network, [...scenes, source.name], meta.shared, store);
  const { width, height } = meta.network;
  writeMetadata(all, {
    ...meta,
    scenes: [...meta.scenes, { name: source.name, intrinsics: scaleIntrinsics(source.intrinsics, width, height), ...(source.plan ? { plan: source.plan } : {}) }],
    ...(opts.data ? { data: opts.data } : {}),
  });
  return { ...result, model: all };
}
