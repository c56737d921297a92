/**
 * Heatmaps and overlays of CAM maps as 8-bit RGB images, in memory (png.ts writes them).
 *
 * overlay() follows pytorch-grad-cam's `show_cam_on_image`:
 *   heatmap = colormap[uint8(255 * map)] / 255      (the map truncated to a byte, a 256-entry LUT)
 *   cam     = (1 - image_weight) * heatmap + image_weight * image / 255
 *   cam     = cam / max(cam)                         (one max over all pixels and channels)
 *   result  = uint8(255 * cam)                       (truncated, as numpy's uint8 cast does)
 * with image_weight = 1 - alpha (default 0.5). The division by the max brightens the blend so
 * its brightest channel value reaches 255; `rescale: false` skips it (a plain alpha blend).
 */
import { GradlocError } from '../errors.js';
import { resizeMap, resizeRGB } from './resize.js';
import { checkImage, checkPlane, type MapPlane, type RgbImage } from './types.js';
import { colormapTable, type ColormapName } from './colormap.js';

export interface OverlayOptions {
  /** Default 'jet', pytorch-grad-cam's default (cv2.COLORMAP_JET). */
  readonly colormap?: ColormapName;
  /** Weight of the heatmap in [0, 1] (default 0.5); pytorch-grad-cam's image_weight is 1 - alpha. */
  readonly alpha?: number;
  /** Divide the blend by its max, as show_cam_on_image does (default true). */
  readonly rescale?: boolean;
  /**
   * Size of the result: 'map' (default) resizes the image to the map, 'image' resizes the map
   * to the image. Both bilinear with half-pixel centres.
   */
  readonly size?: 'map' | 'image';
}

/**
 * Slack before truncating to a byte: 255 * 0.6 is 152.99999999999997 in floating point, and
 * an exact blend value should not lose a level to that.
 */
const TRUNCATE_SLACK = 1e-6;
const toByte = (v: number): number => Math.min(255, Math.max(0, Math.floor(v * 255 + TRUNCATE_SLACK)));

/** Byte index of a map value: uint8(255 * clamp(v)), NaN as 0. */
const lutIndex = (v: number): number => (v > 0 ? (v < 1 ? Math.floor(v * 255 + TRUNCATE_SLACK) : 255) : 0);

/** The map [H, W] through a colormap: RGB bytes [H, W, 3]. */
export function heatmapRGB(map: ArrayLike<number>, height: number, width: number, colormap: ColormapName = 'jet'): RgbImage {
  checkPlane({ width, height, data: map });
  const lut = colormapTable(colormap);
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    const i = lutIndex(map[p]) * 3;
    data[p * 3] = lut[i];
    data[p * 3 + 1] = lut[i + 1];
    data[p * 3 + 2] = lut[i + 2];
  }
  return { width, height, data };
}

/** The heatmap of `map` blended over `image` (see the module comment for the arithmetic). */
export function overlay(image: RgbImage, map: MapPlane, options: OverlayOptions = {}): RgbImage {
  checkImage(image, 'image');
  checkPlane(map);
  const alpha = options.alpha ?? 0.5;
  if (!(alpha >= 0 && alpha <= 1)) throw new GradlocError('BAD_INPUT', `overlay alpha must be in [0, 1], got ${alpha}`);
  const toImage = options.size === 'image';
  const base = toImage ? image : resizeRGB(image, map.width, map.height);
  const plane = toImage ? resizeMap(map, image.width, image.height) : map;
  const heat = heatmapRGB(plane.data, plane.height, plane.width, options.colormap ?? 'jet');
  const blend = new Float64Array(base.data.length);
  let max = 0;
  for (let i = 0; i < blend.length; i++) {
    blend[i] = (alpha * heat.data[i] + (1 - alpha) * base.data[i]) / 255;
    if (blend[i] > max) max = blend[i];
  }
  // an all-black blend has nothing to rescale (pytorch-grad-cam would divide by zero here)
  const scale = options.rescale === false || max === 0 ? 1 : 1 / max;
  const data = new Uint8Array(blend.length);
  for (let i = 0; i < blend.length; i++) data[i] = toByte(blend[i] * scale);
  return { width: base.width, height: base.height, data };
}

/** Images side by side, left to right, on a black background (for a batch of maps in one PNG). */
export function tileHorizontal(images: readonly RgbImage[]): RgbImage {
  if (images.length === 0) throw new GradlocError('BAD_INPUT', 'no images to tile');
  images.forEach((im, i) => checkImage(im, `image ${i}`));
  const width = images.reduce((s, im) => s + im.width, 0);
  const height = Math.max(...images.map((im) => im.height));
  const data = new Uint8Array(width * height * 3);
  let x0 = 0;
  for (const im of images) {
    for (let y = 0; y < im.height; y++) data.set(im.data.subarray(y * im.width * 3, (y + 1) * im.width * 3), (y * width + x0) * 3);
    x0 += im.width;
  }
  return { width, height, data };
}
