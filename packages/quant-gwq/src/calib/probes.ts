/**
 * Seeds of the 'distill' loss (loss-graphs.ts): the gradient of the per-output loss with
 * respect to the output, evaluated at the teacher's (full-precision) value z. Each output's
 * loss is averaged over its rows (all axes but the last), so outputs of different sizes weigh
 * alike.
 * - softmax over the last axis, target = argmax:  softmax(z) - onehot(argmax z)
 * - sigmoid per element, target = [z > 0]:         sigmoid(z) - [z > 0]
 * - gaussian, target = z + sigma * e, e ~ N(0, 1):  -e / sigma, sigma = RMS of z
 */
import { normal, rng, type Tensor } from '@gradloc/tensor-backend';
import type { OutputKind } from './loss-graphs.js';

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

function softmaxSeed(z: ArrayLike<number>, out: Float32Array, width: number, rows: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * width;
    let max = -Infinity;
    let arg = 0;
    for (let j = 0; j < width; j++) if (z[o + j] > max) [max, arg] = [z[o + j], j];
    let sum = 0;
    for (let j = 0; j < width; j++) sum += Math.exp(z[o + j] - max);
    for (let j = 0; j < width; j++) out[o + j] = (Math.exp(z[o + j] - max) / sum - (j === arg ? 1 : 0)) / rows;
  }
}

export function probeSeed(z: Tensor, kind: OutputKind, seed: number): Tensor<'float32'> {
  const data = z.data as Float32Array;
  const width = z.dims.length ? z.dims[z.dims.length - 1] : 1;
  const rows = Math.max(1, data.length / width);
  const out = new Float32Array(data.length);
  if (kind === 'softmax') softmaxSeed(data, out, width, rows);
  else if (kind === 'sigmoid') for (let i = 0; i < data.length; i++) out[i] = (sigmoid(data[i]) - (data[i] > 0 ? 1 : 0)) / rows;
  else {
    let ss = 0;
    for (let i = 0; i < data.length; i++) ss += data[i] * data[i];
    const sigma = Math.sqrt(ss / data.length) || 1;
    const r = rng(seed);
    for (let i = 0; i < data.length; i++) out[i] = -normal(r) / sigma / rows;
  }
  return { dtype: 'float32', dims: [...z.dims], data: out };
}
