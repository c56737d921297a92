/**
 * VPS from a picture to what a user looks at: the picture is resized to the detector's input,
 * the detection to explain is the given box (pixels of the picture) or the model's best box
 * for the query, the search runs at the detector's size, and the map comes back at the
 * picture's size with its overlay (the explained box drawn on it), the faithfulness metrics
 * and both curves. `gradloc vps`, the dashboard's VPS job and the reports call this.
 */
import { boxIntoRegion, cropMap, drawBox, imageBatch, overlay, planarFromRgb, resizeMap, toRgbImage, type Box, type DecodeLimits, type ImageInput, type MapPlane, type OverlayOptions, type PlanarImage, type RgbImage } from '@gradloc/tensor-backend';
import { bestDetection, normalizedBox } from '../detector/detections.js';
import type { Detector } from '../detector/types.js';
import type { Curves } from '../metrics.js';
import { targetScore } from '../score.js';
import type { Objective } from '../search/evaluator.js';
import type { SearchControl } from '../search/types.js';
import { searchDetection, type VpsOptions } from '../vps.js';
import { inPicture, toPixels, type PixelBox } from './ground.js';

/**
 * A target scoring below this on the full image counts as a miss: the explanation is then of
 * why the model does NOT find it (the paper's failure attribution). Well under the shipped
 * grounders' present-object scores (0.24 and up) and above their absent-query ones (0.06).
 */
export const MISS_THRESHOLD = 0.1;

export interface ExplainDetectionOptions extends Objective, SearchControl, Pick<VpsOptions, 'regions' | 'division' | 'baseline' | 'search' | 'groupSize' | 'shortlist' | 'refreshEvery' | 'neighbours' | 'lazy' | 'batchSize'> {
  readonly detector: Detector;
  readonly image: ImageInput;
  readonly query: string;
  /** The detection's box in pixels of the image; default: the model's best box for the query. */
  readonly box?: readonly number[];
  /** Limits for encoded images (pixel count checked from the header). */
  readonly limits?: DecodeLimits;
  /** How the overlay is drawn (default: jet at alpha 0.5, the box in white). */
  readonly overlay?: OverlayOptions;
}

export interface DetectionExplanation {
  readonly query: string;
  /** The explained box, in pixels of the image. */
  readonly box: PixelBox;
  /** The target's score on the full image (max over predictions of IoU x query score). */
  readonly score: number;
  /** score < MISS_THRESHOLD: the map explains a miss. */
  readonly missed: boolean;
  /** Attribution at the image's size, in [0, 1]. */
  readonly map: MapPlane & { readonly data: Float32Array };
  /** The map over the image, the explained box outlined. */
  readonly overlay: RgbImage;
  readonly insertionAuc: number;
  readonly deletionAuc: number;
  readonly highestConfidence: number;
  readonly forwardPasses: number;
  readonly ms: number;
  readonly regions: number;
  readonly curves: Curves;
}

/** The picture, its planar copy at the detector's size, and the detection to explain. */
export interface PreparedTarget {
  readonly picture: RgbImage;
  readonly image: PlanarImage;
  /** The part of the detector's input the picture fills (padding processors; default all). */
  readonly region?: Box;
  /** Normalised box in the detector's input, and its pixels in the picture. */
  readonly box: Box;
  readonly pixels: PixelBox;
  readonly score: number;
}

/** Decodes the picture and finds the target box (given, or the model's best for the query). */
export async function prepareTarget(o: Pick<ExplainDetectionOptions, 'detector' | 'image' | 'query' | 'box' | 'limits'>): Promise<PreparedTarget> {
  const picture = await toRgbImage(o.image, 'image', o.limits);
  const given = o.box ? normalizedBox(o.box, picture.width, picture.height, `box [${o.box.join(', ')}]`) : undefined;
  const { detector } = o;
  const { image, region } = detector.picture ? await detector.picture(picture) : { image: planarFromRgb(picture, detector.width, detector.height), region: undefined };
  const [own] = await detector.detect(imageBatch(image), o.query);
  const box = given ? (region ? boxIntoRegion(given, region) : given) : bestDetection(own).box;
  return { picture, image, region, box, pixels: toPixels(inPicture(box, region), picture.width, picture.height), score: targetScore(own, box) };
}

/** A map at the detector's size brought to the picture's, with its overlay (the box outlined). */
export function pictureMap(t: PreparedTarget, data: Float32Array, opts?: OverlayOptions): { map: MapPlane & { readonly data: Float32Array }; overlay: RgbImage } {
  const whole = { width: t.image.width, height: t.image.height, data };
  const map = resizeMap(t.region ? cropMap(whole, t.region) : whole, t.picture.width, t.picture.height);
  return { map: { width: map.width, height: map.height, data: Float32Array.from(map.data) }, overlay: drawBox(overlay(t.picture, map, opts), t.pixels) };
}

export async function explainDetection(o: ExplainDetectionOptions): Promise<DetectionExplanation> {
  const t = await prepareTarget(o);
  const r = await searchDetection({ ...o, image: t.image, target: { query: o.query, box: t.box } });
  const { map, overlay: picture } = pictureMap(t, r.map, o.overlay);
  return {
    query: o.query,
    box: t.pixels,
    score: t.score,
    missed: t.score < MISS_THRESHOLD,
    map,
    overlay: picture,
    insertionAuc: r.metrics.insertionAuc,
    deletionAuc: r.metrics.deletionAuc,
    highestConfidence: r.metrics.highestConfidence,
    forwardPasses: r.metrics.forwardPasses,
    ms: r.metrics.ms,
    regions: r.regions.count,
    curves: r.curves,
  };
}
