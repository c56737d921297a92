/**
 * The shapes classifiers' held-out metric: top-1 accuracy on the first N scenes of a split,
 * label = SHAPES index of the largest object. Training (validation and the card's test number)
 * and `evaluateModel` share it, so the card's accuracy comes back exactly.
 */
import { accuracy, normalizeImages, tensor, type Feeds, type OnnxModel, type Tensor } from '@gradloc/tensor-backend';
import { generateSplitBatch, SHAPES_NORM, type SceneAnnotation, type ShapesOptions, type ShapesSplit } from '../data/shapes/index.js';

/** Scenes per inference batch when scoring (memory only: the count does not change results). */
const EVAL_BATCH = 100;

export interface ClassifierBatch {
  /** `input`: normalised images [N, 3, H, W]; `labels`: int64 [N] largest-shape classes. */
  readonly feeds: Feeds;
  readonly scenes: readonly SceneAnnotation[];
}

/** Scenes `start .. start + count - 1` of a split as a classifier's feeds (normalised with SHAPES_MEAN / SHAPES_STD). */
export function classifierBatch(split: ShapesSplit, start: number, count: number, scenes?: ShapesOptions): ClassifierBatch {
  const batch = generateSplitBatch(split, start, count, scenes);
  return { feeds: { input: normalizeImages(batch.images, SHAPES_NORM), labels: tensor('int64', [batch.labels.length], batch.labels) }, scenes: batch.scenes };
}

/** Accuracy over scenes 0..samples-1 of a split; `logitsOf` runs one batch of classifierBatch feeds. */
export async function splitAccuracy(split: ShapesSplit, samples: number, logitsOf: (feeds: Feeds) => Promise<Tensor>): Promise<number> {
  let correct = 0;
  for (let start = 0; start < samples; start += EVAL_BATCH) {
    const { feeds } = classifierBatch(split, start, Math.min(EVAL_BATCH, samples - start));
    const rows = feeds.labels.dims[0];
    // accuracy() is a fraction: back to a count so batches of any size add up exactly
    correct += Math.round(accuracy(await logitsOf(feeds), feeds.labels) * rows);
  }
  return samples > 0 ? correct / samples : 0;
}

/** The card's metric: test accuracy of a classifier taking `input` and returning `logits`. */
export function testAccuracy(model: OnnxModel, samples: number): Promise<number> {
  return splitAccuracy('test', samples, async ({ input }) => (await model.run({ input }, ['logits'])).logits);
}
