/**
 * Substrates: what a perturbed pixel shows instead of the image (deletion's baseline,
 * insertion's starting image).
 *
 * - a number: every channel of the pixel set to that value, in the model input's units
 *   (0 = black for [0, 1] pixels; for mean/std-normalised inputs 0 is the dataset mean colour,
 *   pass the normalised black if black is wanted);
 * - 'blur': the same pixel of a Gaussian-blurred copy of the image, per channel. RISE uses an
 *   11 x 11 kernel with sigma 5 applied with zero padding; here the blur is separable, sigma 5
 *   by default, truncated at 3 sigma and with replicated borders (tensor-backend's image/filters.ts), so the
 *   image edges do not darken (zero padding would make the blurred border partly a black
 *   baseline too). sigma is in pixels and not scaled with the image: at RISE's 224 x 224 it
 *   removes fine detail but keeps coarse colour; for small images pass a smaller sigma;
 * - a Float32Array [C, H, W]: that image, in the model input's units (e.g. random colours, or
 *   black through a normalisation the caller applies), the same for every batch item.
 */
import { GradlocError, gaussianFilter } from '@gradloc/tensor-backend';

export type Substrate = number | 'blur' | Float32Array;

/** RISE's blur sigma (pixels). */
export const DEFAULT_BLUR_SIGMA = 5;

/** Per-channel separable Gaussian blur of one image [C, H, W]. */
export function blurImage(image: ArrayLike<number>, channels: number, height: number, width: number, sigma = DEFAULT_BLUR_SIGMA): Float32Array {
  if (!(sigma > 0)) throw new GradlocError('BAD_INPUT', `blur sigma must be positive, got ${sigma}`);
  const n = height * width;
  const out = new Float32Array(channels * n);
  for (let c = 0; c < channels; c++) {
    const plane = Float32Array.from({ length: n }, (_, p) => image[c * n + p]);
    out.set(gaussianFilter(plane, height, width, sigma), c * n);
  }
  return out;
}

/** The substrate image [C, H, W] for one item's image. */
export function substrateImage(s: Substrate, image: Float32Array, channels: number, height: number, width: number, sigma = DEFAULT_BLUR_SIGMA): Float32Array {
  if (s === 'blur') return blurImage(image, channels, height, width, sigma);
  if (s instanceof Float32Array) {
    if (s.length !== image.length) throw new GradlocError('SHAPE_MISMATCH', `a substrate image has ${s.length} values; the image has ${image.length} (C x H x W)`);
    return s;
  }
  if (!Number.isFinite(s)) throw new GradlocError('BAD_INPUT', `a substrate value must be finite, got ${s}`);
  return new Float32Array(image.length).fill(s);
}
