/**
 * Masked images for the search: the image with only a set of regions revealed (the rest
 * replaced by a baseline), or with that set removed. Written straight into a batch buffer,
 * so a step's candidates become one model input without intermediate copies.
 */
import { gaussianFilter, GradlocError, type PlanarImage } from '@gradloc/tensor-backend';

/** What hidden pixels become: black, the image's per-channel mean, or a strong blur of it. */
export type BaselineKind = 'black' | 'mean' | 'blur';
export const BASELINES: readonly BaselineKind[] = ['black', 'mean', 'blur'];

/** The baseline image for `kind` (blur: Gaussian with sigma = 1/16 of the longer side, as hidden detail should not survive). */
export function baselineImage(img: PlanarImage, kind: BaselineKind): Float32Array {
  const { data, height: h, width: w } = img;
  const plane = h * w;
  if (data.length !== 3 * plane) throw new GradlocError('SHAPE_MISMATCH', `image data has ${data.length} values, [3, ${h}, ${w}] needs ${3 * plane}`);
  const out = new Float32Array(data.length);
  if (kind === 'black') return out;
  for (let c = 0; c < 3; c++) {
    const channel = data.subarray(c * plane, (c + 1) * plane);
    if (kind === 'mean') {
      let s = 0;
      for (let i = 0; i < plane; i++) s += channel[i];
      out.fill(s / plane, c * plane, (c + 1) * plane);
    } else out.set(gaussianFilter(channel, h, w, Math.max(h, w) / 16), c * plane);
  }
  return out;
}

/**
 * Writes one composite into `dst` at `offset`: pixels of regions in `set` come from `inside`,
 * the others from `outside` (reveal: inside = image, outside = baseline; remove: swapped).
 */
export function composeInto(dst: Float32Array, offset: number, labels: Int32Array, set: Uint8Array, inside: Float32Array, outside: Float32Array): void {
  const plane = labels.length;
  for (let c = 0; c < 3; c++) {
    const base = c * plane;
    const o = offset + base;
    for (let i = 0; i < plane; i++) dst[o + i] = set[labels[i]] ? inside[base + i] : outside[base + i];
  }
}
