/** Global L2 norm of the gradients and the clipping factor torch.nn.utils.clip_grad_norm_ applies. */
import type { FloatArray } from './float-array.js';

/**
 * sqrt of the sum of squares over every gradient, accumulated in double. Four partial sums:
 * one accumulator makes the loop wait on each add's latency (4x slower on 5M values).
 */
export function globalNorm(grads: readonly FloatArray[]): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (const g of grads) {
    const n = g.length;
    const n4 = n - (n % 4);
    let i = 0;
    for (; i < n4; i += 4) {
      s0 += g[i] * g[i];
      s1 += g[i + 1] * g[i + 1];
      s2 += g[i + 2] * g[i + 2];
      s3 += g[i + 3] * g[i + 3];
    }
    for (; i < n; i++) s0 += g[i] * g[i];
  }
  return Math.sqrt(s0 + s1 + s2 + s3);
}

/** The factor gradients are multiplied by: min(1, maxNorm / (norm + 1e-6)), as PyTorch. */
export const clipScale = (norm: number, maxNorm: number): number => Math.min(1, maxNorm / (norm + 1e-6));
