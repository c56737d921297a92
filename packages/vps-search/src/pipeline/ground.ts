/**
 * Grounding on a picture: the picture resized to the detector's input, every query scored in
 * one forward pass, each query's predictions thresholded and de-duplicated (NMS per query),
 * boxes returned in the picture's pixels. What `gradloc detect` and the dashboard's
 * grounding.detect both serve.
 */
import { boxFromRegion, imageBatch, toRgbImage, type Box, type DecodeLimits, type ImageInput } from '@gradloc/tensor-backend';
import { detections, type DetectionOptions } from '../detector/detections.js';
import type { OnnxGrounder } from '../detector/onnx-grounder.js';

/** A box in pixels of the picture: [x0, y0, x1, y1]. */
export type PixelBox = [number, number, number, number];

export interface PixelDetection {
  readonly query: string;
  readonly box: PixelBox;
  readonly score: number;
}

export interface GroundOptions extends DetectionOptions {
  readonly detector: OnnxGrounder;
  readonly image: ImageInput;
  readonly queries: readonly string[];
  /** Limits for encoded images (pixel count checked from the header). */
  readonly limits?: DecodeLimits;
}

export interface GroundResult {
  /** Every query's detections, best first within a query, queries in the order given. */
  readonly detections: PixelDetection[];
  readonly width: number;
  readonly height: number;
}

// 1e-4 px: well inside float32 box precision, so served boxes agree with other runtimes
// (transformers.js on an exported folder) to 1e-3 relative even a pixel from the edge
const round4 = (v: number): number => Math.round(v * 1e4) / 1e4;

/** A normalised (x0, y0, x1, y1) box in pixels of a width x height picture, to 1e-4 px. */
export const toPixels = (b: readonly number[], width: number, height: number): PixelBox => [round4(b[0] * width), round4(b[1] * height), round4(b[2] * width), round4(b[3] * height)];

const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));

/** A box over the model input as a box over the picture (which fills `region` of the input), clipped to it. */
export const inPicture = (b: Box, region?: Box): Box => {
  const r = region ? boxFromRegion(b, region) : b;
  return [clamp01(r[0]), clamp01(r[1]), clamp01(r[2]), clamp01(r[3])];
};

export async function ground(o: GroundOptions): Promise<GroundResult> {
  const picture = await toRgbImage(o.image, 'image', o.limits);
  const { detector } = o;
  const { image, region } = await detector.picture(picture);
  const perQuery = await detector.detectAll(imageBatch(image), o.queries); // one forward pass for all queries
  const out: PixelDetection[] = [];
  for (const [q, query] of o.queries.entries()) {
    for (const d of detections(perQuery[q][0], o)) out.push({ query, box: toPixels(inPicture(d.box, region), picture.width, picture.height), score: d.score });
  }
  return { detections: out, width: picture.width, height: picture.height };
}
