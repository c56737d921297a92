/**
 * The dense weight a QuantizedMatrix stands for, computed in TypeScript. It is the reference
 * every exported graph is checked against, so it follows the format's definition literally.
 * (code - zero) * scale is exact in float32: |code - zero| < 2^8 and the scale has an 11-bit
 * significand, so the product needs at most 19 bits.
 */
import { fromHalfBits } from './half.js';
import { groupsOf, type QuantizedMatrix } from './types.js';

/** Dense W, row-major [K, N] (w[k * N + n]), with the FP16 outliers in place. */
export function dequantize(q: QuantizedMatrix): Float32Array {
  const { K, N, group, codes, scales, zeros } = q;
  const G = groupsOf(K, group);
  const w = new Float32Array(K * N);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      const g = Math.floor(k / group);
      w[k * N + n] = (codes[n * K + k] - zeros[n * G + g]) * scales[n * G + g];
    }
  }
  const { k, n, value } = q.outliers;
  for (let i = 0; i < value.length; i++) w[k[i] * N + n[i]] = fromHalfBits(value[i]);
  return w;
}
