/**
 * Action probabilities from one row of policy outputs: softmax over the valid actions of the
 * logits at `out[offset ..]` divided by a temperature, 0 for invalid ones. The sampler and the
 * exact marginal (metrics/exact.ts) both read the policy through this.
 */
export function actionProbabilities(out: Float32Array, offset: number, mask: Uint8Array, into: Float64Array, temperature = 1): void {
  let max = -Infinity;
  for (let a = 0; a < mask.length; a++) if (mask[a]) max = Math.max(max, out[offset + a] / temperature);
  let z = 0;
  for (let a = 0; a < mask.length; a++) {
    into[a] = mask[a] ? Math.exp(out[offset + a] / temperature - max) : 0;
    z += into[a];
  }
  for (let a = 0; a < mask.length; a++) into[a] /= z;
}
