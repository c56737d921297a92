/**
 * GPTQ-style error compensation (Frantar et al. 2023, optional `--gptq`): input rows of W are
 * quantized in order, and each row's rounding error is spread over the rows not yet
 * quantized, weighted by the inverse Hessian H = X^T X of the calibration activations, so
 * that X W changes as little as possible. Group parameters are fixed when a group's first row
 * is reached, from the already-compensated weights (GPTQ's "static groups off" behaviour).
 * Outliers are kept exactly (their error is only the FP16 rounding) and excluded from the
 * group ranges, as in SpQR.
 */
import { cholesky, inverseFromCholesky } from './cholesky.js';
import { columnGroupParams, dequantizeCode, maxCode, quantizeCode, type GroupParams } from './group-params.js';
import { roundHalf } from './half.js';
import { MatrixBuilder } from './matrix-builder.js';
import type { QuantSpec } from './spec.js';
import type { QuantizedMatrix } from './types.js';

export interface GptqOptions {
  /** Dampening added to the diagonal, as a fraction of its mean (GPTQ's percdamp, default 0.01). */
  readonly damp?: number;
}

/** The upper factor U with H^-1 = U^T U, after dampening; dead inputs (H_kk = 0) get H_kk = 1. */
function inverseHessianFactor(H: Float64Array, K: number, damp: number): { U: Float64Array; dead: Uint8Array } {
  const A = Float64Array.from(H);
  const dead = new Uint8Array(K);
  let mean = 0;
  for (let k = 0; k < K; k++) mean += A[k * K + k] / K;
  for (let k = 0; k < K; k++) {
    if (A[k * K + k] === 0) {
      dead[k] = 1;
      A[k * K + k] = 1;
    }
    A[k * K + k] += damp * (mean || 1);
  }
  const L2 = cholesky(inverseFromCholesky(cholesky(A, K), K), K);
  const U = new Float64Array(K * K);
  for (let i = 0; i < K; i++) for (let j = 0; j <= i; j++) U[j * K + i] = L2[i * K + j];
  return { U, dead };
}

/** W row-major [K, N]; H = sum of x x^T over calibration rows, row-major [K, K]. */
export function quantizeGptq(W: Float32Array, K: number, N: number, spec: QuantSpec, H: Float64Array, mask?: Uint8Array, opts: GptqOptions = {}): QuantizedMatrix {
  const { U, dead } = inverseHessianFactor(H, K, opts.damp ?? 0.01);
  const w = Float64Array.from(W);
  // an input that never fires cannot matter: GPTQ zeroes its weights
  for (let k = 0; k < K; k++) if (dead[k]) for (let n = 0; n < N; n++) if (!mask?.[k * N + n]) w[k * N + n] = 0;
  const m = new MatrixBuilder(K, N, spec.bits, spec.group);
  const maxq = maxCode(spec.bits);
  const params: GroupParams[] = new Array<GroupParams>(N);
  const err = new Float64Array(N);
  for (let k = 0; k < K; k++) {
    const g = Math.floor(k / spec.group);
    if (k % spec.group === 0) {
      const k1 = Math.min(K, k + spec.group);
      for (let n = 0; n < N; n++) {
        params[n] = columnGroupParams(w, N, n, k, k1, spec.bits, mask);
        m.setGroup(n, g, params[n]);
      }
    }
    const d = U[k * K + k];
    for (let n = 0; n < N; n++) {
      const v = w[k * N + n];
      let q: number;
      if (mask?.[k * N + n]) q = roundHalf(v);
      else {
        const code = quantizeCode(v, params[n], maxq);
        m.setCode(k, n, code);
        q = dequantizeCode(code, params[n]);
      }
      err[n] = (v - q) / d;
    }
    for (let j = k + 1; j < K; j++) {
      const u = U[k * K + j];
      if (u === 0) continue;
      const row = j * N;
      for (let n = 0; n < N; n++) w[row + n] -= err[n] * u;
    }
  }
  // outliers keep their compensated value (what GPTQ's error propagation asked them to be)
  return m.finish(mask, (k, n) => w[k * N + n]);
}
