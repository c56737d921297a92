/**
 * Image preprocessing as a card states it: the square input size, and the per-channel mean
 * and std, applied by the caller or (`normalization.in` = "graph ...") by the graph itself, in
 * which case the model takes raw pixels in [0, 1]. Callers read it here instead of parsing
 * cards themselves.
 */
import { GradlocError, normalizeImages, type Tensor } from '@gradloc/tensor-backend';
import type { Card } from '../card.js';
import type { Rgb } from '../data/shapes/palette.js';

export interface ImagePreprocessing {
  /** Input height = width, in pixels. */
  readonly size: number;
  readonly mean: Rgb;
  readonly std: Rgb;
  /** The graph standardises its pixels itself: feed [0, 1] values unchanged. */
  readonly inGraph: boolean;
}

function rgb(v: unknown, what: string, card: Card): Rgb {
  if (Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number')) return [v[0], v[1], v[2]];
  throw new GradlocError('BAD_MODEL', `${card.name}: the card's preprocessing.normalization.${what} is not three numbers`);
}

/** The card's image preprocessing (BAD_MODEL when it gives no size or no mean/std). */
export function imagePreprocessing(card: Card): ImagePreprocessing {
  const pre = card.preprocessing as { size?: unknown; normalization?: { mean?: unknown; std?: unknown; in?: unknown } };
  if (typeof pre.size !== 'number') throw new GradlocError('BAD_MODEL', `${card.name}: the card gives no input size (preprocessing.size)`);
  const norm = pre.normalization ?? {};
  return { size: pre.size, mean: rgb(norm.mean, 'mean', card), std: rgb(norm.std, 'std', card), inGraph: typeof norm.in === 'string' && norm.in.startsWith('graph') };
}

/** [N, 3, H, W] pixels in [0, 1] as the model takes them: standardised, unless the graph does it. */
export const prepareImages = (images: Tensor<'float32'>, pre: ImagePreprocessing): Tensor<'float32'> => (pre.inGraph ? images : normalizeImages(images, pre));
