/**
 * Evaluation of a localizer on held-out frames: per scene, network + PnP-RANSAC on every test
 * frame (or the first N), errors against the true poses, the 7-Scenes metrics.
 */
import { GradlocError } from '@gradloc/tensor-backend';
import { poseError, type PoseError } from '../geometry/pose.js';
import type { SceneSource, Split } from '../data/frame.js';
import type { PnpOptions } from '../pnp/index.js';
import type { Localizer } from '../localize/localizer.js';
import { meanMetrics, sceneMetrics, type SceneMetrics } from './metrics.js';

export interface EvaluateOptions {
  /** Only these scenes (default every scene the model and the data share). */
  readonly scenes?: readonly string[];
  /** At most this many frames per scene, spread evenly over the split (default all). */
  readonly maxFrames?: number;
  /** Default 'test'. */
  readonly split?: Split;
  /** Frames per network run (default 8). */
  readonly batch?: number;
  readonly pnp?: PnpOptions;
  readonly onProgress?: (p: { readonly scene: string; readonly done: number; readonly total: number }) => void;
}

export interface Evaluation {
  readonly scenes: readonly SceneMetrics[];
  readonly mean: Omit<SceneMetrics, 'scene'>;
  /** Mean wall time per frame (network + PnP), milliseconds. */
  readonly msPerFrame: number;
  readonly parameters: number;
}

/** `count` indices spread evenly over [0, total). */
export const spreadIndices = (total: number, count: number): number[] =>
  count >= total ? Array.from({ length: total }, (_, i) => i) : Array.from({ length: count }, (_, i) => Math.floor(((i + 0.5) * total) / count));

export async function evaluateLocalizer(localizer: Localizer, sources: readonly SceneSource[], opts: EvaluateOptions = {}): Promise<Evaluation> {
  const split = opts.split ?? 'test';
  const wanted = opts.scenes ?? localizer.scenes;
  for (const s of wanted) localizer.scene(s);
  const batch = opts.batch ?? 8;
  const results: SceneMetrics[] = [];
  let frames = 0;
  let ms = 0;
  for (const scene of wanted) {
    const source = sources.find((s) => s.name === scene);
    if (!source) throw new GradlocError('BAD_INPUT', `no data for scene '${scene}' (data has ${sources.map((s) => s.name).join(', ')})`);
    const indices = spreadIndices(source.count[split], opts.maxFrames ?? Infinity);
    const errors: PoseError[] = [];
    for (let k = 0; k < indices.length; k += batch) {
      const chunk = await Promise.all(indices.slice(k, k + batch).map((i) => source.frame(split, i)));
      const t0 = performance.now();
      const preds = await localizer.predict(chunk.map((f) => f.image), scene);
      for (const [n, p] of preds.entries()) {
        // a frame without a pose counts as a miss (infinite error), as a failed relocalization
        const r = await localizer.tryPoseOf(p, scene, opts.pnp);
        errors.push(r ? poseError(r.pose, chunk[n].pose) : { translationCm: Infinity, rotationDeg: Infinity });
      }
      ms += performance.now() - t0;
      frames += chunk.length;
      opts.onProgress?.({ scene, done: errors.length, total: indices.length });
    }
    results.push(sceneMetrics(scene, errors));
  }
  return { scenes: results, mean: meanMetrics(results), msPerFrame: ms / Math.max(1, frames), parameters: localizer.parameters };
}
