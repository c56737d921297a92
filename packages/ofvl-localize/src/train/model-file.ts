/** A training result as a self-describing deployed model (graph + `gradloc.ofvl` metadata). */
import type { Graph } from '@gradloc/tensor-backend';
import type { SceneSource } from '../data/frame.js';
import { scaleIntrinsics } from '../data/rgbd/camera.js';
import { writeMetadata, type DataDescriptor } from '../model/metadata.js';
import type { TrainResult } from './train.js';

export function modelGraph(result: TrainResult, scenes: readonly SceneSource[], data?: DataDescriptor): Graph {
  const g = result.graph.clone();
  const { width, height } = result.network;
  writeMetadata(g, {
    version: 1,
    network: result.network,
    sharing: result.sharing,
    shared: result.shared,
    scenes: scenes.map((s) => ({ name: s.name, intrinsics: scaleIntrinsics(s.intrinsics, width, height), ...(s.plan ? { plan: s.plan } : {}) })),
    ...(data ? { data } : {}),
  });
  return g;
}
