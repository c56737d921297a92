/**
 * The training side of the shapes classifiers: feeds with optional patch targets, and the
 * training stream. The held-out accuracy (the card's metric) is @gradloc/models'.
 */
import type { Feeds } from '@gradloc/tensor-backend';
import { classifierBatch, SHAPES_SPLITS, type ShapesOptions, type ShapesSplit } from '@gradloc/models';
import { AUX_TARGETS } from './common/aux-patch-loss.js';
import { grounderTargets } from './grounder/targets.js';

/** Each seed reads its own stretch of the train split, so seeds differ in data as well as init. */
const TRAIN_SCENES_PER_SEED = 1_000_000;

/** Normalised images (`input`) and largest-shape `labels` of scenes `start .. start + count - 1` of a split, plus patch targets for an aux head. */
export function shapesFeeds(split: ShapesSplit, start: number, count: number, scenes?: ShapesOptions, auxGrid?: number): Feeds {
  const { feeds, scenes: annotations } = classifierBatch(split, start, count, scenes);
  const aux: Feeds = auxGrid ? { [AUX_TARGETS]: grounderTargets(annotations, auxGrid).cls_targets } : {};
  return { ...feeds, ...aux };
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
