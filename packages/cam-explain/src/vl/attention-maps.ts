/**
 * Gradient-free baselines for vision-language explanations, from the attention probabilities
 * of the image tower (one forward pass):
 * - `attention`: the last block's attention from the pooled token (the class token) to the
 *   patches, averaged over heads;
 * - `rollout` (Abnar & Zuidema 2020): per block A' = 0.5 mean_h(A) + 0.5 I with rows
 *   renormalised, multiplied from the first block to the last (R = A'_L ... A'_1); the class
 *   token's row of R over the patches.
 */
import { GradlocError, type Feeds, type OnnxModel } from '@gradloc/tensor-backend';
import { withOutputs } from '../capture.js';
import { tokenGrid, type TokenLayout } from '../spatial.js';
import { towerBlocks } from './attention-blocks.js';

export interface AttentionMapOptions {
  /** The image tower's input (default 'pixel_values'). */
  readonly input?: string;
  /** Softmax outputs [1, H, L, L] of the tower's blocks, first to last, when the pattern does not find them. */
  readonly probs?: readonly string[];
  /** The token whose attention is read (default 0, the class token). */
  readonly row?: number;
  readonly imageTokens?: TokenLayout;
}

export interface AttentionMaps {
  /** [rows, cols] maps over the patch grid. */
  readonly attention: Float32Array;
  readonly rollout: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

/** mean over heads of [1, H, L, L] -> [L, L] (float64). */
function headMean(data: ArrayLike<number>, dims: readonly number[]): Float64Array {
  const [b, H, L] = dims;
  if (dims.length !== 4 || b !== 1 || dims[3] !== L) throw new GradlocError('BAD_INPUT', `attention probabilities must be [1, H, L, L], got [${dims.join(', ')}]`);
  const out = new Float64Array(L * L);
  for (let h = 0; h < H; h++) for (let i = 0; i < L * L; i++) out[i] += data[h * L * L + i] / H;
  return out;
}

export async function attentionMaps(model: OnnxModel, feeds: Feeds, opts: AttentionMapOptions = {}): Promise<AttentionMaps> {
  const probs = opts.probs ?? towerBlocks(model.graph, feeds, opts.input ?? 'pixel_values').map((b) => b.probs);
  if (probs.length === 0) throw new GradlocError('BAD_INPUT', 'no attention probabilities to read');
  const out = await withOutputs(model, probs, feeds).run(feeds, [...probs]);
  const mats = probs.map((p) => headMean(out[p].data as Float32Array, out[p].dims));
  const L = out[probs[0]].dims[2];
  const row = opts.row ?? 0;
  if (!(Number.isInteger(row) && row >= 0 && row < L)) throw new GradlocError('BAD_INPUT', `row must be a token index below ${L}, got ${row}`);
  const { prefix, rows, cols } = tokenGrid(probs[probs.length - 1], L, opts.imageTokens ?? {});
  // only the read token's row of R = A'_L ... A'_1 is needed: e_row^T A'_L ... A'_1, one
  // vector-matrix product per block (L^2) instead of the full products (L^3)
  let roll = Float64Array.from({ length: L }, (_, j) => (j === row ? 1 : 0));
  for (let b = mats.length - 1; b >= 0; b--) {
    const a = mats[b];
    const next = new Float64Array(L);
    for (let i = 0; i < L; i++) {
      if (roll[i] === 0) continue;
      let sum = 0;
      for (let j = 0; j < L; j++) sum += 0.5 * a[i * L + j] + (i === j ? 0.5 : 0);
      for (let j = 0; j < L; j++) next[j] += (roll[i] * (0.5 * a[i * L + j] + (i === j ? 0.5 : 0))) / sum;
    }
    roll = next;
  }
  const last = mats[mats.length - 1];
  const patches = (m: Float64Array, offset: number): Float32Array => Float32Array.from({ length: rows * cols }, (_, p) => m[offset + prefix + p]);
  return { attention: patches(last, row * L), rollout: patches(roll, 0), rows, cols };
}
