/**
 * D-RISE (Petsiuk et al. 2021), the black-box detection baseline: N random masks (a coarse
 * random binary grid, keep probability p, upsampled bilinearly and shifted by a random
 * sub-cell offset, as in RISE); each masked image's weight is the target's detection score
 * (max IoU x query score over the predictions, score.ts); the map is the weighted sum of the
 * masks, scaled to [0, 1]. Hidden pixels take the same baseline as VPS, so both see the same
 * kind of perturbation.
 */
import { rng, tensor, resizeBilinear, type PlanarImage } from '@gradloc/tensor-backend';
import type { DetectionTarget, Detector } from '../detector/types.js';
import { targetScore } from '../score.js';

export interface DRiseOptions {
  /** Masks (default 1000). */
  readonly masks?: number;
  /** Cells per side of the random grid (default 16). */
  readonly grid?: number;
  /** Probability a cell is kept (default 0.5). */
  readonly keep?: number;
  readonly batchSize?: number;
  readonly seed?: number;
}

export interface DRiseResult {
  /** [height * width] in [0, 1]. */
  readonly map: Float32Array;
  readonly forwardPasses: number;
  readonly ms: number;
}

/** One RISE mask [h * w]: a random s x s grid upsampled to (s + 1) cells and cropped at a random offset. */
function riseMask(h: number, w: number, s: number, keep: number, rand: () => number): Float32Array {
  const cellH = Math.ceil(h / s);
  const cellW = Math.ceil(w / s);
  const grid = Float32Array.from({ length: s * s }, () => (rand() < keep ? 1 : 0));
  const bigH = (s + 1) * cellH;
  const bigW = (s + 1) * cellW;
  const big = resizeBilinear(grid, 1, s, s, bigH, bigW);
  const dy = Math.floor(rand() * cellH);
  const dx = Math.floor(rand() * cellW);
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = big[(y + dy) * bigW + x + dx];
  return out;
}

export async function dRise(detector: Detector, image: PlanarImage, baseline: Float32Array, target: DetectionTarget, o: DRiseOptions = {}): Promise<DRiseResult> {
  const t0 = performance.now();
  const { height: h, width: w } = image;
  const plane = h * w;
  const n = o.masks ?? 1000;
  const s = o.grid ?? 16;
  const keep = o.keep ?? 0.5;
  const batch = o.batchSize ?? 32;
  const rand = rng(o.seed ?? 0);
  const map = new Float64Array(plane);
  for (let start = 0; start < n; start += batch) {
    const count = Math.min(batch, n - start);
    const masks = Array.from({ length: count }, () => riseMask(h, w, s, keep, rand));
    const data = new Float32Array(count * 3 * plane);
    masks.forEach((m, i) => {
      for (let c = 0; c < 3; c++) {
        const o3 = c * plane;
        for (let p = 0; p < plane; p++) data[i * 3 * plane + o3 + p] = m[p] * image.data[o3 + p] + (1 - m[p]) * baseline[o3 + p];
      }
    });
    const predictions = await detector.detect(tensor('float32', [count, 3, h, w], data), target.query);
    predictions.forEach((p, i) => {
      const weight = targetScore(p, target.box);
      if (weight > 0) for (let q = 0; q < plane; q++) map[q] += weight * masks[i][q];
    });
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of map) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const out = Float32Array.from(map, (v) => (hi > lo ? (v - lo) / (hi - lo) : 0));
  return { map: out, forwardPasses: n, ms: performance.now() - t0 };
}
