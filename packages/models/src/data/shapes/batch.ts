/** Batches of `shapes` scenes as NCHW tensors for training, and their normalisation. */
import { float32, GradlocError, type ChannelNorm, type Tensor } from '@gradloc/tensor-backend';
import type { Rgb } from './palette.js';
import { renderScene } from './scene.js';
import { resolveShapesOptions, type ShapesOptions } from './scene-options.js';
import type { Scene, SceneAnnotation } from './scene-types.js';
import { SHAPES } from './shape-geometry.js';
import { splitSeed, type ShapesSplit } from './splits.js';

export interface ShapesBatch {
  /** [N, 3, H, W] float32 in [0, 1] (not normalised: see normalizeImages(images, SHAPES_NORM) of tensor-backend). */
  readonly images: Tensor<'float32'>;
  /** Annotations of image n at index n. */
  readonly scenes: readonly SceneAnnotation[];
  /** Class of each scene's largest object, an index into SHAPES (the classifier target). */
  readonly labels: readonly number[];
}

/** Scenes of seeds startSeed .. startSeed + count - 1, drawn straight into one batch buffer. */
export function generateBatch(startSeed: number, count: number, opts?: ShapesOptions): ShapesBatch {
  const o = resolveShapesOptions(opts);
  const per = 3 * o.size * o.size;
  const data = new Float32Array(count * per);
  const scenes: SceneAnnotation[] = [];
  for (let n = 0; n < count; n++) {
    const { image: _image, ...annotation } = renderScene(startSeed + n, o, data.subarray(n * per, (n + 1) * per));
    scenes.push(annotation);
  }
  const labels = scenes.map((s) => SHAPES.indexOf(s.objects[s.largest].shape));
  return { images: float32([count, 3, o.size, o.size], data), scenes, labels };
}

/** Scenes `startIndex .. startIndex + count - 1` of a split (range-checked against the split). */
export function generateSplitBatch(split: ShapesSplit, startIndex: number, count: number, opts?: ShapesOptions): ShapesBatch {
  if (count > 0) splitSeed(split, startIndex + count - 1);
  return generateBatch(splitSeed(split, startIndex), count, opts);
}

/** Stacks scene images (CHW, all the same size) into one [N, 3, H, W] tensor. */
export function toNCHW(scenes: readonly Pick<Scene, 'image' | 'width' | 'height'>[]): Tensor<'float32'> {
  if (scenes.length === 0) throw new GradlocError('BAD_INPUT', 'toNCHW needs at least one scene');
  const { width, height } = scenes[0];
  const per = 3 * width * height;
  const data = new Float32Array(scenes.length * per);
  scenes.forEach((s, n) => {
    if (s.width !== width || s.height !== height) {
      throw new GradlocError('SHAPE_MISMATCH', `toNCHW: scene ${n} is ${s.width}x${s.height}, scene 0 is ${width}x${height}`);
    }
    data.set(s.image, n * per);
  });
  return float32([scenes.length, 3, height, width], data);
}

/**
 * Per-channel mean and standard deviation of the default generator's pixels, measured over
 * the first 2000 training scenes (rounded); packages/models/test/shapes-batch.test.ts re-measures them.
 */
export const SHAPES_MEAN: Rgb = [0.382, 0.37, 0.362];
export const SHAPES_STD: Rgb = [0.182, 0.16, 0.169];

/** The shapes scenes' standardisation, for tensor-backend's normalizeImages. */
export const SHAPES_NORM: ChannelNorm = { mean: SHAPES_MEAN, std: SHAPES_STD };
