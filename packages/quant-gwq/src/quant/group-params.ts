/**
 * Asymmetric min-max parameters of one quantization group, shared by round-to-nearest and
 * GPTQ. The range always contains 0 (as in GPTQ): the zero point is stored unsigned in
 * 0 .. 2^bits - 1, so a group of all-positive weights with a zero point below 0 could not be
 * represented. Scales are rounded to FP16, the precision the export stores them in (and what
 * GPTQ/AWQ checkpoints store), so TS and onnxruntime dequantize the same numbers.
 */
import { roundHalf } from './half.js';

export interface GroupParams {
  readonly scale: number;
  readonly zero: number;
}

export const maxCode = (bits: number): number => 2 ** bits - 1;

/** Parameters for values in [lo, hi] (outliers already left out by the caller). */
export function groupParams(lo: number, hi: number, bits: number): GroupParams {
  const maxq = maxCode(bits);
  const min = Math.min(lo, 0);
  const max = Math.max(hi, 0);
  let scale = roundHalf((max - min) / maxq);
  if (!(scale > 0)) {
    // an all-zero group, one with no kept values, or values too small for an FP16 step:
    // one step of the largest |value| (1 when there is none) keeps the range non-degenerate
    scale = roundHalf(Math.max(Math.abs(min), Math.abs(max))) || 1;
  }
  const zero = Math.min(maxq, Math.max(0, Math.round(-min / scale)));
  return { scale, zero };
}

export const quantizeCode = (w: number, p: GroupParams, maxq: number): number => Math.min(maxq, Math.max(0, Math.round(w / p.scale) + p.zero));

export const dequantizeCode = (q: number, p: GroupParams): number => (q - p.zero) * p.scale;

/**
 * Parameters of one group of a row-major [K, N] matrix: column n, rows k0..k1-1, with the
 * masked (outlier) entries left out of the range.
 */
export function columnGroupParams(w: ArrayLike<number>, N: number, n: number, k0: number, k1: number, bits: number, mask?: Uint8Array): GroupParams {
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = k0; k < k1; k++) {
    if (mask?.[k * N + n]) continue;
    const v = w[k * N + n];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return groupParams(lo === Infinity ? 0 : lo, hi === -Infinity ? 0 : hi, bits);
}
