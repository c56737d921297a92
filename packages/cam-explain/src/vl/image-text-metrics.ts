/**
 * Scoring vision-language maps, as Grad-ECLIP's evaluation does (imagenet_eval_deletion.py /
 * _insertion.py) but with the explained score itself (the cosine, or the box logit) in place
 * of zero-shot accuracy:
 * - deletion: the most salient pixels replaced by uniformly random colours (seeded), up to
 *   half of the pixels; lower AUC is better;
 * - insertion: from a black image, the most salient pixels copied in, up to half; higher AUC
 *   is better;
 * each curve `steps` chunks (default 20; the authors: 100 steps, scored every 10th), AUC the
 * trapezoid over [0, 0.5] divided by 0.5 (a mean score, deletion-insertion.ts). Random and
 * black colours are made in picture units [0, 1] and passed through the model's per-channel
 * normalisation when the caller feeds normalised pixels.
 *
 * Mask metrics, on scenes with known object masks: the pointing game (is the most attributed
 * pixel inside the object's mask, and inside its box as Zhang et al.'s pointing game scores
 * it, here without their 15 px tolerance?) and the energy pointing game (the share of the
 * map's mass inside the mask; Score-CAM's "energy-based pointing game").
 */
import { GradlocError, rng, type Feeds } from '@gradloc/tensor-backend';
import { deletionInsertion } from '../metrics/deletion-insertion.js';
import { elementTarget } from '../target.js';
import type { ImageTextMap } from './image-text.js';

export interface ImageTextAucOptions {
  /** Chunks per curve (default 20). */
  readonly steps?: number;
  /** Share of the pixels perturbed at the end (default 0.5, as the authors). */
  readonly fraction?: number;
  /** The normalisation the feeds carry (x - mean) / std, per channel, if any. */
  readonly normalize?: { readonly mean: readonly number[]; readonly std: readonly number[] };
  /** Seed of the deletion colours (default 0). */
  readonly seed?: number;
  /** The image input (default: the map's). */
  readonly input?: string;
  /**
   * Perturbed copies per model run (default 32 for dual encoders; 1 for grounders, since
   * OWL-ViT exports tie the text batch to the image batch: queries per image x images).
   */
  readonly batchSize?: number;
}

export interface ImageTextAuc {
  readonly insertion: number;
  readonly deletion: number;
}

export const IMAGE_TEXT_AUC_STEPS = 20;

/** A [C, H, W] picture-unit image through the feeds' normalisation. */
function inModelUnits(img: Float32Array, channels: number, n: number, norm: ImageTextAucOptions['normalize']): Float32Array {
  if (!norm) return img;
  for (let c = 0; c < channels; c++) for (let p = 0; p < n; p++) img[c * n + p] = (img[c * n + p] - norm.mean[c]) / norm.std[c];
  return img;
}

/** Insertion and deletion AUCs of one map (see the file comment). */
export async function imageTextAuc(explained: ImageTextMap, feeds: Feeds, input: string, o: ImageTextAucOptions = {}): Promise<ImageTextAuc> {
  const image = feeds[input];
  if (!image || image.dims.length !== 4) throw new GradlocError('BAD_INPUT', `no [1, C, H, W] image feed '${input}'`);
  const [, C, H, W] = image.dims;
  if (H !== explained.height || W !== explained.width) throw new GradlocError('SHAPE_MISMATCH', `the map is ${explained.height}x${explained.width}, the image ${H}x${W}`);
  const n = H * W;
  const rand = rng(o.seed ?? 0);
  const noise = inModelUnits(Float32Array.from({ length: C * n }, () => rand()), C, n, o.normalize);
  const black = inModelUnits(new Float32Array(C * n), C, n, o.normalize);
  const { model, output, index } = explained.scoring;
  const r = await deletionInsertion(
    { model, feeds, input, target: elementTarget(output, index.slice(1)), batchSize: o.batchSize ?? (explained.scoring.index.length === 3 ? 1 : undefined) },
    { batch: 1, height: H, width: W, maps: explained.map },
    { steps: o.steps ?? IMAGE_TEXT_AUC_STEPS, fraction: o.fraction ?? 0.5, deletionBaseline: noise, insertionBaseline: black },
  );
  return { insertion: r.insertion.auc[0], deletion: r.deletion.auc[0] };
}

/**
 * Pointing game and energy pointing game of one map against a boolean mask of the same size;
 * with `box` ([x0, y0, x1, y1], x1 and y1 exclusive; `width` the map's row length) also
 * whether the top pixel lies in the box.
 */
export function maskPointing(map: ArrayLike<number>, mask: ArrayLike<number | boolean>, box?: { readonly box: readonly [number, number, number, number]; readonly width: number }): { hit: boolean; energy: number; boxHit?: boolean } {
  if (map.length !== mask.length) throw new GradlocError('SHAPE_MISMATCH', `map has ${map.length} pixels, mask ${mask.length}`);
  let best = 0;
  let inside = 0;
  let total = 0;
  for (let i = 0; i < map.length; i++) {
    if (map[i] > map[best]) best = i;
    const v = Math.max(0, map[i]);
    total += v;
    if (mask[i]) inside += v;
  }
  const out = { hit: total > 0 && !!mask[best], energy: total > 0 ? inside / total : 0 };
  if (!box) return out;
  const [x, y] = [best % box.width, Math.floor(best / box.width)];
  const [x0, y0, x1, y1] = box.box;
  return { ...out, boxHit: total > 0 && x >= x0 && x < x1 && y >= y0 && y < y1 };
}
