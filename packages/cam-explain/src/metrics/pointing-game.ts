/**
 * The pointing game (Zhang et al. 2016, "Top-down Neural Attention by Excitation
 * Backprop"): an item is a hit when the map's maximum lies on a ground-truth object of the
 * explained class, with a tolerance; accuracy = hits / items evaluated.
 *
 * Choices:
 * - boxes are pixel boxes [x0, y0, x1, y1] at the map's (= the image's) resolution, x1 and y1
 *   exclusive: the box covers pixels x0 <= x < x1, y0 <= y < y1; several boxes per item (every
 *   instance of the class) are allowed, a hit on any counts;
 * - tolerance (default 15 pixels, the paper's): a pixel counts as on a box when its Euclidean
 *   distance to the nearest pixel of the box is <= tolerance (TorchRay dilates the box mask by
 *   a disc of that radius, the same set); 0 = strictly inside;
 * - ties: every pixel whose value equals the maximum is a candidate, and the item is a hit if
 *   any candidate is on a box, so a hit does not depend on an arbitrary argmax tie-break (a
 *   constant map therefore hits whenever a box lies in the image; min-max-normalised maps are
 *   constant only when the method found nothing);
 * - NaN map values are ignored; an all-NaN map misses;
 * - an item given no boxes is not evaluated (hit = null) and does not count in the accuracy,
 *   as the paper skips images without the class.
 */
import { GradlocError } from '@gradloc/tensor-backend';
import { mapOf, type SaliencyMaps } from './common.js';

/** [x0, y0, x1, y1] in pixels, x1 and y1 exclusive. */
export type PixelBox = readonly [number, number, number, number];

export const DEFAULT_POINTING_TOLERANCE = 15;

export interface PointingGameOptions {
  /** Pixels (Euclidean) a maximum may lie outside a box and still hit (default 15). */
  readonly tolerance?: number;
}

export interface PointingGameResult {
  /** Per item: hit, miss, or null when the item had no boxes. */
  readonly hits: readonly (boolean | null)[];
  /** Hits / evaluated items (NaN when none was evaluated). */
  readonly accuracy: number;
  /** Items with at least one box. */
  readonly evaluated: number;
}

/** Squared distance from pixel (x, y) to the nearest pixel of a box. */
function distance2(x: number, y: number, box: PixelBox): number {
  const [x0, y0, x1, y1] = box;
  const dx = Math.max(x0 - x, 0, x - (x1 - 1));
  const dy = Math.max(y0 - y, 0, y - (y1 - 1));
  return dx * dx + dy * dy;
}

/** Whether item b's map maximum (any of its maximal pixels) lies within `tolerance` of a box. */
export function pointingHit(map: ArrayLike<number>, width: number, boxes: readonly PixelBox[], tolerance = DEFAULT_POINTING_TOLERANCE): boolean {
  let max = NaN;
  for (let i = 0; i < map.length; i++) if (!Number.isNaN(map[i]) && !(map[i] <= max)) max = map[i];
  if (Number.isNaN(max)) return false; // all NaN (or empty)
  const t2 = tolerance * tolerance;
  for (let i = 0; i < map.length; i++) {
    if (map[i] !== max) continue;
    const y = Math.floor(i / width);
    const x = i - y * width;
    if (boxes.some((box) => distance2(x, y, box) <= t2)) return true;
  }
  return false;
}

export function pointingGame(saliency: SaliencyMaps, boxes: readonly (readonly PixelBox[])[], options: PointingGameOptions = {}): PointingGameResult {
  if (boxes.length !== saliency.batch) throw new GradlocError('BAD_INPUT', `${boxes.length} box lists given for ${saliency.batch} maps`);
  const tolerance = options.tolerance ?? DEFAULT_POINTING_TOLERANCE;
  if (!(tolerance >= 0)) throw new GradlocError('BAD_INPUT', `pointing-game tolerance must be >= 0, got ${tolerance}`);
  for (const list of boxes) {
    for (const box of list) {
      if (box.length !== 4 || !box.every(Number.isFinite) || !(box[2] > box[0] && box[3] > box[1])) {
        throw new GradlocError('BAD_INPUT', `a box must be [x0, y0, x1, y1] with x1 > x0 and y1 > y0, got [${box.join(', ')}]`);
      }
    }
  }
  const hits = boxes.map((list, b) => (list.length === 0 ? null : pointingHit(mapOf(saliency, b), saliency.width, list, tolerance)));
  const evaluated = hits.filter((h) => h !== null).length;
  return { hits, accuracy: evaluated === 0 ? NaN : hits.filter((h) => h === true).length / evaluated, evaluated };
}
