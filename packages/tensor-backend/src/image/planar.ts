/**
 * From pictures to model inputs: interleaved 8-bit RGB -> planar [3, H, W] floats in [0, 1]
 * at a model's size, then (optionally) per-channel standardisation. One path for every
 * caller, so a model sees the same pixels from the CLI, the dashboard and the reports.
 */
import { GradlocError } from '../errors.js';
import { formatDims, tensor, type Tensor } from '../tensor/tensor.js';
import { resizeRGB } from './resize.js';
import type { RgbImage } from './types.js';

/** Planar image [3, H, W] in [0, 1]. */
export interface PlanarImage {
  readonly data: Float32Array;
  readonly height: number;
  readonly width: number;
}

/**
 * A picture as a model's input image: `region` is the part of the input the picture fills
 * (normalised [x0, y0, x1, y1]; default all of it), for processors that pad (OWLv2 pads to a
 * square): boxes and maps over the input map back to the picture through it.
 */
export interface PreparedPicture {
  readonly image: PlanarImage;
  readonly region?: readonly [number, number, number, number];
}

/** Per-channel mean and standard deviation, in the [0, 1] pixel scale. */
export interface ChannelNorm {
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/** An interleaved 8-bit RGB picture as a planar [3, H, W] image in [0, 1], resized (bilinear) to width x height. */
export function planarFromRgb(image: RgbImage, width: number, height: number): PlanarImage {
  const src = image.width === width && image.height === height ? image : resizeRGB(image, width, height);
  const plane = width * height;
  const data = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) data[c * plane + i] = src.data[3 * i + c] / 255;
  return { data, height, width };
}

/** (x - mean[c]) / std[c] over a [N, 3, H, W] batch; a new tensor. */
export function normalizeImages(images: Tensor<'float32'>, norm: ChannelNorm): Tensor<'float32'> {
  const [n, c, h, w] = images.dims;
  if (images.dims.length !== 4 || c !== 3) {
    throw new GradlocError('SHAPE_MISMATCH', `normalizeImages expects [N, 3, H, W], got ${formatDims(images.dims)}`);
  }
  const src = images.data as Float32Array;
  const out = new Float32Array(src.length);
  const plane = h * w;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < 3; ch++) {
      const off = (b * 3 + ch) * plane;
      const m = norm.mean[ch];
      const inv = 1 / norm.std[ch];
      for (let i = off; i < off + plane; i++) out[i] = (src[i] - m) * inv;
    }
  }
  return tensor('float32', [...images.dims], out);
}

/** A planar image as a [1, 3, H, W] batch, standardised when `norm` is given. */
export function imageBatch(image: PlanarImage, norm?: ChannelNorm): Tensor<'float32'> {
  const batch = tensor('float32', [1, 3, image.height, image.width], image.data);
  return norm ? normalizeImages(batch, norm) : batch;
}

/**
 * A picture as a width x height model input: through `prepare` (a model folder's own image
 * processor) when given, checked to give that size, else a bilinear resize.
 */
export async function preparePicture(picture: RgbImage, width: number, height: number, prepare?: (picture: RgbImage) => Promise<PreparedPicture>): Promise<PreparedPicture> {
  if (!prepare) return { image: planarFromRgb(picture, width, height) };
  const p = await prepare(picture);
  if (p.image.width !== width || p.image.height !== height) throw new GradlocError('BAD_MODEL', `the image processor gives ${p.image.width}x${p.image.height} pixels; the model takes ${width}x${height}`);
  return p;
}
