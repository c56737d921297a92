/**
 * What a deployed OFVL model file says about itself (ONNX metadata `gradloc.ofvl`, JSON):
 * the network, the scenes with their cameras, which layers are shared, and where its data
 * comes from, so evaluation can regenerate the synthetic rooms it was trained on.
 */
import { GradlocError, type Graph } from '@gradloc/tensor-backend';
import type { Intrinsics } from '../geometry/pose.js';
import type { FloorPlan } from '../data/frame.js';
import type { NetworkSpec, Sharing } from './config.js';

export const OFVL_META = 'gradloc.ofvl';

/** Where the scenes' frames come from. */
export type DataDescriptor =
  | { readonly kind: 'synthetic'; readonly seed: number; readonly rooms: number; readonly train: number; readonly test: number }
  | { readonly kind: 'folder'; readonly format: '7scenes' | '12scenes'; readonly root: string };

export interface SceneInfo {
  readonly name: string;
  readonly intrinsics: Intrinsics;
  readonly plan?: FloorPlan;
}

export interface OfvlMetadata {
  readonly version: 1;
  readonly network: NetworkSpec;
  readonly sharing: Sharing;
  /** Per conv layer: read the shared weight (true) or each scene's own. */
  readonly shared: readonly boolean[];
  readonly scenes: readonly SceneInfo[];
  readonly data?: DataDescriptor;
}

export function writeMetadata(g: Graph, meta: OfvlMetadata): void {
  const value = JSON.stringify(meta);
  const existing = g.metadata.find((p) => p.key === OFVL_META);
  if (existing) existing.value = value;
  else g.metadata.push({ key: OFVL_META, value });
}

export function readMetadata(g: Graph, where: string): OfvlMetadata {
  const raw = g.metadata.find((p) => p.key === OFVL_META)?.value;
  if (!raw) throw new GradlocError('BAD_MODEL', `${where} is not an OFVL localization model (no '${OFVL_META}' metadata)`);
  let meta: OfvlMetadata;
  try {
    meta = JSON.parse(raw) as OfvlMetadata;
  } catch {
    throw new GradlocError('BAD_MODEL', `${where}: '${OFVL_META}' metadata is not JSON`);
  }
  if (meta.version !== 1 || !Array.isArray(meta.scenes) || !Array.isArray(meta.shared)) throw new GradlocError('BAD_MODEL', `${where}: unsupported '${OFVL_META}' metadata`);
  return meta;
}

/** Trained parameters a graph stores (float initializers of rank >= 1, BatchNorm running statistics excluded). */
export function storedParameters(g: Graph): number {
  let n = 0;
  for (const [name, t] of g.initializers) {
    if ((t.data_type === 1 || t.data_type === 11) && t.dims.length > 0 && !/\.running_(mean|var)$/.test(name)) n += t.dims.reduce((a, b) => a * Number(b), 1);
  }
  return n;
}
