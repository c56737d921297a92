/**
 * Round-to-nearest group quantization: each group of `group` consecutive input rows of one
 * output column gets min-max parameters over its non-outlier values, and every value is
 * rounded independently. This is the RTN baseline and, with an outlier mask, the dense part
 * of the magnitude / Hessian / random / GWQ variants.
 */
import { columnGroupParams, maxCode, quantizeCode } from './group-params.js';
import { MatrixBuilder } from './matrix-builder.js';
import type { QuantSpec } from './spec.js';
import type { QuantizedMatrix } from './types.js';

/** W is row-major [K, N]; mask (optional, same layout) marks the FP16 outliers. */
export function quantizeRtn(W: Float32Array, K: number, N: number, spec: QuantSpec, mask?: Uint8Array): QuantizedMatrix {
  const m = new MatrixBuilder(K, N, spec.bits, spec.group);
  const maxq = maxCode(spec.bits);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < m.groups; g++) {
      const k0 = g * spec.group;
      const k1 = Math.min(K, k0 + spec.group);
      const p = columnGroupParams(W, N, n, k0, k1, spec.bits, mask);
      m.setGroup(n, g, p);
      for (let k = k0; k < k1; k++) m.setCode(k, n, quantizeCode(W[k * N + n], p, maxq));
    }
  }
  return m.finish(mask, (k, n) => W[k * N + n]);
}

