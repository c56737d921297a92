/** Dense float64 Cholesky helpers for GPTQ (matrices are K x K, K = a layer's input width). */
import { GradlocError } from '@gradloc/tensor-backend';

/** Lower-triangular L with A = L L^T (A symmetric positive definite, row-major n x n). */
export function cholesky(A: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (!(s > 0)) throw new GradlocError('RUNTIME_ERROR', `matrix is not positive definite (pivot ${i}: ${s}); raise the dampening`);
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j];
    }
  }
  return L;
}

/** A^-1 from its Cholesky factor: A^-1 = L^-T L^-1. */
export function inverseFromCholesky(L: Float64Array, n: number): Float64Array {
  // Linv: lower triangular inverse by forward substitution, column by column
  const Li = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    Li[j * n + j] = 1 / L[j * n + j];
    for (let i = j + 1; i < n; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= L[i * n + k] * Li[k * n + j];
      Li[i * n + j] = s / L[i * n + i];
    }
  }
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < n; k++) s += Li[k * n + i] * Li[k * n + j];
      inv[i * n + j] = s;
      inv[j * n + i] = s;
    }
  }
  return inv;
}
