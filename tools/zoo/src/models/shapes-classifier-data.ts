/**
 * The data side of the shapes classifiers: batches of normalised scenes with largest-shape
 * labels, the training stream, and accuracy over a split's first scenes (the card's metric).
 */
import { accuracy, tensor, type Feeds, type OnnxModel, type Tensor } from '@gradloc/tensor-backend';
import { generateSplitBatch, normalizeImages, SHAPES_SPLITS, type ShapesOptions, type ShapesSplit } from '../data/shapes/index.js';
import { AUX_TARGETS } from './common/aux-patch-loss.js';
import { grounderTargets } from './grounder/targets.js';

/** Scenes per inference batch when scoring (memory stays small; the count does not change results). */
export const EVAL_BATCH = 100;
/** Each seed reads its own stretch of the train split, so seeds differ in data as well as init. */
const TRAIN_SCENES_PER_SEED = 1_000_000;

const labelTensor = (labels: readonly number[]): Tensor<'int64'> => tensor('int64', [labels.length], labels);

/** Normalised images (`input`) and largest-shape `labels` of scenes `start .. start + count - 1` of a split. */
export function shapesFeeds(split: ShapesSplit, start: number, count: number, scenes?: ShapesOptions, auxGrid?: number): Feeds {
  const { images, labels, scenes: annotations } = generateSplitBatch(split, start, count, scenes);
  const aux: Feeds = auxGrid ? { [AUX_TARGETS]: grounderTargets(annotations, auxGrid).cls_targets } : {};
  return { input: normalizeImages(images), labels: labelTensor(labels), ...aux };
}

export const firstTrainScene = (seed: number): number => (seed * TRAIN_SCENES_PER_SEED) % SHAPES_SPLITS.train.count;

export interface SceneCurriculum {
  /** The first `steps` batches ... */
  readonly steps: number;
  /** ... are drawn with these options. */
  readonly scenes: ShapesOptions;
}

/** `count` batches of `batch` consecutive train scenes from the seed's first one. */
export function* trainStream(seed: number, batch: number, count: number, curriculum?: SceneCurriculum, auxGrid?: number): Generator<Feeds> {
  for (let s = 0; s < count; s++) {
    yield shapesFeeds('train', firstTrainScene(seed) + s * batch, batch, curriculum && s < curriculum.steps ? curriculum.scenes : undefined, auxGrid);
  }
}

/** Accuracy over scenes 0..samples-1 of a split; `logitsOf` runs one batch. */
export async function splitAccuracy(split: ShapesSplit, samples: number, logitsOf: (feeds: Feeds) => Promise<Tensor>): Promise<number> {
  let correct = 0;
  for (let start = 0; start < samples; start += EVAL_BATCH) {
    const feeds = shapesFeeds(split, start, Math.min(EVAL_BATCH, samples - start));
    const rows = feeds.labels.dims[0];
    // accuracy() is a fraction: back to a count so batches of any size add up exactly
    correct += Math.round(accuracy(await logitsOf(feeds), feeds.labels) * rows);
  }
  return samples > 0 ? correct / samples : 0;
}

/** The card's metric: test accuracy of a forward model (shared by training and `evaluate`). */
export function testAccuracy(model: OnnxModel, samples: number): Promise<number> {
  return splitAccuracy('test', samples, async ({ input }) => (await model.run({ input }, ['logits'])).logits);
}
