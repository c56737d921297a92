/**
 * The model adapter VPS searches with: images in, per-prediction boxes and scores for one
 * query out, batched. Grounders (OWL-ViT style: per-patch boxes and query logits) and
 * detectors (per-anchor boxes and class scores) both fit.
 */
import type { Box, PreparedPicture, RgbImage, Tensor } from '@gradloc/tensor-backend';

/** A model's predictions on one image for one query. */
export interface Predictions {
  /** [P * 4] boxes as normalised (x0, y0, x1, y1) in [0, 1] image coordinates. */
  readonly boxes: Float32Array;
  /** [P] probability-like scores of the query for each prediction, in [0, 1]. */
  readonly scores: Float32Array;
}

export interface Detector {
  /** Side lengths of the image the model takes (search images are at this size). */
  readonly width: number;
  readonly height: number;
  /** Predictions for `query` on each image of a batch [B, 3, height, width] with values in [0, 1]. */
  detect(images: Tensor<'float32'>, query: string): Promise<Predictions[]>;
  /** A picture as the model's input image in [0, 1] (default: a bilinear resize to width x height). */
  picture?(picture: RgbImage): Promise<PreparedPicture>;
  release(): Promise<void>;
}

/** A detection to explain: the query (class or phrase) and its box, normalised (x0, y0, x1, y1). */
export interface DetectionTarget {
  readonly query: string;
  readonly box: Box;
}
