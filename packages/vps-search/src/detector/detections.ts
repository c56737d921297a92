/**
 * A detector's predictions for one query as a short list of detections: predictions at or
 * above a score threshold, duplicates of the same object removed by non-maximum suppression
 * (one object lights up several neighbouring patches of an OWL-ViT-style grounder).
 */
import { GradlocError, nms, type Box } from '@gradloc/tensor-backend';
import type { Predictions } from './types.js';

export interface Detection {
  /** Normalised (x0, y0, x1, y1). */
  readonly box: Box;
  readonly score: number;
}

export interface DetectionOptions {
  /** Keep predictions scoring at least this (default DEFAULT_DETECTION_THRESHOLD). */
  readonly threshold?: number;
  /** Suppress a prediction overlapping a better kept one by more than this IoU (default 0.5). */
  readonly iou?: number;
  /** At most this many detections, best first (default 20). */
  readonly max?: number;
}

/**
 * Below the present objects' scores seen on held-out scenes (0.24 and up in the dashboard's
 * test scenes) and 2.5x the shipped grounders' highest absent-query score (0.06).
 */
export const DEFAULT_DETECTION_THRESHOLD = 0.15;

const boxAt = (p: Predictions, q: number): Box => [p.boxes[4 * q], p.boxes[4 * q + 1], p.boxes[4 * q + 2], p.boxes[4 * q + 3]];

export function detections(p: Predictions, o: DetectionOptions = {}): Detection[] {
  const threshold = o.threshold ?? DEFAULT_DETECTION_THRESHOLD;
  const max = o.max ?? 20;
  if (Number.isNaN(threshold)) throw new GradlocError('BAD_INPUT', 'the score threshold is NaN');
  const candidates = [...p.scores.keys()].filter((q) => p.scores[q] >= threshold);
  const kept = nms(candidates.map((q) => boxAt(p, q)), candidates.map((q) => p.scores[q]), o.iou ?? 0.5);
  return kept.slice(0, max).map((k) => ({ box: boxAt(p, candidates[k]), score: p.scores[candidates[k]] }));
}

/** The single best prediction, whatever its score (the detection to explain by default). */
export function bestDetection(p: Predictions): Detection {
  if (p.scores.length === 0) throw new GradlocError('BAD_INPUT', 'the detector returned no predictions');
  let best = 0;
  for (let q = 1; q < p.scores.length; q++) if (p.scores[q] > p.scores[best]) best = q;
  return { box: boxAt(p, best), score: p.scores[best] };
}

/**
 * A box given in pixels of a width x height image, checked to lie inside it, as the normalised
 * (x0, y0, x1, y1) targets use. `what` names the box in the error (e.g. "--box 1,2,3,4").
 */
export function normalizedBox(px: readonly number[], width: number, height: number, what: string): Box {
  const [x0, y0, x1, y1] = px;
  if (px.length !== 4 || !(x0 < x1 && y0 < y1) || x0 < 0 || y0 < 0 || x1 > width || y1 > height) {
    throw new GradlocError('BAD_INPUT', `${what} must satisfy 0 <= x0 < x1 <= ${width} and 0 <= y0 < y1 <= ${height} (the image's size)`);
  }
  return [x0 / width, y0 / height, x1 / width, y1 / height];
}
